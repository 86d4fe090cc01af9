package zg.compute.backends;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real all-MiniLM-L6-v2 over HTTP: vectors, meaning, encodings, token counts, refusals. */
class EmbeddingServerTest {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static Vertx vertx;
    private static EmbeddingServer server;
    /** The artifact's own tokenizer, loaded here independently of the server, truncation off. */
    private static HuggingFaceTokenizer tokenizer;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        server = EmbeddingServer.start(vertx, 0, EmbeddingServer.Options.defaults());
        System.out.printf("EmbeddingServer started in %d ms: %s%n", server.startMillis(), server.description());
        try (InputStream json = EmbeddingServerTest.class.getClassLoader()
                .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            tokenizer = HuggingFaceTokenizer.newInstance(json, Map.of("padding", "false", "truncation", "false"));
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
        if (vertx != null) {
            vertx.close().await();
        }
    }

    // ---------------------------------------------------------------- helpers

    record Reply(int status, String body, JsonNode json) {
    }

    private static Reply post(EmbeddingServer s, String body) throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/embeddings"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), parseOrNull(r.body()));
    }

    private static JsonNode parseOrNull(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            return null;
        }
    }

    private static ObjectNode request(Object input) {
        ObjectNode o = JSON.createObjectNode().put("model", EmbeddingServer.MODEL);
        o.set("input", JSON.valueToTree(input));
        return o;
    }

    private static Reply embed(Object input) throws Exception {
        return post(server, request(input).toString());
    }

    private static float[] floats(JsonNode embedding) {
        float[] v = new float[embedding.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = embedding.get(i).decimalValue().floatValue();
        }
        return v;
    }

    private static List<float[]> vectors(Reply r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<float[]> out = new ArrayList<>();
        for (JsonNode d : r.json().get("data")) {
            out.add(floats(d.get("embedding")));
        }
        return out;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static double cosine(float[] a, float[] b) {
        return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    }

    private static int tokens(String text) {
        return tokenizer.encode(text, false, false).getIds().length;
    }

    private static void assertError(Reply r, int status, String type, String... fragments) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).doesNotContain("\n").doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.json()).as(r.body()).isNotNull();
        assertThat(r.json().path("error").path("type").asText()).isEqualTo(type);
        assertThat(r.json().path("error").path("message").asText()).contains(fragments);
    }

    // ---------------------------------------------------------------- vectors and meaning

    @Test
    void oneStringGivesOne384DimensionalUnitVectorInOpenAiShape() throws Exception {
        String text = "The cat sits on the mat.";
        Reply r = embed(text);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("object").asText()).isEqualTo("list");
        assertThat(r.json().get("model").asText()).isEqualTo(EmbeddingServer.MODEL);
        assertThat(r.json().get("data")).hasSize(1);
        JsonNode d = r.json().get("data").get(0);
        assertThat(d.get("object").asText()).isEqualTo("embedding");
        assertThat(d.get("index").asInt()).isZero();
        float[] v = floats(d.get("embedding"));
        assertThat(v).hasSize(384);
        assertThat(Math.sqrt(dot(v, v))).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(r.json().get("usage").get("prompt_tokens").asInt()).isEqualTo(tokens(text));
        assertThat(r.json().get("usage").get("total_tokens").asInt()).isEqualTo(tokens(text));
    }

    @Test
    void paraphrasesAreCloserThanUnrelatedSentences() throws Exception {
        List<float[]> v = vectors(embed(List.of(
                "A man is playing a guitar.",
                "Someone is strumming an acoustic guitar.",
                "The central bank raised interest rates again.",
                "How do I reset my email password?",
                "I forgot my mail account password and need to change it.",
                "Penguins live in the southern hemisphere.")));
        double guitarParaphrase = cosine(v.get(0), v.get(1));
        double passwordParaphrase = cosine(v.get(3), v.get(4));
        System.out.printf("cosine: guitar paraphrase %.3f, password paraphrase %.3f, guitar/bank %.3f, "
                + "password/penguins %.3f%n", guitarParaphrase, passwordParaphrase, cosine(v.get(0), v.get(2)),
                cosine(v.get(3), v.get(5)));
        for (int unrelated : new int[] {2, 5}) {
            assertThat(guitarParaphrase).isGreaterThan(cosine(v.get(0), v.get(unrelated)) + 0.3);
            assertThat(passwordParaphrase).isGreaterThan(cosine(v.get(3), v.get(unrelated)) + 0.3);
        }
        assertThat(guitarParaphrase).isGreaterThan(cosine(v.get(1), v.get(2)) + 0.3);
        assertThat(passwordParaphrase).isGreaterThan(cosine(v.get(4), v.get(5)) + 0.3);
    }

    @Test
    void batchKeepsOrderAndEqualsSingleRequests() throws Exception {
        List<String> texts = List.of("Paris is the capital of France.", "Water boils at 100 degrees Celsius.",
                "She sells sea shells by the sea shore.");
        Reply batch = embed(texts);
        List<float[]> batched = vectors(batch);
        assertThat(batched).hasSize(3);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(batch.json().get("data").get(i).get("index").asInt()).isEqualTo(i);
            float[] single = vectors(embed(texts.get(i))).get(0);
            assertThat(cosine(batched.get(i), single)).isGreaterThan(0.99999);
            for (int j = 0; j < texts.size(); j++) {
                if (j != i) {
                    assertThat(cosine(batched.get(j), single)).isLessThan(0.9);
                }
            }
        }
        assertThat(batch.json().get("usage").get("prompt_tokens").asInt())
                .isEqualTo(texts.stream().mapToInt(EmbeddingServerTest::tokens).sum());
    }

    @Test
    void base64IsTheLittleEndianFloat32BytesOfTheFloatVector() throws Exception {
        String text = "Embeddings in base64 save bandwidth.";
        float[] asFloats = vectors(embed(text)).get(0);
        ObjectNode req = request(text).put("encoding_format", "base64");
        Reply r = post(server, req.toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode embedding = r.json().get("data").get(0).get("embedding");
        assertThat(embedding.isTextual()).isTrue();
        byte[] bytes = Base64.getDecoder().decode(embedding.asText());
        assertThat(bytes).hasSize(384 * 4);
        ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[384];
        for (int i = 0; i < decoded.length; i++) {
            decoded[i] = le.getFloat();
        }
        assertThat(decoded).containsExactly(asFloats);
        assertThat(r.json().get("usage").get("prompt_tokens").asInt()).isEqualTo(tokens(text));
    }

    @Test
    void floatFormatAndDimensions384AreAccepted() throws Exception {
        ObjectNode req = request(List.of("explicit float format")).put("encoding_format", "float")
                .put("dimensions", 384).put("user", "user-42");
        List<float[]> v = vectors(post(server, req.toString()));
        assertThat(v).hasSize(1);
        assertThat(v.get(0)).hasSize(384);
    }

    // ---------------------------------------------------------------- token counts

    @Test
    void promptTokensAreWordPieceTokensWithoutClsAndSep() throws Exception {
        // "hello" and "world" are whole words of the uncased BERT vocabulary: 2 tokens, [CLS]/[SEP] not counted
        assertThat(tokens("Hello world")).isEqualTo(2);
        assertThat(embed("Hello world").json().get("usage").get("prompt_tokens").asInt()).isEqualTo(2);
        assertThat(embed(List.of("Hello world", "Hello world")).json().get("usage").get("prompt_tokens").asInt())
                .isEqualTo(4);
        // words split into several pieces, accents, CJK, an emoji (→ [UNK]), a literal special-token string
        List<String> texts = List.of("Unaffable naïve café", "東京タワー", "thumbs up 🙂", "[SEP] is a token",
                "antidisestablishmentarianism, supercalifragilisticexpialidocious!");
        int expected = texts.stream().mapToInt(EmbeddingServerTest::tokens).sum();
        assertThat(expected).isGreaterThan(texts.size() * 3);
        Reply r = embed(texts);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("usage").get("prompt_tokens").asInt()).isEqualTo(expected);
        assertThat(r.json().get("usage").get("total_tokens").asInt()).isEqualTo(expected);
    }

    @Test
    void inputLongerThanTheModelWindowIsRefusedOrTruncatedWhenConfigured() throws Exception {
        String longText = "The quick brown fox jumps over the lazy dog. ".repeat(20); // 10 tokens × 20
        int n = tokens(longText);
        assertThat(n).isGreaterThan(EmbeddingServer.MAX_TOKENS_PER_INPUT);
        assertError(embed(longText), 400, "invalid_request_error", n + " tokens", "at most 126");

        try (EmbeddingServer truncating = EmbeddingServer.start(vertx, 0,
                EmbeddingServer.Options.defaults().withTruncate(true))) {
            assertThat(truncating.description()).contains("truncated");
            Reply r = post(truncating, request(List.of(longText, "short one")).toString());
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.json().get("usage").get("prompt_tokens").asInt())
                    .isEqualTo(EmbeddingServer.MAX_TOKENS_PER_INPUT + tokens("short one"));
            // the model saw only the first 126 tokens: same vector as that prefix alone
            StringBuilder prefix = new StringBuilder();
            for (String word : longText.trim().split(" ")) {
                String longer = prefix.length() == 0 ? word : prefix + " " + word;
                if (tokens(longer) > EmbeddingServer.MAX_TOKENS_PER_INPUT) {
                    break;
                }
                prefix.setLength(0);
                prefix.append(longer);
            }
            assertThat(tokens(prefix.toString())).isEqualTo(EmbeddingServer.MAX_TOKENS_PER_INPUT);
            float[] ofPrefix = vectors(post(truncating, request(prefix.toString()).toString())).get(0);
            assertThat(cosine(vectors(r).get(0), ofPrefix)).isGreaterThan(0.99999);
        }
    }

    // ---------------------------------------------------------------- refusals

    @Test
    void malformedBodiesAreRefusedWithOneLineErrors() throws Exception {
        assertError(post(server, "this is not json"), 400, "invalid_request_error", "not valid JSON");
        assertError(post(server, ""), 400, "invalid_request_error", "empty");
        assertError(post(server, "{\"model\":\"all-MiniLM-L6-v2\",\"input\":\"hi\"} {\"x\":1}"), 400,
                "invalid_request_error", "not valid JSON", "Trailing token");
        assertError(post(server, "{\"model\":\"all-MiniLM-L6-v2\",\"input\":\"hi\",\"input\":\"ho\"}"), 400,
                "invalid_request_error", "Duplicate field 'input'");
        assertError(post(server, "{\"model\":\"all-MiniLM-L6-v2\",\"input\":\"hi\""), 400, "invalid_request_error",
                "not valid JSON");
        assertError(post(server, "[\"hi\"]"), 400, "invalid_request_error", "must be a JSON object");
        assertError(post(server, "{\"model\":\"all-MiniLM-L6-v2\",\"input\":\"hi\",\"temperature\":1}"), 400,
                "invalid_request_error", "unrecognized request argument", "temperature");
    }

    @Test
    void badInputsAreRefused() throws Exception {
        assertError(embed(""), 400, "invalid_request_error", "empty");
        assertError(embed(List.of()), 400, "invalid_request_error", "empty array");
        assertError(embed(List.of("fine", "")), 400, "invalid_request_error", "input[1]", "empty");
        assertError(embed("   \t\n "), 400, "invalid_request_error", "no tokens");
        assertError(embed(List.of("ok", 7)), 400, "invalid_request_error", "token-id input");
        assertError(embed(List.of(101, 7592, 102)), 400, "invalid_request_error", "token-id input", "not supported");
        assertError(embed(List.of(List.of(7592, 2088), List.of(2088))), 400, "invalid_request_error",
                "token-id input", "not supported");
        assertError(embed(List.of("ok", Map.of("text", "x"))), 400, "invalid_request_error", "input[1]",
                "must be a string");
        assertError(embed(42), 400, "invalid_request_error", "string or an array of strings");
        assertError(post(server, "{\"model\":\"all-MiniLM-L6-v2\"}"), 400, "invalid_request_error",
                "missing required parameter: input");
        assertError(post(server, "{\"input\":\"hi\"}"), 400, "invalid_request_error",
                "missing required parameter: model");
        assertError(post(server, "{\"model\":\"all-MiniLM-L6-v2\",\"input\":\"a\\ud800b\"}"), 400,
                "invalid_request_error", "unpaired surrogate");
        assertError(embed("x".repeat(20_001)), 400, "invalid_request_error", "20001 characters", "at most 20000");
    }

    @Test
    void unsupportedOptionsAreRefused() throws Exception {
        assertError(post(server, request("hi").put("dimensions", 1024).toString()), 400, "invalid_request_error",
                "dimensions 1024", "384");
        assertError(post(server, request("hi").put("dimensions", 256).toString()), 400, "invalid_request_error",
                "dimensions 256");
        assertError(post(server, request("hi").put("dimensions", "384").toString()), 400, "invalid_request_error",
                "dimensions must be an integer");
        assertError(post(server, request("hi").put("encoding_format", "int8").toString()), 400,
                "invalid_request_error", "encoding_format", "\"int8\"");
        assertError(post(server, request("hi").put("model", "text-embedding-3-small").toString()), 404,
                "invalid_request_error", "text-embedding-3-small", "does not exist");
    }

    @Test
    void tooManyInputsAndTooLargeBodiesAreRefused() throws Exception {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 2049; i++) {
            many.add("item " + i);
        }
        assertError(embed(many), 400, "invalid_request_error", "too many inputs: 2049", "at most 2048");

        ArrayNode big = JSON.createArrayNode();
        String chunk = "word ".repeat(2_000);
        for (int i = 0; i < 300; i++) {
            big.add(chunk);
        }
        ObjectNode req = JSON.createObjectNode().put("model", EmbeddingServer.MODEL);
        req.set("input", big); // 3 MB > the 2 MiB body limit
        assertError(post(server, req.toString()), 413, "invalid_request_error", "too large");
    }

    @Test
    void otherRoutesAnswer404AndModelsListsTheModel() throws Exception {
        HttpResponse<String> get = CLIENT.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/embeddings"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(404);
        HttpResponse<String> models = CLIENT.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/models"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(models.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(models.body()).get("data").get(0).get("id").asText())
                .isEqualTo(EmbeddingServer.MODEL);
    }

    @Test
    void requestsBeyondConcurrencyAndQueueGet503() throws Exception {
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < 96; i++) {
            batch.add("Sentence " + i + " about a slow afternoon by the river, with boats and birds and wind.");
        }
        String body = request(batch).toString();
        try (EmbeddingServer one = EmbeddingServer.start(vertx, 0, EmbeddingServer.Options.defaults()
                .withMaxConcurrentRequests(1).withMaxQueuedRequests(0))) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(one.baseUrl() + "/embeddings"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            List<Integer> statuses = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                HttpResponse<String> r = c.get();
                statuses.add(r.statusCode());
                if (r.statusCode() == 503) {
                    assertThat(r.body()).contains("server busy").doesNotContain("\n");
                } else {
                    assertThat(JSON.readTree(r.body()).get("data")).hasSize(96);
                }
            }
            assertThat(statuses).containsOnly(200, 503).contains(200, 503);
            // once idle it serves again
            assertThat(vectors(post(one, request("after the burst").toString()))).hasSize(1);
        }
    }

    // ---------------------------------------------------------------- latency (printed for the README)

    @Test
    void measuresLatencyOfOneSentenceAndABatchOf32() throws Exception {
        String one = request("A short sentence about the weather.").toString();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            texts.add("Sentence number " + i + " talks about the weather in a small town today.");
        }
        String batch = request(texts).toString();
        for (int i = 0; i < 3; i++) { // warm the JIT and the HTTP path
            assertThat(post(server, one).status()).isEqualTo(200);
            assertThat(post(server, batch).status()).isEqualTo(200);
        }
        int rounds = 10;
        long[] oneMs = new long[rounds];
        long[] batchMs = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            assertThat(vectors(post(server, one))).hasSize(1);
            oneMs[i] = (System.nanoTime() - t0) / 1_000;
            t0 = System.nanoTime();
            assertThat(vectors(post(server, batch))).hasSize(32);
            batchMs[i] = (System.nanoTime() - t0) / 1_000;
        }
        java.util.Arrays.sort(oneMs);
        java.util.Arrays.sort(batchMs);
        System.out.printf("latency over HTTP (median of %d, min..max): one sentence %.1f ms (%.1f..%.1f), "
                + "batch of 32 %.1f ms (%.1f..%.1f)%n", rounds, oneMs[rounds / 2] / 1e3, oneMs[0] / 1e3,
                oneMs[rounds - 1] / 1e3, batchMs[rounds / 2] / 1e3, batchMs[0] / 1e3, batchMs[rounds - 1] / 1e3);
        assertThat(server.startMillis()).isPositive();
    }
}
