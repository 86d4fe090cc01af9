package zg.compute.sdk.internal.billing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import zg.compute.sdk.InvalidRequestException;
import zg.compute.sdk.ProviderModel;
import zg.compute.sdk.ProviderModels;
import zg.compute.sdk.ServiceInfo;

/**
 * The prices a response is counted at: the on-chain ones, unless a multi-model provider was asked for
 * another model than its default, then that model's from the provider's {@code /v1/models} catalog
 * (fetched once per provider and kept for {@link #TTL}; fetched again when a model is missing from it).
 */
public final class ModelPrices {

    static final Duration TTL = Duration.ofMinutes(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Neuron per the service type's unit. */
    public record Prices(BigInteger input, BigInteger output) {
    }

    private record Fetched(ProviderModels models, long at) {
    }

    private final Function<String, ProviderModels> catalog;
    private final Clock clock;
    private final Map<String, Fetched> cache = new ConcurrentHashMap<>();

    /** @param catalog the provider's catalog by address ({@code getProviderModels}) */
    public ModelPrices(Function<String, ProviderModels> catalog, Clock clock) {
        this.catalog = catalog;
        this.clock = clock;
    }

    /**
     * @param model the requested model; null for the default
     * @throws InvalidRequestException when a multi-model provider does not list {@code model} with prices
     */
    public Prices of(ServiceInfo s, String model) {
        if (model == null || model.equals(s.model()) || !multiModel(s.additionalInfo())) {
            return new Prices(s.inputPrice(), s.outputPrice()); // a single-model provider bills every request so
        }
        String key = s.provider().toLowerCase(Locale.ROOT);
        Fetched f = cache.get(key);
        ProviderModel m = f == null || clock.millis() - f.at() > TTL.toMillis() ? null : find(f.models(), model);
        if (m == null) {
            f = new Fetched(catalog.apply(s.provider()), clock.millis());
            cache.put(key, f);
            m = find(f.models(), model);
        }
        if (m == null) {
            throw new InvalidRequestException("Model " + model + " is not served by provider " + s.provider()
                    + "; it serves " + f.models().models().stream().map(ProviderModel::id)
                            .collect(Collectors.joining(", ")));
        }
        if (m.inputPrice() == null || m.outputPrice() == null) {
            throw new InvalidRequestException("Provider " + s.provider() + " lists model " + model
                    + " without prices in neuron (pricing.prompt/completion)");
        }
        return new Prices(m.inputPrice(), m.outputPrice());
    }

    private static ProviderModel find(ProviderModels models, String id) {
        return models.models().stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
    }

    /** Whether a service's {@code additionalInfo} says {@code "MultiModel": true} (as the official SDK reads it). */
    public static boolean multiModel(String additionalInfo) {
        JsonNode m = read(additionalInfo).path("MultiModel");
        return m.isBoolean() && m.asBoolean();
    }

    /** {@code additionalInfo.priceDenomination} of a multi-model service, else null. */
    public static String priceDenomination(String additionalInfo) {
        JsonNode d = read(additionalInfo).path("priceDenomination");
        return multiModel(additionalInfo) && d.isTextual() ? d.asText() : null;
    }

    /** The {@code model} a JSON request body names, or null (absent, or not JSON: e.g. multipart). */
    public static String requestedModel(byte[] requestBody) {
        try {
            JsonNode m = JSON.readTree(requestBody).path("model");
            return m.isTextual() ? m.asText() : null;
        } catch (Exception notJson) {
            return null;
        }
    }

    private static JsonNode read(String json) {
        try {
            JsonNode n = json == null || json.isBlank() ? null : JSON.readTree(json);
            return n == null ? JSON.createObjectNode() : n;
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }
}
