package zg.compute.provider.internal.http;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;
import zg.compute.protocol.auth.SessionHeaders;
import zg.compute.provider.internal.auth.Authenticator;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.lora.Adapter;
import zg.compute.provider.internal.lora.LoraAdapters;
import zg.compute.provider.internal.metrics.BrokerMetrics;
import zg.compute.server.RawBody;

/**
 * The LoRA routes (fine-tuning.md §1.10, sdk-cli.md §routes): the user's adapters, their status and deploy, with
 * the normal inference auth; and the fine-tuning providers' key feed. Without LoRA configured every route answers
 * 404 {@code LoRA adapters are not served by this provider}.
 */
final class LoraHttp {

    static final String DISABLED = "LoRA adapters are not served by this provider";

    private final PaidPipeline pipeline;
    private final Authenticator auth;
    private final LoraAdapters lora;
    private final BrokerMetrics metrics;

    /** @param lora null when LoRA serving is off */
    LoraHttp(PaidPipeline pipeline, Authenticator auth, LoraAdapters lora, BrokerMetrics metrics) {
        this.pipeline = pipeline;
        this.auth = auth;
        this.lora = lora;
        this.metrics = metrics;
    }

    void routes(Router router) {
        router.get("/v1/lora/adapters").handler(ctx -> answer(ctx, () -> {
            String user = user(ctx);
            JsonArray list = new JsonArray();
            lora.list(user).forEach(a -> list.add(new JsonObject().put("adapterName", a.name())
                    .put("taskId", a.taskId()).put("baseModel", a.baseModel()).put("state", a.state().name())));
            return new JsonObject().put("adapters", list);
        }));
        router.post("/v1/lora/adapters/deploy").handler(ctx -> answer(ctx, () -> {
            String user = user(ctx);
            JsonObject body = body(ctx);
            Adapter a = lora.deploy(user, text(body, "taskId"), text(body, "baseModel"), text(body, "adapterName"));
            return new JsonObject().put("message", a.state() == Adapter.State.active
                    ? "adapter " + a.name() + " is already active" : "deployment of adapter " + a.name() + " started")
                    .put("adapterName", a.name()).put("state", a.state().name());
        }));
        router.get("/v1/lora/adapters/:name").handler(ctx -> answer(ctx, () -> {
            Adapter a = lora.status(user(ctx), ctx.pathParam("name"));
            JsonObject out = new JsonObject().put("adapterName", a.name()).put("taskId", a.taskId())
                    .put("state", a.state().name());
            return a.error() == null ? out : out.put("error", a.error());
        }));
        router.post("/internal/v1/adapter-keys").handler(ctx -> answer(ctx, () -> {
            JsonObject body = body(ctx);
            var h = ctx.request().headers();
            lora.acceptKey(h.get(SessionHeaders.ADDRESS), h.get(SessionHeaders.TOKEN), h.get(SessionHeaders.SIGNATURE),
                    text(body, "taskId"), text(body, "storageHash"), text(body, "providerEncKey"));
            return new JsonObject().put("message", "adapter key accepted");
        }));
    }

    private String user(RoutingContext ctx) throws RequestRejected {
        return auth.authenticate(ctx.request().getHeader("Authorization")).user();
    }

    private static JsonObject body(RoutingContext ctx) throws RequestRejected {
        try {
            Object v = io.vertx.core.json.Json.decodeValue(io.vertx.core.buffer.Buffer.buffer(RawBody.bytes(ctx)));
            if (v instanceof JsonObject o) {
                return o;
            }
        } catch (DecodeException e) {
            // below
        }
        throw new RequestRejected(400, "invalid request body: not a JSON object");
    }

    private static String text(JsonObject body, String key) throws RequestRejected {
        Object v = body.getValue(key);
        if (v != null && !(v instanceof String)) {
            throw new RequestRejected(400, "invalid request body: " + key + " must be a string");
        }
        return (String) v;
    }

    private void answer(RoutingContext ctx, Callable<JsonObject> work) {
        if (lora == null) {
            BrokerHttp.error(ctx.response(), 404, DISABLED);
            return;
        }
        pipeline.blocking(work).onComplete(ar -> {
            if (ar.failed()) {
                BrokerHttp.fail(ctx.response(), ar.cause(), metrics);
            } else {
                BrokerHttp.json(ctx.response(), 200, ar.result());
            }
        });
    }
}
