package zg.compute.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Debian's {@code wrk} as the load generator. A generated Lua script POSTs the chat body with
 * {@code Authorization} rotating over the users' tokens (one token per request, so no user holds more than a few
 * of the connections) and prints its own summary line, which {@link #run} parses.
 */
final class Wrk {

    /** One wrk run: completed requests, failures (non-2xx, socket errors, timeouts) and latencies in µs. */
    record Result(long requests, double seconds, long errors, long non2xx, double p50us, double p99us, double meanUs) {
        double rps() {
            return requests / seconds;
        }
    }

    private static final Pattern LINE = Pattern.compile("WRKRESULT (\\d+) (\\d+) (\\d+) (\\d+) (\\d+) ([\\d.]+) ([\\d.]+) ([\\d.]+)");

    private final Path dir;

    Wrk(Path dir) {
        this.dir = dir;
    }

    /** Writes the Lua script for one target path and body kind; returns its file. */
    Path script(String name, String path, String body, boolean stream, List<String> authorizations) throws IOException {
        for (String a : authorizations) {
            if (!a.matches("[A-Za-z0-9+/=_. -]+")) {
                throw new IllegalArgumentException("unexpected character in an Authorization value");
            }
        }
        String tokens = authorizations.stream().map(a -> "  \"" + a + "\"").collect(Collectors.joining(",\n"));
        String lua = """
                local tokens = {
                %s
                }
                local body = [==[%s]==]
                local counter = 0
                function setup(thread)
                  thread:set("id", counter)
                  counter = counter + 1
                end
                function init(args)
                  n = (id or 0) * 7
                end
                function request()
                  n = n %% #tokens + 1
                  return wrk.format("POST", "%s", {["Content-Type"] = "application/json",
                    ["Authorization"] = tokens[n], ["%s"] = "%s"}, body)
                end
                function done(summary, latency, requests)
                  local e = summary.errors
                  io.write(string.format("WRKRESULT %%d %%d %%d %%d %%d %%.1f %%.1f %%.1f\\n", summary.requests,
                    summary.duration, e.connect + e.read + e.write + e.timeout, e.status, e.timeout,
                    latency:percentile(50), latency:percentile(99), latency.mean))
                end
                """.formatted(tokens, body, path, Nginx.STREAM_HEADER, stream ? "1" : "0");
        Path file = dir.resolve(name + ".lua");
        Files.writeString(file, lua);
        return file;
    }

    /** Runs wrk for {@code seconds} with {@code connections} connections against {@code baseUrl} + script's path. */
    Result run(Path script, String baseUrl, int connections, int seconds) throws IOException, InterruptedException {
        int threads = Math.min(2, connections);
        Process p = new ProcessBuilder("wrk", "-t", String.valueOf(threads), "-c", String.valueOf(connections), "-d",
                seconds + "s", "--timeout", "10s", "-s", script.toString(), baseUrl).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("wrk did not finish");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        Matcher m = LINE.matcher(text);
        if (p.exitValue() != 0 || !m.find()) {
            throw new IOException("wrk failed (exit " + p.exitValue() + "): " + text.strip());
        }
        return new Result(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)) / 1e6, Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), Double.parseDouble(m.group(6)), Double.parseDouble(m.group(7)),
                Double.parseDouble(m.group(8)));
    }
}
