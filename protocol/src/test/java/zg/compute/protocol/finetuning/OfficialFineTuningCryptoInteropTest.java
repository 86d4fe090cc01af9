package zg.compute.protocol.finetuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static zg.compute.protocol.finetuning.TestKeys.TEE;
import static zg.compute.protocol.finetuning.TestKeys.USER;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/**
 * Runs the OFFICIAL npm SDK's fine-tuning crypto ({@code interop/ft-crypto.mjs}) on inputs chosen
 * here and checks that ours matches it byte for byte, in both directions.
 */
class OfficialFineTuningCryptoInteropTest {

    private static final String TASK_ID = "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9";
    private static final long TIMESTAMP = 1_764_000_000L;
    private static final String DATASET_HASH = "0xAbCdEf0123456789 dataset ✓"; // case and UTF-8 must survive
    private static final long SCRIPT_TIMEOUT_SECONDS = 30;
    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    static Path dir;

    private static final String USER_ADDRESS = Keys.toChecksumAddress(USER.getAddress());
    private static final BigInteger NONCE = BigInteger.valueOf(FineTuningSignatures.taskNonce(1_764_000_000_123L));
    private static final byte[] OFFICIAL_SECRET = random(32);
    private static final byte[] OUR_SECRET = random(32);
    private static final byte[] MODEL_KEY = random(32);
    private static final byte[] MODEL = random(200_000);
    private static JsonNode official;

    @BeforeAll
    static void runOfficialSdk() throws Exception {
        Path model = Files.write(dir.resolve("model.zip"), MODEL);
        Path encrypted = dir.resolve("model.enc");
        new ModelCipher().encrypt(MODEL_KEY, model, encrypted, TEE);
        byte[] ourEcies = Ecies.encrypt(Numeric.toBytesPadded(USER.getEcKeyPair().getPublicKey(), 64), OUR_SECRET);

        Map<String, Object> input = new LinkedHashMap<>();
        input.put("userAddress", USER_ADDRESS);
        input.put("nonce", NONCE.toString());
        input.put("datasetHash", DATASET_HASH);
        input.put("taskId", TASK_ID);
        input.put("timestamp", TIMESTAMP);
        input.put("eciesSecret", HEX.formatHex(OFFICIAL_SECRET));
        input.put("javaEcies", HEX.formatHex(ourEcies));
        input.put("modelKey", HEX.formatHex(MODEL_KEY));
        input.put("modelFile", encrypted.toString());
        input.put("modelOut", dir.resolve("official-decrypted.zip").toString());
        input.put("teeSigner", TEE.getAddress());
        Path inputFile = dir.resolve("input.json");
        new ObjectMapper().writeValue(inputFile.toFile(), input);
        official = runScript(inputFile);
    }

    @Test
    void taskCreationSignatureMatchesSignRequest() {
        assertThat(FineTuningSignatures.taskCreation(USER, USER_ADDRESS, NONCE, DATASET_HASH))
                .isEqualTo(official.get("taskCreation").asText());
    }

    @Test
    void cancelSignatureMatchesSignTaskId() {
        assertThat(FineTuningSignatures.cancel(USER, TASK_ID)).isEqualTo(official.get("cancel").asText());
    }

    @Test
    void datasetUploadSignatureMatchesSignDatasetUpload() {
        assertThat(FineTuningSignatures.datasetUpload(USER, USER_ADDRESS, TIMESTAMP))
                .isEqualTo(official.get("datasetUpload").asText());
    }

    @Test
    void loraDownloadSignatureMatchesWhatDownloadLoraFromTeeSends() {
        assertThat(FineTuningSignatures.loraDownload(USER, TASK_ID, TIMESTAMP))
                .isEqualTo(official.get("loraDownload").asText());
    }

    @Test
    void weOpenWhatEciesjsSealed() {
        assertThat(Ecies.decryptHex(USER.getEcKeyPair().getPrivateKey(), official.get("eciesFromOfficial").asText()))
                .isEqualTo(OFFICIAL_SECRET);
    }

    @Test
    void theOfficialEciesDecryptOpensWhatWeSealed() {
        assertThat(official.get("officialEciesDecrypt").asText()).isEqualTo(HEX.formatHex(OUR_SECRET));
    }

    @Test
    void theOfficialAesGcmDecryptToFileOpensOurModelFile() {
        assertThat(official.get("modelSha256").asText()).isEqualTo(sha256(MODEL));
    }

    private static JsonNode runScript(Path inputFile) throws IOException, InterruptedException {
        Path interop = interopDir();
        Path stdout = dir.resolve("node-stdout.txt");
        Path stderr = dir.resolve("node-stderr.txt");
        ProcessBuilder pb = new ProcessBuilder("node", "ft-crypto.mjs", inputFile.toString())
                .directory(interop.toFile()).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().put("PRIVATE_KEY", TestKeys.USER_PRIVATE_KEY);
        Process node;
        try {
            node = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot run `node` (Node.js >= 20 is required for the interop test): "
                    + e.getMessage(), e);
        }
        boolean finished;
        try {
            finished = node.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } finally {
            node.destroyForcibly();
        }
        String errors = Files.readString(stderr, StandardCharsets.UTF_8);
        if (!finished) {
            fail("ft-crypto.mjs did not finish within " + SCRIPT_TIMEOUT_SECONDS + " s:\n" + errors);
        }
        if (node.exitValue() != 0) {
            fail("ft-crypto.mjs exited " + node.exitValue() + ":\n" + errors);
        }
        List<String> lines = Files.readAllLines(stdout, StandardCharsets.UTF_8);
        String json = lines.stream().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("ft-crypto.mjs printed no JSON line:\n" + lines + "\n" + errors));
        return new ObjectMapper().readTree(json);
    }

    /** The repository's interop/ directory with the pinned official SDK installed; fails (never skips) without it. */
    private static Path interopDir() {
        String repo = System.getProperty("zg.repo.dir");
        if (repo == null || repo.isBlank()) {
            fail("system property zg.repo.dir is not set (the Maven build sets it to the repository root)");
        }
        Path interop = Path.of(repo, "interop");
        if (!Files.isDirectory(interop.resolve("node_modules/@0gfoundation/0g-compute-ts-sdk"))) {
            fail("the official SDK is not installed in " + interop + "/node_modules; run "
                    + "`(cd interop && npm ci --ignore-scripts --no-audit --no-fund)` (./zg-test does it)");
        }
        return interop;
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] data) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
