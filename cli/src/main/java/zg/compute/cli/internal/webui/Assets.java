package zg.compute.cli.internal.webui;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/** The page's three static files, read once from the classpath: no file system access by request path. */
final class Assets {

    private record File(String contentType, String cacheControl, Buffer bytes) {
    }

    private static final String DIR = "/zg/compute/cli/webui/";

    private final Map<String, File> files;

    private Assets(Map<String, File> files) {
        this.files = files;
    }

    static Assets load() {
        File index = read("index.html", "text/html; charset=utf-8", "no-cache");
        return new Assets(Map.of(
                "/", index,
                "/index.html", index,
                "/app.js", read("app.js", "text/javascript; charset=utf-8", "public, max-age=3600"),
                "/app.css", read("app.css", "text/css; charset=utf-8", "public, max-age=3600")));
    }

    void serve(String path, HttpServerResponse resp) {
        File f = files.get(path);
        if (f == null) {
            WebUiServer.reply(resp, 404, new JsonObject().put("error", "not found: " + path));
            return;
        }
        resp.putHeader("Content-Type", f.contentType()).putHeader("Cache-Control", f.cacheControl()).end(f.bytes());
    }

    private static File read(String name, String contentType, String cacheControl) {
        try (InputStream in = Assets.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("web UI asset missing from the jar: " + name);
            }
            return new File(contentType, cacheControl, Buffer.buffer(in.readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
