package zg.compute.cli.internal.serve;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A client's chat request, checked once and re-encoded per target with that target's model. */
final class ChatBody {

    /** A request the proxy refuses before spending anything (answered with 400). */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private final JsonObject json;

    private ChatBody(JsonObject json) {
        this.json = json;
    }

    static ChatBody parse(Buffer body) throws Invalid {
        Object v;
        try {
            v = body == null || body.length() == 0 ? null : Json.decodeValue(body);
        } catch (RuntimeException e) {
            throw new Invalid("the request body is not valid JSON");
        }
        if (!(v instanceof JsonObject json)) {
            throw new Invalid("the request body must be a JSON object");
        }
        if (!(json.getValue("messages") instanceof JsonArray m) || m.isEmpty()) {
            throw new Invalid("messages is required and must be a non-empty array");
        }
        // The official proxy also accepts the string "true".
        if ("true".equals(json.getValue("stream"))) {
            json.put("stream", true);
        }
        return new ChatBody(json);
    }

    boolean stream() {
        return Boolean.TRUE.equals(json.getValue("stream"));
    }

    /** The bytes to send: the client's body with {@code model} replaced by the target's. */
    byte[] forModel(String model) {
        return json.copy().put("model", model).toBuffer().getBytes();
    }
}
