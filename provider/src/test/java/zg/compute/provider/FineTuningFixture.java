package zg.compute.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.finetuning.FineTuningSignatures;
import zg.compute.protocol.units.Units;
import zg.compute.provider.finetuning.DevTrainer;
import zg.compute.provider.finetuning.FineTuningConfig;
import zg.compute.provider.finetuning.FineTuningProviderBroker;
import zg.compute.provider.finetuning.Trainer;

/**
 * Test wiring for the fine-tuning task server: account 0 owns the contracts, account 1 is the provider,
 * the others are users who act through the contract binding, the protocol signatures and plain HTTP.
 */
final class FineTuningFixture {

    static final String MOCK_MODEL = ConfigLoader.MOCK_MODEL_HASH;
    static final String SERVICE = "fine-tuning-v1.0";
    static final BigInteger PRICE = BigInteger.valueOf(1_000_000_000L);
    private static final ObjectMapper JSON = new ObjectMapper();

    final Devnet devnet;
    final BrokerFixture base;
    final Path dir;

    FineTuningFixture(Devnet devnet, Path dir) {
        this.devnet = devnet;
        this.base = new BrokerFixture(devnet, dir);
        this.dir = dir;
    }

    String provider() {
        return base.provider.getAddress();
    }

    FineTuningConfig config(BigInteger price, int maxQueue, long ackTimeoutSeconds) {
        return new ConfigLoader(base.env()).parseFineTuning(configYaml(price, maxQueue, ackTimeoutSeconds), dir);
    }

    String configYaml(BigInteger price, int maxQueue, long ackTimeoutSeconds) {
        return """
                server: { host: 127.0.0.1, port: 0 }
                chain:
                  rpcUrl: %s
                  fineTuningContract: "%s"
                database: { url: "%s" }
                fineTuning:
                  url: http://127.0.0.1:3081
                  pricePerToken: %s
                  workDir: ft-work
                  maxTaskQueueSize: %d
                  ackTimeoutSeconds: %d
                """.formatted(devnet.rpcUrl(), devnet.contracts().fineTuning().proxy(), base.databaseUrl(), price,
                maxQueue, ackTimeoutSeconds);
    }

    FineTuningProviderBroker start(FineTuningConfig config) {
        return start(config, new DevTrainer());
    }

    FineTuningProviderBroker start(FineTuningConfig config, Trainer trainer) {
        return FineTuningProviderBroker.start(config,
                new FineTuningProviderBroker.Options(Clock.systemUTC(), false, trainer));
    }

    FineTuningProviderBroker startAcknowledged(FineTuningConfig config) throws Exception {
        return startAcknowledged(config, new DevTrainer());
    }

    /** Starts (registering the service) and lets the contract owner acknowledge the TEE signer. */
    FineTuningProviderBroker startAcknowledged(FineTuningConfig config, Trainer trainer) throws Exception {
        FineTuningProviderBroker b = start(config, trainer);
        devnet.fineTuning(devnet.account(0)).acknowledgeTEESignerByOwner(provider()).send();
        return b;
    }

    void fund(Credentials user, long ledgerOg, long subAccountOg) throws Exception {
        devnet.ledger(user).addLedger("", Units.og(ledgerOg)).send();
        devnet.ledger(user).transferFund(provider(), SERVICE, Units.og(subAccountOg)).send();
    }

    FineTuningServing.AccountDetails account(Credentials user) throws Exception {
        return devnet.fineTuning(user).getAccount(user.getAddress(), provider()).send();
    }

    FineTuningServing.Deliverable deliverable(Credentials user, String id) throws Exception {
        return devnet.fineTuning(user).getDeliverable(user.getAddress(), provider(), id).send();
    }

    static String checksum(Credentials c) {
        return Keys.toChecksumAddress(c.getAddress());
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** {@code POST /v1/user/{user}/dataset} as the SDK sends it, signed by {@code signer} at {@code timestamp}. */
    HttpResponse<byte[]> upload(FineTuningProviderBroker b, Credentials user, Credentials signer, long timestamp,
            byte[] data) {
        return upload(b.baseUrl(), user, signer, timestamp, data);
    }

    /** The same against a server at {@code baseUrl} (one in another process). */
    HttpResponse<byte[]> upload(String baseUrl, Credentials user, Credentials signer, long timestamp, byte[] data) {
        String boundary = "----zg" + UUID.randomUUID().toString().replace("-", "");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String sig = FineTuningSignatures.datasetUpload(signer, checksum(user), timestamp);
        field(body, boundary, "signature", sig);
        field(body, boundary, "timestamp", Long.toString(timestamp));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.jsonl\""
                + "\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(data);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return base.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/user/" + checksum(user) + "/dataset"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
    }

    private static void field(ByteArrayOutputStream body, String boundary, String name, String value) {
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The dataset's hash from a successful upload. */
    String uploadOk(FineTuningProviderBroker b, Credentials user, byte[] data) throws Exception {
        return uploadOk(b.baseUrl(), user, data);
    }

    String uploadOk(String baseUrl, Credentials user, byte[] data) throws Exception {
        HttpResponse<byte[]> r = upload(baseUrl, user, user, now(), data);
        if (r.statusCode() != 200) {
            throw new AssertionError("upload failed: " + r.statusCode() + " " + BrokerFixture.text(r));
        }
        return JSON.readTree(r.body()).get("datasetHash").asText();
    }

    /** The create-task body the SDK sends, signed by {@code signer}. */
    static String taskBody(Credentials user, Credentials signer, String model, String datasetHash, BigInteger nonce,
            String trainingParams, boolean wait) throws Exception {
        var body = JSON.createObjectNode()
                .put("userAddress", checksum(user))
                .put("datasetHash", datasetHash)
                .put("trainingParams", trainingParams)
                .put("preTrainedModelHash", model)
                .put("fee", "0")
                .put("nonce", nonce.toString())
                .put("signature", FineTuningSignatures.taskCreation(signer, checksum(user), nonce, datasetHash))
                .put("wait", wait);
        return JSON.writeValueAsString(body);
    }

    static BigInteger nonce() {
        return BigInteger.valueOf(FineTuningSignatures.taskNonce(System.currentTimeMillis()));
    }

    HttpResponse<byte[]> createTask(FineTuningProviderBroker b, Credentials user, String body) {
        return post(b.baseUrl(), "/v1/user/" + checksum(user) + "/task", body);
    }

    /** Creates a task with the mock model and 2 epochs; returns its id. */
    String createOk(FineTuningProviderBroker b, Credentials user, String datasetHash, boolean wait) throws Exception {
        return createOk(b.baseUrl(), user, datasetHash, wait);
    }

    String createOk(String baseUrl, Credentials user, String datasetHash, boolean wait) throws Exception {
        HttpResponse<byte[]> r = post(baseUrl, "/v1/user/" + checksum(user) + "/task", taskBody(user, user,
                MOCK_MODEL, datasetHash, nonce(), "{\"num_train_epochs\": 2}", wait));
        if (r.statusCode() != 201) {
            throw new AssertionError("create task failed: " + r.statusCode() + " " + BrokerFixture.text(r));
        }
        return JSON.readTree(r.body()).get("id").asText();
    }

    HttpResponse<byte[]> post(FineTuningProviderBroker b, String path, String json) {
        return post(b.baseUrl(), path, json);
    }

    HttpResponse<byte[]> post(String baseUrl, String path, String json) {
        return base.send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build());
    }

    HttpResponse<byte[]> get(FineTuningProviderBroker b, String path) {
        return get(b.baseUrl(), path);
    }

    HttpResponse<byte[]> get(String baseUrl, String path) {
        return base.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET().build());
    }

    JsonNode task(FineTuningProviderBroker b, Credentials user, String id) throws Exception {
        return task(b.baseUrl(), user, id);
    }

    JsonNode task(String baseUrl, Credentials user, String id) throws Exception {
        HttpResponse<byte[]> r = get(baseUrl, "/v1/user/" + checksum(user) + "/task/" + id);
        if (r.statusCode() != 200) {
            throw new AssertionError("get task failed: " + r.statusCode() + " " + BrokerFixture.text(r));
        }
        return JSON.readTree(r.body());
    }

    HttpResponse<byte[]> lora(FineTuningProviderBroker b, Credentials user, Credentials signer, String id,
            long timestamp) {
        String sig = FineTuningSignatures.loraDownload(signer, id, timestamp);
        return post(b, "/v1/user/" + checksum(user) + "/task/" + id + "/lora",
                "{\"signature\":\"" + sig + "\",\"timestamp\":" + timestamp + "}");
    }

    HttpResponse<byte[]> cancel(FineTuningProviderBroker b, Credentials user, Credentials signer, String id) {
        return post(b, "/v1/user/" + checksum(user) + "/task/" + id + "/cancel",
                "{\"signature\":\"" + FineTuningSignatures.cancel(signer, id) + "\"}");
    }

    static String error(HttpResponse<byte[]> r) throws Exception {
        return JSON.readTree(r.body()).get("error").asText();
    }
}
