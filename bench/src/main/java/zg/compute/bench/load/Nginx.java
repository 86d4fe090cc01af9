package zg.compute.bench.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import zg.compute.server.Ports;

/**
 * Debian's nginx as an unprivileged foreground process ({@code daemon off}) with a generated config in its own
 * directory: either the zero-cost upstream answering every chat completion with a fixed body (SSE when the request
 * carries {@code X-Bench-Stream: 1}, which the broker and the proxy both forward; with {@code 2} the same stream
 * paced as a model sends it, by {@link PacedStream}), or the plain reverse proxy yardstick in front of it.
 */
final class Nginx implements AutoCloseable {

    /** The header that picks the SSE body; the broker forwards request headers it does not strip. */
    static final String STREAM_HEADER = "X-Bench-Stream";

    private final Process process;
    private final int port;

    private Nginx(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** @param pacedPort the {@link PacedStream} that answers {@code X-Bench-Stream: 2} */
    static Nginx upstream(Path dir, String json, String sse, int pacedPort) throws IOException {
        Path www = Files.createDirectories(dir.resolve("www"));
        // nginx's workers drop root (to nobody): the files and the directories above them must be readable to others
        for (Path p = www; p != null && p.startsWith(dir.getParent()); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.writeString(www.resolve("chat.json"), json);
        Files.writeString(www.resolve("chat.sse"), sse);
        int port = Ports.free("127.0.0.1");
        // Static files (a `return` string is limited to 4 KiB); nginx answers a POST to a static file with 405,
        // which error_page turns into the file itself (the redirect is a GET).
        String server = """
                  server {
                    listen 127.0.0.1:%d;
                    root %s;
                    etag off;
                    location = /v1/chat/completions {
                      if ($http_x_bench_stream = "1") { rewrite ^ /chat.sse last; }
                      if ($http_x_bench_stream = "2") { rewrite ^ /paced last; }
                      rewrite ^ /chat.json last;
                    }
                    location = /chat.json { internal; default_type application/json; error_page 405 =200 $uri; }
                    location = /chat.sse { internal; default_type text/event-stream; error_page 405 =200 $uri; }
                    location = /paced { internal; proxy_pass http://127.0.0.1:%d; proxy_buffering off; }
                  }
                """.formatted(port, www, pacedPort);
        return start(dir, 1, server, port);
    }

    static Nginx proxy(Path dir, int upstreamPort) throws IOException {
        int port = Ports.free("127.0.0.1");
        // Keep-alive to the upstream and no buffering (SSE passes through as it comes), as the broker does.
        String server = """
                  upstream model { server 127.0.0.1:%d; keepalive 256; }
                  server {
                    listen 127.0.0.1:%d;
                    location / {
                      proxy_pass http://model;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_buffering off;
                    }
                  }
                """.formatted(upstreamPort, port);
        return start(dir, 2, server, port);
    }

    private static Nginx start(Path dir, int workers, String server, int port) throws IOException {
        Files.createDirectories(dir.resolve("tmp"));
        String conf = """
                daemon off;
                master_process on;
                worker_processes %d;
                pid %s/nginx.pid;
                error_log %s/error.log warn;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  keepalive_requests 10000000;
                  keepalive_timeout 300s;
                  client_body_temp_path %s/tmp/body;
                  proxy_temp_path %s/tmp/proxy;
                  fastcgi_temp_path %s/tmp/fastcgi;
                  uwsgi_temp_path %s/tmp/uwsgi;
                  scgi_temp_path %s/tmp/scgi;
                %s}
                """.formatted(workers, dir, dir, dir, dir, dir, dir, dir, server);
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        Process p = new ProcessBuilder("nginx", "-p", dir.toString(), "-e", dir.resolve("error.log").toString(), "-c",
                file.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("nginx exited (" + p.exitValue() + "): " + Files.readString(dir.resolve("error.log")));
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return new Nginx(p, port);
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        p.destroyForcibly();
        throw new IOException("nginx did not listen on " + port + " within 10 s (config " + file + ")");
    }

    int port() {
        return port;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The master process (its workers are its children). */
    ProcessHandle handle() {
        return process.toHandle();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: the master stops its workers
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
