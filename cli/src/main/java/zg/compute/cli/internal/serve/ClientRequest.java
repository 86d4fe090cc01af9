package zg.compute.cli.internal.serve;

import zg.compute.server.RawBody;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * A client's request for one {@link Route}, checked once before anything is spent and re-encoded per target with
 * that target's model: a JSON body with {@code model} replaced, or a multipart form whose {@code model} part is
 * replaced while every other byte (the files) passes unchanged.
 */
final class ClientRequest {

    /** A request the proxy refuses before spending anything. */
    static final class Invalid extends Exception {
        private final int status;

        Invalid(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /** The bytes to send upstream and their Content-Type. */
    record Outgoing(byte[] body, String contentType) {

        /** Whether this is the JSON form (image fees then read the requested {@code n} from it). */
        boolean json() {
            return contentType.startsWith("application/json");
        }
    }

    private final JsonObject json;
    private final FormBody form;

    private ClientRequest(JsonObject json, FormBody form) {
        this.json = json;
        this.form = form;
    }

    /** The request of {@code ctx} for {@code route}, or null after answering its one-line error. */
    static ClientRequest readOrReply(RoutingContext ctx, Route route) {
        try {
            return read(route, ctx.request().getHeader(HttpHeaders.CONTENT_TYPE),
                    ctx.request().getHeader(HttpHeaders.ORIGIN), RawBody.of(ctx));
        } catch (Invalid e) {
            JsonReplies.error(ctx.response(), e.status(), e.getMessage());
            return null;
        }
    }

    /**
     * @param origin the request's {@code Origin} header: browsers send it, and only forms can cross sites without a
     *               preflight, so a form that carries one is refused — a web page must not spend the wallet
     */
    static ClientRequest read(Route route, String contentType, String origin, Buffer body) throws Invalid {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        if (route.body().json() && type.startsWith("application/json")) {
            return new ClientRequest(json(route, body), null);
        }
        if (route.body().form() && FormBody.isForm(type)) {
            if (origin != null) {
                throw new Invalid(403, "requests from web pages (with an Origin header) are refused: this port spends "
                        + "the wallet's funds without authentication");
            }
            return new ClientRequest(null, form(route, contentType, body));
        }
        throw new Invalid(415, "Content-Type must be " + switch (route.body()) {
            case JSON -> "application/json";
            case FORM -> "multipart/form-data";
            case JSON_OR_FORM -> "application/json or multipart/form-data";
        });
    }

    private static JsonObject json(Route route, Buffer body) throws Invalid {
        Object v;
        try {
            v = body == null || body.length() == 0 ? null : Json.decodeValue(body);
        } catch (RuntimeException e) {
            throw new Invalid(400, "the request body is not valid JSON");
        }
        if (!(v instanceof JsonObject json)) {
            throw new Invalid(400, "the request body must be a JSON object");
        }
        for (Route.Required r : route.jsonFields()) {
            if (!r.present().test(json.getValue(r.name()))) {
                throw new Invalid(400, r.message());
            }
        }
        // The official proxy also accepts the string "true".
        if ("true".equals(json.getValue("stream"))) {
            json.put("stream", true);
        }
        return json;
    }

    private static FormBody form(Route route, String contentType, Buffer body) throws Invalid {
        FormBody form;
        try {
            form = FormBody.parse(body == null ? new byte[0] : body.getBytes(), contentType);
        } catch (IllegalArgumentException e) {
            throw new Invalid(400, e.getMessage());
        }
        for (String part : route.formParts()) {
            if (!form.has(part)) {
                throw new Invalid(400, "Missing " + part + " in request body");
            }
        }
        return form;
    }

    /** The bytes to send to a target serving {@code model}. */
    /** The client's JSON {@code model}, or null (absent, or a form: its model part is always the provider's). */
    String model() {
        return json != null && json.getValue("model") instanceof String m ? m : null;
    }

    Outgoing forModel(String model) {
        if (json != null) {
            return new Outgoing(json.copy().put("model", model).toBuffer().getBytes(), "application/json");
        }
        return new Outgoing(form.withField("model", model), form.contentType());
    }
}
