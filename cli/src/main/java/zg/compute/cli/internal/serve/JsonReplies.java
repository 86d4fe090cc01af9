package zg.compute.cli.internal.serve;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** The proxy's own answers: JSON, errors as {@code {"error": "…"}} like the official proxy. */
final class JsonReplies {

    private JsonReplies() {
    }

    static void json(HttpServerResponse resp, int status, Object body) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        resp.setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(io.vertx.core.json.Json.encode(body));
    }

    static void error(HttpServerResponse resp, int status, String message) {
        json(resp, status, new JsonObject().put("error", message));
    }
}
