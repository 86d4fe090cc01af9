package zg.compute.webui.internal;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import zg.compute.protocol.units.Units;
import zg.compute.sdk.FineTuningService;
import zg.compute.sdk.ProviderModel;
import zg.compute.sdk.ProviderModels;
import zg.compute.sdk.ServiceInfo;
import zg.compute.sdk.VerificationResult;
import zg.compute.sdk.ZGComputeException;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * The marketplace: every service on chain (all pages), its prices in the unit its type is billed in, a live
 * health probe (the provider's {@code /v1/models}, which also lists a multi-model catalog) and TEE verification
 * with the reports saved under the config directory.
 */
public final class MarketApi {

    private final ZGComputeNetworkBroker broker;
    private final Path reportsDir;
    private final ExecutorService probes;

    public MarketApi(ZGComputeNetworkBroker broker, Path reportsDir, ExecutorService probes) {
        this.broker = broker;
        this.reportsDir = reportsDir;
        this.probes = probes;
    }

    public JsonObject providers(Body b) {
        List<ServiceInfo> services = broker.inference().listService(true);
        List<CompletableFuture<JsonObject>> health = services.stream()
                .map(s -> CompletableFuture.supplyAsync(() -> probe(s.provider()), probes)).toList();
        JsonArray inference = new JsonArray();
        for (int i = 0; i < services.size(); i++) {
            ServiceInfo s = services.get(i);
            inference.add(new JsonObject().put("provider", s.provider()).put("model", s.model())
                    .put("url", s.url()).put("serviceType", s.serviceType())
                    .put("prices", prices(s)).put("verifiability", s.verifiability())
                    .put("teeSignerAcknowledged", s.teeSignerAcknowledged())
                    .put("acknowledged", broker.inference().acknowledged(s.provider()))
                    .put("health", health.get(i).join()));
        }
        JsonArray fineTuning = new JsonArray();
        for (FineTuningService s : broker.fineTuning().listService(true)) {
            fineTuning.add(new JsonObject().put("provider", s.provider()).put("url", s.url())
                    .put("pricePerToken", Body.amount(s.pricePerToken())).put("occupied", s.occupied())
                    .put("teeSignerAcknowledged", s.teeSignerAcknowledged())
                    .put("models", new JsonArray(s.models())));
        }
        return new JsonObject().put("inference", inference).put("fineTuning", fineTuning);
    }

    /** Runs the SDK's TEE verification and keeps its reports in {@code <config>/tee-reports/<provider>}. */
    public JsonObject verify(Body b) {
        String provider = b.required("provider");
        Path dir = reportsDir.resolve(provider.toLowerCase(Locale.ROOT));
        VerificationResult r = broker.inference().verifyService(provider, dir);
        return new JsonObject().put("verified", r.verified()).put("teeVerifier", r.teeVerifier())
                .put("reportDir", dir.toAbsolutePath().toString())
                .put("reports", new JsonArray(r.reportsGenerated().stream().map(p -> p.getFileName().toString()).toList()))
                .put("steps", new JsonArray(r.steps().stream().map(s -> new JsonObject()
                        .put("type", s.type().name().toLowerCase(Locale.ROOT)).put("message", s.message())).toList()));
    }

    private JsonObject probe(String provider) {
        long start = System.nanoTime();
        try {
            ProviderModels m = broker.inference().getProviderModels(provider);
            return new JsonObject().put("status", "up").put("latencyMs", (System.nanoTime() - start) / 1_000_000)
                    .put("models", new JsonArray(m.models().stream().map(ProviderModel::id).toList()))
                    .put("defaultModel", m.defaultModel());
        } catch (ZGComputeException e) {
            return new JsonObject().put("status", "down").put("error", e.getMessage());
        }
    }

    /** Labels and amounts as the type is billed (services-and-ui.md A.9; the SDK's fee rules). */
    static JsonArray prices(ServiceInfo s) {
        String type = s.serviceType() == null ? "" : s.serviceType();
        return switch (type) {
            case "text-to-image", "image-editing" -> new JsonArray().add(price("per image", s.outputPrice()));
            case "speech-to-text" -> new JsonArray().add(price("per second of audio", s.inputPrice()));
            case "embedding" -> new JsonArray().add(price("per input token", s.inputPrice()));
            case "audio-generation" -> new JsonArray().add(price("per second of generated audio", s.outputPrice()));
            default -> new JsonArray().add(price("per input token", s.inputPrice()))
                    .add(price("per output token", s.outputPrice()));
        };
    }

    private static JsonObject price(String unit, java.math.BigInteger neuron) {
        return new JsonObject().put("unit", unit).put("og", Units.neuronToOg(neuron).toPlainString())
                .put("neuron", neuron.toString());
    }
}
