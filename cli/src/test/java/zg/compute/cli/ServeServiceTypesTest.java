package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.cli.InferenceServeTest.awaitLine;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.backends.EmbeddingServer;
import zg.compute.backends.SpeechToTextServer;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.cli.internal.serve.PriorityRouter;
import zg.compute.cli.internal.serve.ProviderTarget;
import zg.compute.cli.internal.serve.ProxyServer;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * {@code inference serve} / {@code router-serve} for every service type against the devnet's real provider brokers
 * (the development image renderer, the real MiniLM embeddings model, the real pocketsphinx recogniser): each route
 * answers with the provider's result, signed over exactly the bytes that passed, and the fee the proxy counts is
 * the one the provider billed; an upstream error is relayed and not billed. Also {@code get-secret}'s curl per type
 * (run with the real curl) and {@code list-providers}' price units.
 */
class ServeServiceTypesTest {

    private static DevnetStack stack;
    private static ZGComputeNetworkBroker broker;
    private static final Map<String, ProxyServer> SERVERS = new LinkedHashMap<>();
    private static final List<String> LOG = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        // settlement only when a test asks for it, so unsettled fees are exact
        stack = DevnetStack.start(new StackConfig(0, 3600, Duration.ofHours(1), null, null, null, null, true, false),
                line -> { });
        broker = InferenceServeTest.userBroker(stack);
        for (DevnetStack.ProviderEntry p : stack.providers()) {
            if (!p.type().equals("chatbot")) {
                SERVERS.put(p.type(), ProxyServer.serve(broker, p.address(), "127.0.0.1", 0, LOG::add));
            }
        }
    }

    @AfterAll
    static void stop() {
        SERVERS.values().forEach(ProxyServer::close);
        if (broker != null) {
            broker.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    private static int index(String type) {
        for (int i = 0; i < stack.providers().size(); i++) {
            if (stack.providers().get(i).type().equals(type)) {
                return i;
            }
        }
        Assumptions.assumeTrue(!type.equals("speech-to-text") || "true".equals(System.getenv("CI")),
                "no speech-to-text provider: " + SpeechToTextServer.missingTools());
        Assumptions.assumeTrue(!type.equals("audio-generation") || "true".equals(System.getenv("CI")),
                "no audio-generation provider: " + zg.compute.backends.TextToSpeechServer.missingTools());
        throw new AssertionError("no " + type + " provider in the devnet");
    }

    private static DevnetStack.ProviderEntry provider(String type) {
        return stack.providers().get(index(type));
    }

    private static ProxyClient client(String type) {
        index(type);
        return new ProxyClient(SERVERS.get(type).baseUrl());
    }

    /** What the provider broker has billed the user and not settled yet. */
    private static BigInteger unsettled(String type) {
        return stack.brokers().get(index(type)).store().unsettledFee(stack.user().address());
    }

    private static BigInteger localFee(String type) {
        return broker.inference().cachedFee(provider(type).address());
    }

    /**
     * Waits for the proxy's billing line of {@code r}, then checks that the provider billed {@code expected} and
     * that the proxy's processResponse counted exactly that, too.
     */
    private static String assertBilled(String type, HttpResponse<?> r, BigInteger unsettledBefore,
            BigInteger localBefore, BigInteger expected) throws Exception {
        assertThat(expected.signum()).isPositive();
        String key = r.headers().firstValue("ZG-Res-Key").orElseThrow();
        String line = awaitLine(LOG, key, "signature");
        assertThat(line).contains("VERIFIED");
        assertThat(unsettled(type).subtract(unsettledBefore)).as("billed by the provider").isEqualTo(expected);
        assertThat(localFee(type).subtract(localBefore)).as("counted by processResponse").isEqualTo(expected);
        return key;
    }

    /** /v1/verify checks the exchange again, without counting its fee a second time. */
    private static void assertVerifiable(String type, String key) throws Exception {
        BigInteger local = localFee(type);
        assertThat(client(type).verify(key).path("isValid").asBoolean()).isTrue();
        assertThat(localFee(type)).isEqualTo(local);
    }

    @Test
    void imagesAreGeneratedThroughTheProxyBilledPerImageAndVerifiable() throws Exception {
        String type = "text-to-image";
        BigInteger before = unsettled(type);
        BigInteger localBefore = localFee(type);
        HttpResponse<String> r = client(type).post("/v1/images/generations",
                ProxyClient.JSON.writeValueAsBytes(Map.of("model", "whatever", "prompt", "a lighthouse at dusk",
                        "n", 2, "size", "256x256")));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode data = ProxyClient.json(r).path("data");
        assertThat(data).hasSize(2);
        for (JsonNode item : data) {
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(
                    Base64.getDecoder().decode(item.path("b64_json").asText())));
            assertThat(png.getWidth()).isEqualTo(256);
            assertThat(item.path("revised_prompt").asText()).isEqualTo("a lighthouse at dusk");
        }
        String key = assertBilled(type, r, before, localBefore,
                provider(type).outputPrice().multiply(BigInteger.TWO));
        assertVerifiable(type, key);
    }

    @Test
    void anAsyncImageJobIsSubmittedPolledAsRetryAfterSaysAndBilledOnceWhenCompleted() throws Exception {
        String type = "text-to-image";
        BigInteger before = unsettled(type);
        BigInteger localBefore = localFee(type);
        HttpResponse<String> submitted = client(type).post("/v1/async/images/generations",
                ProxyClient.JSON.writeValueAsBytes(Map.of("model", "whatever", "prompt", "a harbour at night",
                        "size", "256x256")));
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String jobId = ProxyClient.json(submitted).path("jobId").asText();
        assertThat(jobId).isNotBlank();

        HttpResponse<String> poll;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            poll = client(type).get("/v1/async/jobs/" + jobId);
            assertThat(poll.statusCode()).as(poll.body()).isEqualTo(200);
            String status = ProxyClient.json(poll).path("status").asText();
            if (!status.equals("pending") && !status.equals("processing")) {
                break;
            }
            String retryAfter = poll.headers().firstValue("Retry-After").orElseThrow();
            assertThat(System.nanoTime()).as("job still " + status).isLessThan(deadline);
            Thread.sleep(Long.parseLong(retryAfter) * 1000);
        }
        JsonNode job = ProxyClient.json(poll);
        assertThat(job.path("status").asText()).as(poll.body()).isEqualTo("completed");
        assertThat(job.at("/data/data")).hasSize(1);
        String key = assertBilled(type, poll, before, localBefore, provider(type).outputPrice());
        assertVerifiable(type, key);

        // polled again: relayed, but neither billed nor counted a second time
        BigInteger local = localFee(type);
        HttpResponse<String> again = client(type).get("/v1/async/jobs/" + jobId);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(ProxyClient.json(again).path("status").asText()).isEqualTo("completed");
        assertThat(localFee(type)).isEqualTo(local);
        assertThat(unsettled(type).subtract(before)).isEqualTo(provider(type).outputPrice());

        HttpResponse<String> unknown = client(type).get("/v1/async/jobs/00000000-0000-4000-8000-000000000000");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(ProxyClient.json(unknown).path("error").asText()).startsWith("job not found");
    }

    @Test
    void anImageIsEditedFromAMultipartFormPassedThroughByteForByte() throws Exception {
        String type = "image-editing";
        BigInteger before = unsettled(type);
        BigInteger localBefore = localFee(type);
        byte[] form = new Form().field("prompt", "add a hat").field("size", "256x256")
                .file("image", "input.png", "image/png", png(64, 48)).bytes();
        HttpResponse<String> r = client(type).send(client(type).request("/v1/images/edits", form)
                .setHeader("Content-Type", Form.CONTENT_TYPE).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode data = ProxyClient.json(r).path("data");
        assertThat(data).hasSize(1);
        BufferedImage edited = ImageIO.read(new ByteArrayInputStream(
                Base64.getDecoder().decode(data.get(0).path("b64_json").asText())));
        assertThat(edited.getWidth()).isEqualTo(256);
        String key = assertBilled(type, r, before, localBefore, provider(type).outputPrice());
        assertVerifiable(type, key);

        // the JSON form of an edit (base64 image), billed the same
        before = unsettled(type);
        localBefore = localFee(type);
        HttpResponse<String> j = client(type).post("/v1/images/edits", ProxyClient.JSON.writeValueAsBytes(Map.of(
                "prompt", "add a scarf", "image", Base64.getEncoder().encodeToString(png(40, 40)), "size", "256x256")));
        assertThat(j.statusCode()).as(j.body()).isEqualTo(200);
        assertThat(ProxyClient.json(j).path("data")).hasSize(1);
        assertVerifiable(type, assertBilled(type, j, before, localBefore, provider(type).outputPrice()));
        before = unsettled(type);

        // a web page's form is refused before anything is spent
        HttpResponse<String> page = client(type).send(client(type).request("/v1/images/edits", form)
                .setHeader("Content-Type", Form.CONTENT_TYPE).setHeader("Origin", "https://example.com").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(403);
        assertThat(unsettled(type)).as("the refused form is not billed").isEqualTo(before);
    }

    @Test
    void speechIsTranscribedWithAndWithoutStreamingAndBilledPerSecond() throws Exception {
        String type = "speech-to-text";
        DevnetStack.ProviderEntry p = provider(type);
        BigInteger twoSeconds = p.inputPrice().multiply(BigInteger.TWO);

        BigInteger before = unsettled(type);
        BigInteger localBefore = localFee(type);
        byte[] form = new Form().file("file", "silence.wav", "audio/wav", silentWav(2)).bytes();
        HttpResponse<String> r = client(type).send(client(type).request("/v1/audio/transcriptions", form)
                .setHeader("Content-Type", Form.CONTENT_TYPE).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = ProxyClient.json(r);
        assertThat(answer.has("text")).isTrue();
        assertThat(answer.at("/usage/type").asText()).isEqualTo("duration");
        assertThat(answer.at("/usage/seconds").asDouble()).isBetween(1.9, 2.1);
        String key = assertBilled(type, r, before, localBefore, twoSeconds);
        assertVerifiable(type, key);

        before = unsettled(type);
        localBefore = localFee(type);
        byte[] streamForm = new Form().field("stream", "true").field("model", "ignored")
                .file("file", "silence.wav", "audio/wav", silentWav(2)).bytes();
        HttpResponse<String> s = client(type).send(client(type).request("/v1/audio/transcriptions", streamForm)
                .setHeader("Content-Type", Form.CONTENT_TYPE).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(s.statusCode()).as(s.body()).isEqualTo(200);
        assertThat(s.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        List<String> events = s.body().lines().filter(l -> l.startsWith("data:")).map(l -> l.substring(5).strip())
                .toList();
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        JsonNode done = ProxyClient.JSON.readTree(events.get(events.size() - 2));
        assertThat(done.path("type").asText()).isEqualTo("transcript.text.done");
        assertThat(done.at("/usage/seconds").asDouble()).isBetween(1.9, 2.1);
        key = assertBilled(type, s, before, localBefore, twoSeconds);
        assertVerifiable(type, key);
    }

    @Test
    void embeddingsComeFromTheRealModelBilledPerInputToken() throws Exception {
        String type = "embedding";
        BigInteger before = unsettled(type);
        BigInteger localBefore = localFee(type);
        HttpResponse<String> r = client(type).post("/v1/embeddings", ProxyClient.JSON.writeValueAsBytes(
                Map.of("model", "text-embedding-3-small", "input", List.of("The cat sits on the mat.", "Stocks fell."))));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = ProxyClient.json(r);
        assertThat(answer.path("model").asText()).as("model replaced by the provider's").isEqualTo(EmbeddingServer.MODEL);
        assertThat(answer.path("data")).hasSize(2);
        assertThat(answer.at("/data/1/embedding").size()).isEqualTo(EmbeddingServer.DIMENSIONS);
        long tokens = answer.at("/usage/prompt_tokens").asLong();
        assertThat(tokens).isPositive();
        String key = assertBilled(type, r, before, localBefore,
                provider(type).inputPrice().multiply(BigInteger.valueOf(tokens)));
        assertVerifiable(type, key);
    }

    @Test
    void speechIsGeneratedByTheRealSynthesiserBilledPerSecondOfAudio() throws Exception {
        String type = "audio-generation";
        BigInteger before = unsettled(type);
        BigInteger localBefore = localFee(type);
        HttpResponse<byte[]> r = client(type).postForBytes("/v1/audio/speech", ProxyClient.JSON.writeValueAsBytes(
                Map.of("model", "tts-1", "input", "The weather is nice today.", "voice", "alloy")));

        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("audio/wav");
        double seconds = zg.compute.protocol.audio.Wav.read(r.body()).seconds();
        assertThat(seconds).isBetween(1.0, 5.0);
        String key = assertBilled(type, r, before, localBefore,
                provider(type).outputPrice().multiply(BigInteger.valueOf((long) Math.ceil(seconds))));
        assertVerifiable(type, key);
    }

    @Test
    void upstreamErrorsAreRelayedWithTheirStatusAndNotBilled() throws Exception {
        BigInteger embBefore = unsettled("embedding");
        HttpResponse<String> r = client("embedding").post("/v1/embeddings",
                "{\"input\":\"hi\",\"dimensions\":3}".getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(ProxyClient.json(r).at("/error/message").asText()).contains("dimensions");
        assertThat(r.headers().firstValue("ZG-Res-Key")).isEmpty();
        awaitLine(LOG, "embeddings", "answered HTTP 400 (not billed)");
        assertThat(unsettled("embedding")).isEqualTo(embBefore);

        BigInteger imgBefore = unsettled("text-to-image");
        HttpResponse<String> bad = client("text-to-image").post("/v1/images/generations",
                "{\"prompt\":\"x\",\"size\":\"7x7\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
        assertThat(ProxyClient.json(bad).at("/error/message").asText()).contains("size");
        assertThat(unsettled("text-to-image")).isEqualTo(imgBefore);

        // refused by the proxy itself, before anything is signed or sent
        HttpResponse<String> noPrompt = client("text-to-image").post("/v1/images/generations", "{\"n\":1}".getBytes());
        assertThat(noPrompt.statusCode()).isEqualTo(400);
        assertThat(ProxyClient.json(noPrompt).path("error").asText()).isEqualTo("Missing prompt in request body");
        BigInteger editBefore = unsettled("image-editing");
        HttpResponse<String> huge = client("image-editing").send(client("image-editing")
                .request("/v1/images/edits", new byte[32 * 1024 * 1024 + 1])
                .setHeader("Content-Type", Form.CONTENT_TYPE).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(ProxyClient.json(huge).path("error").asText())
                .isEqualTo("Request body size exceeds the maximum allowed size of 32MB");
        assertThat(unsettled("image-editing")).isEqualTo(editBefore);
    }

    @Test
    void aRouteOfAnotherTypeSaysWhichTypeThisProxyServes() throws Exception {
        HttpResponse<String> r = client("embedding").chat("hello?");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(ProxyClient.json(r).path("error").asText()).isEqualTo("no chatbot provider behind this proxy for "
                + "POST /v1/chat/completions; it serves embedding (" + provider("embedding").address() + ")");
    }

    @Test
    void theRouterSendsEachRouteToAProviderOfItsType() throws Exception {
        var chat = stack.providers().get(0);
        PriorityRouter router = new PriorityRouter(List.of(
                new PriorityRouter.Prioritised(ProviderTarget.connect(broker.inference(), chat.address()), 1),
                new PriorityRouter.Prioritised(ProviderTarget.connect(broker.inference(),
                        provider("embedding").address()), 2),
                new PriorityRouter.Prioritised(ProviderTarget.connect(broker.inference(),
                        provider("text-to-image").address()), 3)), Duration.ofSeconds(60), Clock.systemUTC());
        try (ProxyServer server = ProxyServer.start(router, new ProxyServer.Settings("127.0.0.1", 0,
                Duration.ofSeconds(60), Duration.ofSeconds(60)), LOG::add)) {
            ProxyClient c = new ProxyClient(server.baseUrl());
            BigInteger before = unsettled("embedding");
            BigInteger localBefore = localFee("embedding");
            HttpResponse<String> emb = c.post("/v1/embeddings", "{\"input\":\"Hello world\"}".getBytes());
            assertThat(emb.statusCode()).as(emb.body()).isEqualTo(200);
            assertThat(emb.headers().firstValue("X-Provider-Address").orElseThrow())
                    .isEqualTo(provider("embedding").address());
            assertBilled("embedding", emb, before, localBefore, provider("embedding").inputPrice()
                    .multiply(BigInteger.valueOf(ProxyClient.json(emb).at("/usage/prompt_tokens").asLong())));

            HttpResponse<String> ch = c.chat("who answers?");
            assertThat(ch.statusCode()).as(ch.body()).isEqualTo(200);
            assertThat(ch.headers().firstValue("X-Provider-Address").orElseThrow()).isEqualTo(chat.address());

            HttpResponse<String> stt = c.send(c.request("/v1/audio/transcriptions",
                    new Form().file("file", "a.wav", "audio/wav", silentWav(1)).bytes())
                    .setHeader("Content-Type", Form.CONTENT_TYPE).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(stt.statusCode()).isEqualTo(404);
            assertThat(ProxyClient.json(stt).path("error").asText())
                    .startsWith("no speech-to-text provider behind this proxy for POST /v1/audio/transcriptions;");

            JsonNode status = ProxyClient.json(c.get("/v1/providers/status"));
            assertThat(status.findValuesAsText("serviceType")).containsExactly("chatbot", "embedding", "text-to-image");
        }
    }

    @Test
    void aDirectEndpointDeclaredAsEmbeddingAnswersTheEmbeddingsRoute(@TempDir Path home) throws Exception {
        Matcher url = Pattern.compile("EmbeddingServer at (http://\\S+)").matcher(provider("embedding").backend());
        assertThat(url.find()).as(provider("embedding").backend()).isTrue();
        CliRunner cli = new CliRunner(home); // endpoints only: no key, no chain
        try (BackgroundCli router = BackgroundCli.start(cli, "inference", "router-serve", "--port", "0",
                "--add-endpoint", "minilm," + url.group(1) + ",unused-key," + EmbeddingServer.MODEL + ",1,embedding")) {
            String out = router.awaitOutput("ready", Duration.ofSeconds(60));
            Matcher m = Pattern.compile("\\(embedding: POST (http://\\S+)/v1/embeddings\\)").matcher(out);
            assertThat(m.find()).as(out).isTrue();
            ProxyClient c = new ProxyClient(m.group(1));
            HttpResponse<String> r = c.post("/v1/embeddings", "{\"input\":\"direct\"}".getBytes());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Provider-Address")).contains("minilm");
            assertThat(ProxyClient.json(r).at("/data/0/embedding").size()).isEqualTo(EmbeddingServer.DIMENSIONS);
            assertThat(router.awaitOutput("from endpoint minilm", Duration.ofSeconds(30)))
                    .contains("embeddings (no id) from endpoint minilm (direct endpoint: not billed on chain)");
            assertThat(c.chat("no chat target").statusCode()).isEqualTo(404);
            assertThat(router.stop()).isZero();
        }
    }

    @Test
    void getSecretPrintsACurlForTheProvidersTypeThatWorksAsPrinted(@TempDir Path home) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        CliRunner cli = CliFixtures.runnerFor(stack.devnet(), home, stack.devnet().account(DevnetStack.USER));
        Files.write(home.resolve("input.png"), png(32, 32));
        Files.write(home.resolve("audio.wav"), silentWav(1));
        Map<String, String> routes = Map.of("text-to-image", "/images/generations", "image-editing", "/images/edits",
                "embedding", "/embeddings", "speech-to-text", "/audio/transcriptions", "audio-generation", "/audio/speech");
        for (DevnetStack.ProviderEntry p : stack.providers().subList(2, stack.providers().size())) {
            CliRunner.Result r = cli.run("inference", "get-secret", "--provider", p.address(), "--duration", "1h");
            assertThat(r.exit()).as(r.toString()).isZero();
            Matcher m = Pattern.compile("(?m)^curl .*$").matcher(r.out());
            assertThat(m.find()).as(r.out()).isTrue();
            String curl = m.group();
            assertThat(curl).startsWith("curl " + p.url() + "/v1/proxy" + routes.get(p.type()) + " ");
            BigInteger before = unsettled(p.type());
            Process run = new ProcessBuilder("bash", "-c", curl + " -s -o answer.json -w '%{http_code}'")
                    .directory(home.toFile()).redirectErrorStream(true).start();
            assertThat(run.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String status = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(status).as(p.type() + ": " + curl + " → " + Files.readString(home.resolve("answer.json")))
                    .isEqualTo("200");
            assertThat(unsettled(p.type())).as("the example is a paid request").isGreaterThan(before);
        }
    }

    @Test
    void listProvidersShowsEachPriceWithItsUnit(@TempDir Path home) throws Exception {
        CliRunner cli = CliFixtures.runnerFor(stack.devnet(), home, null);
        CliRunner.Result r = cli.run("inference", "list-providers");
        assertThat(r.exit()).as(r.toString()).isZero();
        Map<String, String> blocks = new LinkedHashMap<>();
        String[] parts = r.out().split("(?m)^Provider \\d+$");
        for (String block : parts) {
            Matcher type = Pattern.compile("\\| Service Type +\\| (\\S+) +\\|").matcher(block);
            if (type.find()) {
                blocks.put(type.group(1), block);
            }
        }
        assertThat(blocks.get("chatbot")).contains("Input Price Per Token (0G)", "Output Price Per Token (0G)");
        assertThat(blocks.get("text-to-image")).contains("| Price Per Image (0G)", "| 0.001 ")
                .doesNotContain("Per Token");
        assertThat(blocks.get("image-editing")).contains("| Price Per Image (0G)", "| 0.002 ");
        assertThat(blocks.get("embedding")).contains("| Input Price Per Token (0G)", "| 0.0000000001 ")
                .doesNotContain("Output Price");
        if (blocks.containsKey("speech-to-text")) {
            assertThat(blocks.get("speech-to-text")).contains("| Price Per Second of Audio (0G)", "| 0.00001 ",
                    "| Token-Billed Models: Input / Output Per Token (0G)");
        }
        if (blocks.containsKey("audio-generation")) {
            assertThat(blocks.get("audio-generation")).contains("| Price Per Second of Generated Audio (0G)",
                    "| 0.00001 ").doesNotContain("Per Token");
        }

        CliRunner.Result json = cli.run("inference", "list-providers", "--json");
        JsonNode list = ProxyClient.JSON.readTree(json.out());
        List<String> units = new ArrayList<>();
        list.forEach(n -> units.add(n.path("serviceType").asText() + ": " + n.path("priceUnit").asText()));
        assertThat(units).contains("text-to-image: per image (outputPrice)",
                "embedding: per input token (inputPrice)", "chatbot: per token (inputPrice / outputPrice)");

        CliRunner.Result detail = cli.run("inference", "list-providers-detail");
        assertThat(detail.exit()).as(detail.toString()).isZero();
        assertThat(detail.out()).contains("| Price Per Image (0G)", "| Input Price Per Token (0G)");
        if (blocks.containsKey("speech-to-text")) {
            assertThat(detail.out()).contains("| Price Per Second of Audio (0G)");
        }
    }

    @Test
    void theServeCommandNamesTheRouteOfTheProvidersType(@TempDir Path home) throws Exception {
        CliRunner cli = CliFixtures.runnerFor(stack.devnet(), home, stack.devnet().account(DevnetStack.USER));
        try (BackgroundCli serve = BackgroundCli.start(cli, "inference", "serve", "--provider",
                provider("embedding").address(), "--port", "0", "--auto-fund-interval", "0")) {
            String out = serve.awaitOutput("ready", Duration.ofSeconds(60));
            Matcher m = Pattern.compile("POST (http://\\S+)/v1/embeddings").matcher(out);
            assertThat(m.find()).as(out).isTrue();
            assertThat(out).contains("embedding, model " + EmbeddingServer.MODEL);
            HttpResponse<String> r = new ProxyClient(m.group(1)).post("/v1/embeddings",
                    "{\"input\":\"through the command\"}".getBytes());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            String key = r.headers().firstValue("ZG-Res-Key").orElseThrow();
            assertThat(serve.awaitOutput(key, Duration.ofSeconds(30))).contains("embeddings " + key);
            assertThat(serve.stop()).isZero();
        }
    }

    /** A small PNG. */
    private static byte[] png(int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(1, 1, 0xFF8800);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** 16 kHz mono 16-bit PCM silence. */
    private static byte[] silentWav(int seconds) {
        int data = seconds * 16_000 * 2;
        return ByteBuffer.allocate(44 + data).order(ByteOrder.LITTLE_ENDIAN)
                .put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + data)
                .put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(16_000).putInt(32_000).putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(StandardCharsets.US_ASCII)).putInt(data).array();
    }

    /** A multipart/form-data body, as an OpenAI client sends it. */
    private static final class Form {
        static final String BOUNDARY = "----zgServeTest7MA4YWxkTrZu0gW";
        static final String CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Form field(String name, String value) {
            out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                    + "\r\n").getBytes(StandardCharsets.UTF_8));
            return this;
        }

        Form file(String name, String filename, String type, byte[] data) {
            out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
                    + filename + "\"\r\nContent-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(data);
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            return this;
        }

        byte[] bytes() {
            ByteArrayOutputStream copy = new ByteArrayOutputStream();
            copy.writeBytes(out.toByteArray());
            copy.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return copy.toByteArray();
        }
    }
}
