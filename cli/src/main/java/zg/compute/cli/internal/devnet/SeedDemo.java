package zg.compute.cli.internal.devnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import zg.compute.backends.SpeechSynthesizer;
import zg.compute.cli.CliException;
import zg.compute.protocol.units.Units;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ImageRequest;
import zg.compute.sdk.ImageResult;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ServiceInfo;
import zg.compute.sdk.ServiceMetadata;
import zg.compute.sdk.TranscriptionOptions;
import zg.compute.sdk.TranscriptionResult;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * The seed's inference flow, through the Java SDK, against a running {@link DevnetStack}: list services,
 * acknowledge, metadata, request headers, a chat completion verified by its {@code ZG-Res-Key} signature,
 * a streamed completion verified the same way, one image and one transcription of synthesised speech (when the
 * stack runs those providers), each verified against the bytes received, and the fees landing on chain.
 */
public final class SeedDemo {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DevnetStack stack;
    private final PrintWriter out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public SeedDemo(DevnetStack stack, PrintWriter out) {
        this.stack = stack;
        this.out = out;
    }

    /** Runs every step; throws a {@link CliException} naming the step that did not hold. */
    public void run(Duration settlementWait) throws IOException, InterruptedException {
        var d = stack.devnet();
        ContractAddresses addresses = new ContractAddresses(d.contracts().ledger().proxy(),
                d.contracts().inference().proxy(), d.contracts().fineTuning().proxy());
        try (ZGComputeNetworkBroker broker = ZGComputeNetworkBroker.create(d.account(DevnetStack.USER), d.rpcUrl(),
                BrokerOptions.defaults().withContracts(addresses).withFundOnRequestHeaders(false))) {
            step("listService");
            List<ServiceInfo> services = broker.inference().listService();
            for (ServiceInfo s : services) {
                out.println("      " + s.provider() + "  " + s.model() + "  input " + s.inputPrice() + " / output "
                        + s.outputPrice() + " neuron per token  " + s.url());
            }
            if (services.isEmpty()) {
                throw new CliException("listService returned no provider");
            }
            String provider = stack.providers().get(0).address();

            step("acknowledgeProviderSigner(" + provider + ")");
            int sent = broker.inference().acknowledgeProviderSigner(provider).size();
            out.println("      " + (sent == 0 ? "already acknowledged (the transfer acknowledged it)" : sent + " transaction(s)"));

            step("getServiceMetadata");
            ServiceMetadata meta = broker.inference().getServiceMetadata(provider);
            out.println("      endpoint " + meta.endpoint() + ", model " + meta.model());
            BigInteger subBefore = broker.inference().getAccount(provider).balance();
            BigInteger walletBefore = d.chain().balanceOf(provider);

            step("getRequestHeaders + chat completion");
            Exchange chat = post(broker, provider, meta, false);
            out.println("      reply: " + chat.content() + "   (ZG-Res-Key " + chat.chatId() + ")");
            verify(broker, provider, chat);

            step("getRequestHeaders + streamed chat completion");
            Exchange stream = post(broker, provider, meta, true);
            out.println("      streamed reply: " + stream.content() + "   (ZG-Res-Key " + stream.chatId() + ")");
            verify(broker, provider, stream);

            BigInteger fee = fee(provider, chat.usage()).add(fee(provider, stream.usage()));
            step("settlement on chain (fees " + fee + " neuron)");
            awaitSettled(broker, provider, subBefore, fee, settlementWait);
            out.println("      provider wallet changed by " + d.chain().balanceOf(provider).subtract(walletBefore)
                    + " neuron (fees received minus the gas of its settlement transaction)");
            int verified = 2;
            BigInteger total = fee;

            DevnetStack.ProviderEntry image = provider("text-to-image");
            if (image != null) {
                step("images().generate on the text-to-image provider (" + image.model() + ")");
                BigInteger before = broker.inference().getAccount(image.address()).balance();
                ImageResult r = broker.inference().images().generate(image.address(),
                        ImageRequest.of("a lighthouse at dusk").withSize("256x256"));
                out.println("      " + r.images().size() + " PNG(s), " + r.images().get(0).length
                        + " bytes   (ZG-Res-Key " + r.chatId() + ")");
                requireVerified(r.verification(), "sha256(request):sha256(each decoded image)");
                awaitSettled(broker, image.address(), before, r.fee(), settlementWait);
                verified++;
                total = total.add(r.fee());
            }
            DevnetStack.ProviderEntry speech = provider("speech-to-text");
            if (speech != null && SpeechSynthesizer.missingTools().isEmpty()) {
                step("audio().transcribe on the speech-to-text provider (" + speech.model() + ")");
                String sentence = "The quick brown fox jumps over the lazy dog.";
                byte[] wav = SpeechSynthesizer.speak(sentence);
                out.println("      spoken by espeak-ng: \"" + sentence + "\" (" + wav.length + " bytes of 16 kHz WAV)");
                BigInteger before = broker.inference().getAccount(speech.address()).balance();
                TranscriptionResult t = broker.inference().audio().transcribe(speech.address(), wav, "speech.wav",
                        TranscriptionOptions.defaults());
                out.println("      heard by pocketsphinx: \"" + t.text() + "\"   (ZG-Res-Key " + t.chatId() + ")");
                requireVerified(t.verification(), "sha256(request):sha256(response)");
                awaitSettled(broker, speech.address(), before, t.fee(), settlementWait);
                verified++;
                total = total.add(t.fee());
            } else if (speech != null) {
                out.println("      (no transcription: " + SpeechSynthesizer.missingTools() + ")");
            }
            out.println("✓ demo complete: " + verified + " responses verified, " + total + " neuron settled on chain");
        }
    }

    /** The devnet's provider of {@code type}, or null when the stack runs without it. */
    private DevnetStack.ProviderEntry provider(String type) {
        return stack.providers().stream().filter(e -> e.type().equals(type)).findFirst().orElse(null);
    }

    private void requireVerified(ResponseVerification v, String what) {
        out.println("      processResponse → " + v + " (TEE signature over " + what + " of these bytes)");
        if (v != ResponseVerification.VERIFIED) {
            throw new CliException("processResponse did not verify the response: " + v);
        }
    }

    /** Waits until the provider's settlement has taken {@code fee} from the user's sub-account. */
    private void awaitSettled(ZGComputeNetworkBroker broker, String provider, BigInteger before, BigInteger fee,
            Duration wait) throws InterruptedException {
        if (fee.signum() <= 0) {
            throw new CliException("the response carried no fee to settle");
        }
        BigInteger expected = before.subtract(fee);
        long deadline = System.nanoTime() + wait.toNanos();
        BigInteger now = before;
        while (System.nanoTime() < deadline
                && !(now = broker.inference().getAccount(provider).balance()).equals(expected)) {
            Thread.sleep(250);
        }
        out.println("      fee " + fee + " neuron; sub-account " + Units.neuronToOg(before).toPlainString() + " 0G → "
                + Units.neuronToOg(now).toPlainString() + " 0G");
        if (!now.equals(expected)) {
            throw new CliException("the fees did not land on chain within " + wait.toSeconds()
                    + " s: sub-account is " + now + " neuron, expected " + expected);
        }
    }

    private record Exchange(byte[] request, byte[] response, String chatId, String content, JsonNode usage) {
    }

    private Exchange post(ZGComputeNetworkBroker broker, String provider, ServiceMetadata meta, boolean streamed)
            throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", meta.model());
        body.put("messages", List.of(Map.of("role", "user", "content", "What is 0G Compute?")));
        if (streamed) {
            body.put("stream", true);
        }
        byte[] req = JSON.writeValueAsBytes(body);
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(meta.endpoint() + "/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(req));
        broker.inference().getRequestHeaders(provider).forEach(rb::header);
        HttpResponse<byte[]> resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
        String text = new String(resp.body(), StandardCharsets.UTF_8);
        if (resp.statusCode() != 200) {
            throw new CliException("the provider answered " + resp.statusCode() + ": " + text);
        }
        String chatId = resp.headers().firstValue("ZG-Res-Key")
                .orElseThrow(() -> new CliException("the response has no ZG-Res-Key header"));
        if (!streamed) {
            JsonNode json = JSON.readTree(text);
            return new Exchange(req, resp.body(), chatId, json.at("/choices/0/message/content").asText(), json.path("usage"));
        }
        StringBuilder content = new StringBuilder();
        JsonNode usage = JSON.createObjectNode();
        for (String line : text.split("\r?\n")) {
            if (!line.startsWith("data:") || line.substring(5).trim().equals("[DONE]")) {
                continue;
            }
            JsonNode chunk = JSON.readTree(line.substring(5).trim());
            content.append(chunk.at("/choices/0/delta/content").asText(""));
            if (chunk.hasNonNull("usage")) {
                usage = chunk.get("usage");
            }
        }
        return new Exchange(req, resp.body(), chatId, content.toString(), usage);
    }

    private void verify(ZGComputeNetworkBroker broker, String provider, Exchange e) throws IOException {
        requireVerified(broker.inference().processResponse(provider, e.chatId(), JSON.writeValueAsString(e.usage()),
                e.request(), e.response()), "sha256(request):sha256(response)");
    }

    private BigInteger fee(String provider, JsonNode usage) {
        DevnetStack.ProviderEntry p = stack.providers().stream().filter(e -> e.address().equals(provider)).findFirst()
                .orElseThrow();
        return p.inputPrice().multiply(BigInteger.valueOf(usage.path("prompt_tokens").asLong()))
                .add(p.outputPrice().multiply(BigInteger.valueOf(usage.path("completion_tokens").asLong())));
    }

    private int stepNo;

    private void step(String what) {
        out.println("[demo " + ++stepNo + "] " + what);
        out.flush();
    }
}
