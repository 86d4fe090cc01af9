package zg.compute.webui.internal;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The page's static files, listed in {@code static/manifest.txt} and read once from the classpath: a request
 * path is only ever a key into that map, never a file system path.
 */
public final class Assets {

    private record File(String contentType, String cacheControl, Buffer bytes) {
    }

    private static final String DIR = "/zg/compute/webui/static/";

    private final Map<String, File> files;

    private Assets(Map<String, File> files) {
        this.files = files;
    }

    public static Assets load() {
        Map<String, File> files = new HashMap<>();
        for (String name : new String(bytes("manifest.txt"), StandardCharsets.UTF_8).split("\n")) {
            String n = name.strip();
            if (n.isEmpty() || n.startsWith("#")) {
                continue;
            }
            files.put("/" + n, new File(type(n), "no-cache",
                    Buffer.buffer(bytes(n))));
        }
        files.put("/", files.get("/index.html"));
        return new Assets(Map.copyOf(files));
    }

    /** @return false when there is no such file */
    public boolean serve(String path, HttpServerResponse resp) {
        File f = files.get(path);
        if (f == null) {
            return false;
        }
        resp.putHeader("Content-Type", f.contentType()).putHeader("Cache-Control", f.cacheControl()).end(f.bytes());
        return true;
    }

    private static String type(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (name.endsWith(".svg")) {
            return "image/svg+xml";
        }
        throw new IllegalStateException("web UI asset of unknown type: " + name);
    }

    private static byte[] bytes(String name) {
        try (InputStream in = Assets.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("web UI asset missing from the jar: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
