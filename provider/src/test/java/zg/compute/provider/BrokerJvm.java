package zg.compute.provider;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How a broker JVM is started for tests that need it as its own process (SIGKILL, a small heap):
 * {@code ProviderMain start --config …} with the test's classpath.
 */
record BrokerJvm(Path config, Map<String, String> env, Path logback, Path classArchive, String classpath) {

    static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");


        /** @param dumpClasses write the class-data archive at exit (the clean warm-up start) instead of using it */
        BrokerProcess spawn(Path log, boolean dumpClasses) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                    "-Dlogback.configurationFile=" + logback));
            if (dumpClasses) {
                cmd.add("-XX:ArchiveClassesAtExit=" + classArchive);
                cmd.add("-Xlog:cds=off"); // one "Skipping …: Signed JAR" warning per bouncycastle class
            } else if (Files.isRegularFile(classArchive) && Files.size(classArchive) > 0) {
                cmd.add("-XX:SharedArchiveFile=" + classArchive);
            }
            cmd.addAll(List.of("-cp", classpath, ProviderMain.class.getName(),
                    "start", "--config", config.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(config.getParent().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            Process process = pb.start();
            RUNNING.add(process);
            return new BrokerProcess(process, log);
        }

    /** Test-owned logging for the broker processes: INFO for the broker (settlement and recovery lines). */
    static final String LOGBACK = """
            <configuration>
              <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n</pattern></encoder>
              </appender>
              <logger name="org.web3j" level="WARN"/>
              <logger name="io.netty" level="WARN"/>
              <logger name="io.vertx" level="WARN"/>
              <logger name="org.flywaydb" level="WARN"/>
              <root level="INFO"><appender-ref ref="OUT"/></root>
            </configuration>
            """;


    /** Broker processes not yet reaped: killed if the test JVM itself goes away mid-run. */
    private static final java.util.Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "kill-test-brokers"));
    }

    /** {@code ProviderMain start --config …} in its own JVM, its output in a log file. */
    static final class BrokerProcess {
        private final Process process;
        private final Path log;
        private final long spawnedAt = System.nanoTime();
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1)).build();

        private BrokerProcess(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        long millisSinceSpawn() {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - spawnedAt);
        }

        /** The port it printed, if it has printed one yet. */
        private Integer port() throws IOException {
            Matcher m = LISTENING.matcher(Files.readString(log, StandardCharsets.UTF_8));
            return m.find() ? Integer.valueOf(m.group(1)) : null;
        }

        boolean readyNow() throws IOException {
            Integer port = port();
            return port != null && healthy("http://127.0.0.1:" + port);
        }

        private boolean healthy(String base) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/health"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 && r.body().contains("ok");
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** Waits for the printed port and a 200 from {@code GET /health}; returns the base URL. */
        String awaitReady(Duration deadline) throws IOException, InterruptedException {
            long end = System.nanoTime() + deadline.toNanos();
            while (System.nanoTime() < end) {
                if (!process.isAlive()) {
                    throw new AssertionError("broker exited with " + process.exitValue() + " before it was ready:\n"
                            + tail());
                }
                Integer port = port();
                if (port != null && healthy("http://127.0.0.1:" + port)) {
                    return "http://127.0.0.1:" + port;
                }
                Thread.sleep(20);
            }
            throw new AssertionError("broker not ready after " + deadline + ":\n" + tail());
        }

        /** SIGKILL: no shutdown hook, no close, whatever was in flight stays in flight. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("broker survived SIGKILL");
            }
            RUNNING.remove(process);
        }

        /** SIGTERM: the broker's shutdown hook closes it. */
        void stop() throws IOException, InterruptedException {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError("broker did not stop within 60 s of SIGTERM:\n" + tail());
            }
            RUNNING.remove(process);
        }

        /** Appends a line of the test's own to the log (the process is gone by then). */
        void note(String line) throws IOException {
            Files.writeString(log, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        }

        String tail() throws IOException {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        }
    }

    /**
     * The test JVM's classpath with every directory (target/classes, target/test-classes of the modules) packed
     * into a jar: a class-data archive can only be made of jars.
     */
    static String jarredClasspath(Path into) throws IOException {
        Files.createDirectories(into);
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (!Files.isDirectory(p)) {
                entries.add(entry);
                continue;
            }
            Path jar = into.resolve("dir-%02d.jar".formatted(n++));
            try (var outJar = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
                    Stream<Path> files = Files.walk(p)) {
                for (Path file : files.filter(f -> !f.equals(p)).sorted().toList()) {
                    String name = p.relativize(file).toString().replace('\\', '/');
                    boolean isDir = Files.isDirectory(file);
                    // directory entries too: resource scans (Flyway's db/… migrations) look the directory up
                    outJar.putNextEntry(new java.util.jar.JarEntry(isDir ? name + "/" : name));
                    if (!isDir) {
                        Files.copy(file, outJar);
                    }
                    outJar.closeEntry();
                }
            }
            entries.add(jar.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

}
