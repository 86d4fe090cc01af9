package zg.compute.provider.internal.finetuning;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Keys;
import org.web3j.crypto.WalletUtils;
import zg.compute.protocol.finetuning.FileDigest;
import zg.compute.protocol.finetuning.FineTuningMessages;
import zg.compute.protocol.finetuning.FineTuningSignatures;
import zg.compute.provider.TeeKeySource;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.chain.FineTuningChain;
import zg.compute.provider.internal.http.BrokerHttp;
import zg.compute.server.GuardedHttpServer;
import zg.compute.server.ServerLimits;

/**
 * The fine-tuning HTTP API (provider spec §7.3 plus the current SDK's TEE dataset upload and LoRA
 * download). Errors are {@code {"error": "<text>"}}; blocking work (database, chain, files) runs off
 * the event loop.
 */
public final class TaskHttp {

    private static final Logger log = LoggerFactory.getLogger(TaskHttp.class);

    private final Vertx vertx;
    private final TaskStore store;
    private final FineTuningChain chain;
    private final DatasetQuota quota;
    private final OneTimeSignatures uploadSignatures;
    private final TaskIntake intake;
    private final TaskFiles files;
    private final TeeKeySource tee;
    private final ModelCatalog models;
    private final long maxDatasetBytes;
    private final Duration signatureWindow;
    private final Clock clock;
    /** The body limit of every route but the dataset upload. */
    static final long SMALL_BODY = 64 * 1024;
    /** Multipart framing and the signature/timestamp fields on top of the dataset itself. */
    static final long MULTIPART_OVERHEAD = 64 * 1024;
    private GuardedHttpServer.Listeners server;

    public TaskHttp(Vertx vertx, TaskStore store, FineTuningChain chain, TaskIntake intake, TaskFiles files,
            DatasetQuota quota, TeeKeySource tee, ModelCatalog models, long maxDatasetBytes, Duration signatureWindow,
            Clock clock) {
        this.vertx = vertx;
        this.store = store;
        this.chain = chain;
        this.quota = quota;
        this.uploadSignatures = new OneTimeSignatures(signatureWindow, clock);
        this.intake = intake;
        this.files = files;
        this.tee = tee;
        this.models = models;
        this.maxDatasetBytes = maxDatasetBytes;
        this.signatureWindow = signatureWindow;
        this.clock = clock;
    }

    /** @param limits header, body and idle timeouts ({@code server.*TimeoutSeconds}) */
    public int start(String host, int port, ServerLimits limits) {
        Router router = Router.router(vertx);
        // only the upload route reads a multipart body, and only once its user is known to have a funded
        // sub-account and room in the quota; the JSON routes read at most 64 KiB; no other route reads a body
        router.post("/v1/user/:user/dataset").handler(this::admitUpload).handler(this::uploadDataset);
        BodyHandler small = BodyHandler.create(false).setBodyLimit(SMALL_BODY);
        router.errorHandler(413, ctx -> {
            BrokerHttp.closeAfterAnswer(ctx);
            error(ctx.response(), 413, "request too large: a dataset may have at most " + maxDatasetBytes
                    + " bytes (and must fit in the dataset quota)");
        });
        router.errorHandler(500, ctx -> {
            log.error("request failed", ctx.failure());
            error(ctx.response(), 500, "Internal Server Error");
        });
        router.get("/health").handler(ctx -> json(ctx.response(), 200, new JsonObject().put("status", "ok")));
        router.get("/v1/quote").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8")
                .end(tee.quoteJson()));
        router.get("/v1/model").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                .end(models.list().encode()));
        router.get("/v1/model/desc/:name").handler(ctx -> models.usageZip(ctx.pathParam("name")).ifPresentOrElse(
                zip -> ctx.response().putHeader("Content-Type", "application/zip").putHeader("Content-Disposition",
                        "attachment; filename=\"" + ctx.pathParam("name").replaceAll("[^A-Za-z0-9._-]", "_") + ".zip\"")
                        .end(io.vertx.core.buffer.Buffer.buffer(zip)),
                () -> error(ctx.response(), 404, "model " + ctx.pathParam("name") + " not found")));
        router.get("/v1/model/:name").handler(ctx -> models.find(ctx.pathParam("name")).ifPresentOrElse(
                m -> json(ctx.response(), 200, m),
                () -> error(ctx.response(), 404, "model " + ctx.pathParam("name") + " not found")));
        router.get("/v1/task/pending").handler(ctx -> reply(ctx, () -> String.valueOf(store.countPending()),
                (resp, n) -> resp.putHeader("Content-Type", "text/plain; charset=utf-8").end(n)));
        router.post("/v1/user/:user/task").handler(small).handler(this::createTask);
        router.get("/v1/user/:user/task").handler(this::listTasks);
        router.get("/v1/user/:user/task/:id").handler(ctx -> reply(ctx, () -> TaskJson.of(task(ctx)),
                (resp, j) -> json(resp, 200, j)));
        router.get("/v1/user/:user/task/:id/log").handler(this::taskLog);
        router.post("/v1/user/:user/task/:id/cancel").handler(small).handler(this::cancel);
        router.post("/v1/user/:user/task/:id/lora").handler(small).handler(this::downloadLora);
        router.route().last().handler(ctx -> error(ctx.response(), 404, "endpoint not supported"));
        server = GuardedHttpServer.listen(vertx, new HttpServerOptions(), limits, router, host, port, " (server.port)");
        return server.actualPort();
    }

    public void stop() {
        if (server != null) {
            server.close().await();
        }
    }

    // ---- routes ----

    /**
     * Before the upload's body is read: the path's user must have a funded fine-tuning sub-account with
     * this provider, and the quota must have room (the body limit is what is left, a declared larger body
     * is refused at once). A refusal closes the connection without reading the body.
     */
    private void admitUpload(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        req.pause();
        String user = ctx.pathParam("user");
        String length = req.getHeader("Content-Length");
        long declared = length != null && length.matches("\\d{1,18}") ? Long.parseLong(length) : -1;
        vertx.executeBlocking(() -> {
            String address = address(user).toLowerCase();
            FineTuningServing.AccountDetails account;
            try {
                account = chain.account(address).orElse(null);
            } catch (RuntimeException e) {
                throw new RequestRejected(503, "the provider cannot reach the blockchain RPC right now, please retry"
                        + " later");
            }
            // funded = a balance; refunds it has requested still count (settlement may cancel them), and Setup
            // checks the fee against balance − pendingRefund anyway
            if (account == null || account.balance.signum() <= 0) {
                throw new RequestRejected(403, "no funded fine-tuning sub-account of " + user + " with this provider:"
                        + " transfer funds to it first (transfer-fund --service fine-tuning)");
            }
            return quota.reserve(address, declared);
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                BrokerHttp.closeAfterAnswer(ctx);
                fail(ctx, ar.cause());
                return;
            }
            DatasetQuota.Lease lease = ar.result();
            ctx.addEndHandler(v -> quota.release(lease));
            BodyHandler.create(files.uploads().toString()).setBodyLimit(lease.bytes())
                    .setDeleteUploadedFilesOnEnd(true).handle(ctx);
        });
    }

    /**
     * The spooled upload: its signature must be the path user's, over either this project's content-bound
     * message ({@link FineTuningMessages#datasetUploadBound}: user + timestamp + the file's keccak256) or the
     * official SDK's (user + timestamp only, which the official wire cannot extend: it sends the file first
     * and the signature after it); either way a signature carries one file only.
     */
    private void uploadDataset(RoutingContext ctx) {
        String user = ctx.pathParam("user");
        List<FileUpload> uploads = ctx.fileUploads();
        String signature = ctx.request().getFormAttribute("signature");
        String timestamp = ctx.request().getFormAttribute("timestamp");
        reply(ctx, () -> {
            FileUpload file = uploads.stream().filter(u -> "file".equals(u.name())).findFirst()
                    .orElseThrow(() -> new RequestRejected(400, "multipart field 'file' is required"));
            String address = address(user);
            long ts = timestamp(timestamp);
            Path upload = Path.of(file.uploadedFileName());
            String hash = FileDigest.keccak256(upload);
            String checksummed = Keys.toChecksumAddress(address);
            if (!signedBy(FineTuningMessages.datasetUploadBound(checksummed, ts, hash), signature, address)) {
                checkTimed(ts, FineTuningMessages.datasetUpload(checksummed, ts), signature, address);
            } else {
                checkTimed(ts, FineTuningMessages.datasetUploadBound(checksummed, ts, hash), signature, address);
            }
            if (!uploadSignatures.carries(signature, hash)) {
                throw new RequestRejected(401, "this upload signature was used for another file: sign every upload"
                        + " anew");
            }
            files.storeDataset(upload, address, hash);
            return new JsonObject().put("datasetHash", hash).put("message",
                    "dataset " + file.fileName() + " (" + file.size() + " bytes) uploaded to the provider's TEE");
        }, (resp, j) -> json(resp, 200, j));
    }

    private void createTask(RoutingContext ctx) {
        String user = ctx.pathParam("user");
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            error(ctx.response(), 400, "request body must be a JSON object");
            return;
        }
        if (body == null) {
            error(ctx.response(), 400, "request body must be a JSON object");
            return;
        }
        reply(ctx, () -> new JsonObject().put("id", intake.create(user, body)), (resp, j) -> json(resp, 201, j));
    }

    private void listTasks(RoutingContext ctx) {
        String user = ctx.pathParam("user");
        boolean latest = "true".equalsIgnoreCase(ctx.request().getParam("latest"));
        String order = ctx.request().getParam("order", "desc");
        reply(ctx, () -> {
            if (!order.equals("asc") && !order.equals("desc")) {
                throw new RequestRejected(400, "order must be asc or desc, got '" + order + "'");
            }
            List<Task> tasks = store.byUser(address(user), order.equals("asc"));
            if (latest && !tasks.isEmpty()) {
                Task newest = order.equals("asc") ? tasks.get(tasks.size() - 1) : tasks.get(0);
                tasks = List.of(newest);
            }
            JsonArray out = new JsonArray();
            tasks.forEach(t -> out.add(TaskJson.of(t)));
            return out;
        }, (resp, a) -> resp.setStatusCode(200).putHeader("Content-Type", "application/json").end(a.encode()));
    }

    private void taskLog(RoutingContext ctx) {
        reply(ctx, () -> {
            Task t = task(ctx);
            Path logFile = files.log(t.id());
            if (!Files.isRegularFile(logFile)) {
                throw new RequestRejected(500, "Failed to read log file: " + logFile.getFileName()
                        + " does not exist, please ensure the task is running");
            }
            return Files.readString(logFile);
        }, (resp, text) -> resp.setStatusCode(200).putHeader("Content-Type", "text/plain; charset=utf-8").end(text));
    }

    private void cancel(RoutingContext ctx) {
        String signature = jsonField(ctx, "signature");
        reply(ctx, () -> {
            String user = address(ctx.pathParam("user"));
            String id = ctx.pathParam("id");
            check(FineTuningMessages.cancel(id), signature, user);
            if (!store.cancel(id, user, clock.millis())) {
                String state = store.find(id).filter(t -> t.userAddress().equalsIgnoreCase(user))
                        .map(t -> "it is " + t.progress() + "; only Init, SettingUp and SetUp tasks can be cancelled")
                        .orElse("no such task of " + user);
                throw new RequestRejected(400, "Failed to cancel task: " + state);
            }
            files.log(id, "cancelled by the user");
            return "task " + id + " cancelled";
        }, (resp, text) -> resp.setStatusCode(200).putHeader("Content-Type", "text/plain; charset=utf-8").end(text));
    }

    private void downloadLora(RoutingContext ctx) {
        String signature = jsonField(ctx, "signature");
        Object ts = ctx.body().asJsonObject() == null ? null : ctx.body().asJsonObject().getValue("timestamp");
        reply(ctx, () -> {
            Task t = task(ctx);
            long when = timestamp(ts == null ? null : ts.toString());
            checkTimed(when, FineTuningMessages.loraDownload(t.id(), when), signature, t.userAddress());
            Path model = files.encryptedModel(t.id());
            boolean delivered = switch (t.progress()) {
                case Delivered, UserAcknowledged, Finished -> true;
                default -> false;
            };
            if (!delivered || !Files.isRegularFile(model)) {
                throw new RequestRejected(400, "the model of task " + t.id() + " is not delivered (progress "
                        + t.progress() + ")");
            }
            return model;
        }, (resp, model) -> resp.putHeader("Content-Type", "application/octet-stream")
                .putHeader("Content-Disposition", "attachment; filename=\"" + model.getFileName() + "\"")
                .sendFile(model.toString()));
    }

    // ---- checks ----

    private Task task(RoutingContext ctx) throws RequestRejected {
        String id = ctx.pathParam("id");
        return store.find(id).orElseThrow(() -> new RequestRejected(404, "task " + id + " not found"));
    }

    private static String address(String user) throws RequestRejected {
        if (user == null || !user.startsWith("0x") || !WalletUtils.isValidAddress(user)) {
            throw new RequestRejected(400, "not a user address: " + user);
        }
        return user;
    }

    private long timestamp(String text) throws RequestRejected {
        if (text == null || !text.trim().matches("\\d{1,12}")) {
            throw new RequestRejected(400, "timestamp (unix seconds) is required");
        }
        return Long.parseLong(text.trim());
    }

    /** The signature must be the user's, over a message whose timestamp is within the window. */
    private void checkTimed(long timestamp, byte[] message, String signature, String user) throws RequestRejected {
        long now = clock.instant().getEpochSecond();
        if (Math.abs(now - timestamp) > signatureWindow.toSeconds()) {
            throw new RequestRejected(401, "signature expired: timestamp " + timestamp + " is more than "
                    + signatureWindow.toSeconds() + " s away from the provider's time " + now);
        }
        check(message, signature, user);
    }

    private static void check(byte[] message, String signature, String user) throws RequestRejected {
        if (signature == null || signature.isBlank()) {
            throw new RequestRejected(400, "signature is required");
        }
        String signer;
        try {
            signer = FineTuningSignatures.signer(message, signature);
        } catch (IllegalArgumentException e) {
            throw new RequestRejected(401, "invalid signature: " + e.getMessage());
        }
        // addresses compare case-insensitively (the official compares checksummed text byte for byte)
        if (!signer.equalsIgnoreCase(user)) {
            throw new RequestRejected(401, "invalid signature: signed by " + signer + ", not by " + user);
        }
    }

    private static boolean signedBy(byte[] message, String signature, String user) {
        try {
            return signature != null && FineTuningSignatures.signer(message, signature).equalsIgnoreCase(user);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String jsonField(RoutingContext ctx, String field) {
        try {
            JsonObject body = ctx.body().asJsonObject();
            return body == null || !(body.getValue(field) instanceof String s) ? null : s;
        } catch (RuntimeException e) {
            return null;
        }
    }

    // ---- replies ----

    @FunctionalInterface
    private interface Responder<T> {
        void send(HttpServerResponse resp, T value);
    }

    private <T> void reply(RoutingContext ctx, Callable<T> work, Responder<T> ok) {
        Future<T> f = vertx.executeBlocking(work, false);
        f.onComplete(ar -> {
            if (ar.succeeded()) {
                ok.send(ctx.response(), ar.result());
            } else {
                fail(ctx, ar.cause());
            }
        });
    }

    private static void fail(RoutingContext ctx, Throwable cause) {
        if (cause instanceof RequestRejected r) {
            error(ctx.response(), r.status(), r.getMessage());
        } else {
            log.error("fine-tuning request {} {} failed", ctx.request().method(), ctx.request().path(), cause);
            error(ctx.response(), 500, "Internal Server Error");
        }
    }

    private static void json(HttpServerResponse resp, int status, JsonObject body) {
        if (!resp.ended() && !resp.closed()) {
            resp.setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
        }
    }

    private static void error(HttpServerResponse resp, int status, String message) {
        json(resp, status, new JsonObject().put("error", message));
    }
}
