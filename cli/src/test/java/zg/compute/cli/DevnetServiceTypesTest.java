package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.backends.EmbeddingServer;
import zg.compute.cli.internal.devnet.DevnetStack;
import zg.compute.cli.internal.devnet.StackConfig;
import zg.compute.devnet.Devnet;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.protocol.units.Units;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ServiceInfo;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * {@code devnet up} with every service type: besides the two chat providers, a text-to-image and an image-editing
 * provider on the development image renderer and an embedding provider on the real all-MiniLM-L6-v2, each with its
 * own wallet and acknowledged TEE signer and a funded user sub-account. Paid requests with an app-sk key through the
 * embedding and text-to-image brokers are signed by the provider's TEE signer and settled on chain; a
 * {@code --state} restart gives every provider back its port and its own database.
 */
class DevnetServiceTypesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static StackConfig allTypes(Duration settle, Path info, Path state) {
        return new StackConfig(0, 3600, settle, null, null, info, state, true);
    }

    @Test
    void everyTypeIsRegisteredAndEmbeddingsAndImagesArePaidSignedAndSettled(@TempDir Path dir) throws Exception {
        Path info = dir.resolve("devnet.json");
        List<String> progress = new ArrayList<>();
        try (DevnetStack stack = DevnetStack.start(allTypes(Duration.ofSeconds(1), info, null), progress::add)) {
            Devnet d = stack.devnet();
            assertThat(stack.providers()).extracting(DevnetStack.ProviderEntry::type)
                    .startsWith("chatbot", "chatbot", "text-to-image", "image-editing", "embedding");
            if (zg.compute.backends.SpeechToTextServer.missingTools().isEmpty()) {
                assertThat(stack.providers()).extracting(DevnetStack.ProviderEntry::type).contains("speech-to-text");
            } else {
                assertThat(progress).anyMatch(l -> l.contains("no speech-to-text provider"));
            }
            if (zg.compute.backends.TextToSpeechServer.missingTools().isEmpty()) {
                assertThat(stack.providers()).extracting(DevnetStack.ProviderEntry::type).endsWith("audio-generation");
            } else {
                assertThat(progress).anyMatch(l -> l.contains("no audio-generation provider"));
            }
            assertThat(stack.providers()).extracting(DevnetStack.ProviderEntry::address).doesNotHaveDuplicates();
            assertThat(stack.providers()).extracting(DevnetStack.ProviderEntry::teeSigner).doesNotHaveDuplicates();
            assertThat(progress).anyMatch(l -> l.contains("a DEVELOPMENT renderer") && l.contains("not a model"))
                    .anyMatch(l -> l.contains("all-MiniLM-L6-v2 loaded in"));
            assertThat(stack.embeddingsReadyMillis()).isPositive();

            // on chain: every provider listed with its type, model, prices and acknowledged signer
            ContractAddresses c = contracts(d);
            try (var ro = ZGComputeNetworkBroker.readOnly(d.rpcUrl(), BrokerOptions.defaults().withContracts(c))) {
                Map<String, ServiceInfo> listed = ro.inference().listService().stream()
                        .collect(Collectors.toMap(s -> s.provider().toLowerCase(), s -> s));
                assertThat(listed).hasSize(stack.providers().size());
                for (var e : stack.providers()) {
                    ServiceInfo s = listed.get(e.address().toLowerCase());
                    assertThat(s.serviceType()).isEqualTo(e.type());
                    assertThat(s.model()).isEqualTo(e.model());
                    assertThat(s.url()).isEqualTo(e.url());
                    assertThat(s.inputPrice()).isEqualTo(e.inputPrice());
                    assertThat(s.outputPrice()).isEqualTo(e.outputPrice());
                    assertThat(s.teeSignerAddress()).isEqualToIgnoringCase(e.teeSigner());
                    assertThat(s.teeSignerAcknowledged()).isTrue();
                    assertThat(d.inference(d.account(0)).getAccount(stack.user().address(), e.address()).send()
                            .balance).as("user sub-account at " + e.type()).isEqualTo(Units.og(3));
                }
            }

            // the fine-tuning provider: registered, staked, its signer acknowledged by the owner, the user funded there
            var ft = stack.fineTuning().orElseThrow();
            var ftService = d.fineTuning(d.account(0)).getService(ft.address()).send();
            assertThat(ftService.teeSignerAcknowledged).isTrue();
            assertThat(ftService.teeSignerAddress).isEqualToIgnoringCase(ft.teeSigner());
            assertThat(ftService.models).containsExactly("mock-model");
            assertThat(d.fineTuning(d.account(0)).getAccount(stack.user().address(), ft.address()).send().balance)
                    .isEqualTo(Units.og(3));
            assertThat(stack.providers()).extracting(DevnetStack.ProviderEntry::address).doesNotContain(ft.address());
            JsonNode ftEntry = JSON.readTree(info.toFile()).path("fineTuningProvider");
            assertThat(ftEntry.path("type").asText()).isEqualTo("fine-tuning");
            assertThat(ftEntry.path("address").asText()).isEqualTo(ft.address());
            assertThat(ftEntry.path("backend").asText()).contains("DevTrainer", "not a GPU");

            // devnet.json: type, model, prices with their unit, URL and backend of every provider
            JsonNode file = JSON.readTree(info.toFile()).path("providers");
            assertThat(file).hasSize(stack.providers().size());
            JsonNode image = file.get(2);
            assertThat(image.path("type").asText()).isEqualTo("text-to-image");
            assertThat(image.path("priceUnit").asText()).isEqualTo("neuron per image (outputPrice)");
            assertThat(image.path("backend").asText()).contains("DevImageServer", "not a model");
            assertThat(image.path("backendDetail").asText()).startsWith("DEVELOPMENT renderer");
            JsonNode embedding = file.get(4);
            assertThat(embedding.path("model").asText()).isEqualTo(EmbeddingServer.MODEL);
            assertThat(embedding.path("priceUnit").asText()).isEqualTo("neuron per input token (inputPrice)");
            assertThat(embedding.path("backend").asText()).contains("EmbeddingServer", "real model");
            assertThat(new BigInteger(embedding.path("inputPrice").asText())).isEqualTo(stack.providers().get(4).inputPrice());

            try (var user = ZGComputeNetworkBroker.create(d.account(DevnetStack.USER), d.rpcUrl(),
                    BrokerOptions.defaults().withContracts(c).withFundOnRequestHeaders(false))) {
                // embeddings: the real model, billed by its own token count × inputPrice
                var emb = stack.providers().get(4);
                byte[] req = "{\"model\":\"all-MiniLM-L6-v2\",\"input\":[\"The cat sits on the mat.\",\"Stocks fell.\"]}"
                        .getBytes(StandardCharsets.UTF_8);
                HttpResponse<byte[]> r = paid(user, emb, "/v1/proxy/embeddings", req);
                JsonNode answer = JSON.readTree(r.body());
                assertThat(answer.path("data")).hasSize(2);
                assertThat(answer.at("/data/0/embedding").size()).isEqualTo(EmbeddingServer.DIMENSIONS);
                long tokens = answer.at("/usage/prompt_tokens").asLong();
                assertThat(tokens).isPositive();
                assertSigned(emb, r, ResponseSignature.text(req, r.body()));
                assertSettled(d, stack, emb, emb.inputPrice().multiply(BigInteger.valueOf(tokens)));

                // text-to-image: the development renderer, billed per delivered image × outputPrice
                var img = stack.providers().get(2);
                req = "{\"model\":\"zg-dev-image\",\"prompt\":\"a lighthouse at dusk\",\"size\":\"256x256\"}"
                        .getBytes(StandardCharsets.UTF_8);
                r = paid(user, img, "/v1/proxy/images/generations", req);
                List<byte[]> pngs = new ArrayList<>();
                for (JsonNode item : JSON.readTree(r.body()).path("data")) {
                    byte[] png = Base64.getDecoder().decode(item.path("b64_json").asText());
                    assertThat(ImageIO.read(new ByteArrayInputStream(png)).getWidth()).isEqualTo(256);
                    pngs.add(png);
                }
                assertThat(pngs).hasSize(1);
                assertSigned(img, r, ResponseSignature.imagesText(req, pngs));
                assertSettled(d, stack, img, img.outputPrice());

                // speech-to-text: the real recogniser on 2 s of silence, billed round(duration) × inputPrice
                var stt = stack.providers().stream().filter(e -> e.type().equals("speech-to-text")).findFirst();
                if (stt.isPresent()) {
                    String boundary = "zgDevnetBoundary";
                    byte[] wav = silentWav(2);
                    byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n"
                            + stt.get().model() + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\";"
                            + " filename=\"silence.wav\"\r\nContent-Type: audio/wav\r\n\r\n").getBytes(StandardCharsets.UTF_8);
                    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
                    byte[] body = java.nio.ByteBuffer.allocate(head.length + wav.length + tail.length).put(head).put(wav)
                            .put(tail).array();
                    r = paid(user, stt.get(), "/v1/proxy/audio/transcriptions", body,
                            "multipart/form-data; boundary=" + boundary);
                    assertThat(JSON.readTree(r.body()).at("/usage/seconds").asDouble()).isBetween(1.9, 2.1);
                    assertSigned(stt.get(), r, ResponseSignature.text(body, r.body()));
                    assertSettled(d, stack, stt.get(), stt.get().inputPrice().multiply(BigInteger.TWO));
                }

                // audio-generation: the real synthesiser through the SDK, billed per second of WAV received
                var tts = stack.providers().stream().filter(e -> e.type().equals("audio-generation")).findFirst();
                if (tts.isPresent()) {
                    var speech = user.inference().audio().speech(tts.get().address(), "Good morning from the devnet.",
                            null);
                    assertThat(speech.verification()).isEqualTo(zg.compute.sdk.ResponseVerification.VERIFIED);
                    assertThat(speech.seconds()).isBetween(1.0, 5.0);
                    BigInteger fee = tts.get().outputPrice().multiply(BigInteger.valueOf((long) Math.ceil(speech.seconds())));
                    assertThat(speech.fee()).isEqualTo(fee);
                    assertSettled(d, stack, tts.get(), fee);
                }
            }
        }
    }

    @Test
    void aStateRestartGivesEveryProviderItsPortAndItsOwnDatabase(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        // a chat-only state, then every type: the new providers are registered and the user funded there
        try (DevnetStack first = DevnetStack.start(new StackConfig(0, 3600, Duration.ofHours(1), null, null, null,
                state), line -> { })) {
            assertThat(first.providers()).hasSize(2);
        }
        List<String> urls;
        List<String> progress = new ArrayList<>();
        try (DevnetStack second = DevnetStack.start(allTypes(Duration.ofHours(1), null, state), progress::add)) {
            assertThat(second.devnet().resumed()).isTrue();
            assertThat(progress).anyMatch(l -> l.contains("to each of " + (second.providers().size() - 2)
                    + " new provider(s)"));
            urls = second.providers().stream().map(DevnetStack.ProviderEntry::url).toList();
            Devnet d = second.devnet();
            for (var e : second.providers()) {
                assertThat(d.inference(d.account(0)).getAccount(second.user().address(), e.address()).send().balance)
                        .isEqualTo(Units.og(3));
            }
        }
        progress.clear();
        try (DevnetStack third = DevnetStack.start(allTypes(Duration.ofHours(1), null, state), progress::add)) {
            assertThat(third.providers().stream().map(DevnetStack.ProviderEntry::url).toList()).isEqualTo(urls);
            assertThat(progress).anyMatch(l -> l.contains("(" + urls.size() + " already were)"))
                    .noneMatch(l -> l.contains("new provider(s)"));
            for (int n = 1; n <= urls.size(); n++) {
                assertThat(state.resolve("provider-" + n + ".db")).isRegularFile();
            }
            // each broker answers on its old port
            for (String url : urls) {
                assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
            }
        }
    }

    static ContractAddresses contracts(Devnet d) {
        return new ContractAddresses(d.contracts().ledger().proxy(), d.contracts().inference().proxy(),
                d.contracts().fineTuning().proxy());
    }

    /** POSTs JSON with the SDK's app-sk header for {@code p}; 200 with a ZG-Res-Key is required. */
    private static HttpResponse<byte[]> paid(ZGComputeNetworkBroker user, DevnetStack.ProviderEntry p, String path,
            byte[] body) throws Exception {
        return paid(user, p, path, body, "application/json");
    }

    /** 16 kHz mono 16-bit PCM silence. */
    static byte[] silentWav(int seconds) {
        int data = seconds * 16_000 * 2;
        return java.nio.ByteBuffer.allocate(44 + data).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + data)
                .put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(16_000).putInt(32_000).putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(StandardCharsets.US_ASCII)).putInt(data).array();
    }

    private static HttpResponse<byte[]> paid(ZGComputeNetworkBroker user, DevnetStack.ProviderEntry p, String path,
            byte[] body, String contentType) throws Exception {
        Map<String, String> headers = user.inference().getRequestHeaders(p.address());
        assertThat(headers.get("Authorization")).startsWith("Bearer app-sk-");
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(p.url() + path))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(rb::header);
        HttpResponse<byte[]> r = HTTP.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(r.headers().firstValue("ZG-Res-Key")).isPresent();
        return r;
    }

    /** The broker's stored signature covers exactly {@code text} and recovers to the provider's TEE signer. */
    private static void assertSigned(DevnetStack.ProviderEntry p, HttpResponse<byte[]> r, String text)
            throws Exception {
        String id = r.headers().firstValue("ZG-Res-Key").orElseThrow();
        HttpResponse<String> s = HTTP.send(HttpRequest.newBuilder(URI.create(p.url() + "/v1/proxy/signature/" + id))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(s.statusCode()).as(s.body()).isEqualTo(200);
        JsonNode n = JSON.readTree(s.body());
        assertThat(n.path("text").asText()).isEqualTo(text);
        assertThat(new ResponseSignature(n.path("text").asText(), n.path("signature").asText())
                .isSignedBy(p.teeSigner())).isTrue();
    }

    /** The fee leaves the user's 3 0G sub-account on chain within the short settlement interval. */
    static void assertSettled(Devnet d, DevnetStack stack, DevnetStack.ProviderEntry p, BigInteger fee)
            throws Exception {
        assertThat(fee.signum()).isPositive();
        BigInteger expected = Units.og(3).subtract(fee);
        BigInteger balance = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            balance = d.inference(d.account(0)).getAccount(stack.user().address(), p.address()).send().balance;
            if (balance.equals(expected)) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(balance).as("sub-account at the " + p.type() + " provider after settlement").isEqualTo(expected);
    }
}
