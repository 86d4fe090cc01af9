package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.LoggerFactory;
import org.web3j.tuples.generated.Tuple2;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.sdk.internal.billing.ModelPrices;
import zg.compute.sdk.internal.chain.ChainClient;
import zg.compute.sdk.internal.http.ProviderHttp;

/** What anyone can read about inference services without a key. */
public class ReadOnlyInferenceBroker {

    /** The contract's page-size cap for {@code getAllServices}. */
    public static final int PAGE_SIZE = 50;

    private static final ObjectMapper JSON = new ObjectMapper();

    final ChainClient chain;
    final InferenceServing contract;
    final ProviderHttp http;
    private final String statusApi;

    ReadOnlyInferenceBroker(ChainClient chain, InferenceServing contract, ProviderHttp http, String statusApi) {
        this.chain = chain;
        this.contract = contract;
        this.http = http;
        this.statusApi = statusApi;
    }

    /** {@link #listService(boolean)} plus health, model and pricing details (all services, past 50). */
    public List<ServiceWithDetail> listServiceWithDetail(boolean includeUnacknowledged) {
        return withDetail(listService(includeUnacknowledged));
    }

    /** One page of {@link #listServiceWithDetail(boolean)}. */
    public List<ServiceWithDetail> listServiceWithDetail(long offset, int limit, boolean includeUnacknowledged) {
        return withDetail(listService(offset, limit, includeUnacknowledged));
    }

    /**
     * Merges {@code <statusApi>/health} and {@code <statusApi>/models} (fetched in parallel, each within the
     * HTTP timeout) into the services by lower-cased provider address; a failing status service only
     * leaves {@code health}/{@code modelInfo} null.
     */
    private List<ServiceWithDetail> withDetail(List<ServiceInfo> services) {
        JsonNode health = null;
        JsonNode models = null;
        if (statusApi != null && !services.isEmpty()) {
            String root = statusApi.endsWith("/") ? statusApi.substring(0, statusApi.length() - 1) : statusApi;
            CompletableFuture<JsonNode> h = CompletableFuture.supplyAsync(() -> status(root + "/health"));
            CompletableFuture<JsonNode> m = CompletableFuture.supplyAsync(() -> status(root + "/models"));
            health = h.join();
            models = m.join();
        }
        List<ServiceWithDetail> out = new ArrayList<>();
        for (ServiceInfo s : services) {
            out.add(new ServiceWithDetail(s, healthOf(health, s), modelOf(models, s), tiers(s), divisor(s)));
        }
        return out;
    }

    private JsonNode status(String url) {
        try {
            ProviderHttp.Reply r = http.get(url, Map.of("Accept", "application/json"));
            return r.ok() ? JSON.readTree(r.body()) : null;
        } catch (Exception e) {
            LoggerFactory.getLogger(ReadOnlyInferenceBroker.class).debug("status service {} failed: {}", url,
                    e.getMessage());
            return null;
        }
    }

    private static ServiceWithDetail.Health healthOf(JsonNode health, ServiceInfo s) {
        if (health == null) {
            return null;
        }
        JsonNode best = null;
        for (JsonNode e : health.path("services")) {
            if (e.path("provider").asText("").equalsIgnoreCase(s.provider())) {
                if (best == null || s.model().equals(e.path("model").asText())) {
                    best = e;
                }
            }
        }
        if (best == null) {
            return null;
        }
        return new ServiceWithDetail.Health(best.path("status").asText(null), number(best.path("checks").get("uptime")),
                number(best.path("performance").get("response_time")), best.path("lastCheck").asText(null));
    }

    private static JsonNode modelOf(JsonNode models, ServiceInfo s) {
        if (models == null) {
            return null;
        }
        for (JsonNode m : models.path("data")) {
            boolean sameProvider = !m.hasNonNull("provider") || m.get("provider").asText().equalsIgnoreCase(s.provider());
            if (sameProvider && s.model().equals(m.path("id").asText())) {
                return m;
            }
        }
        return null;
    }

    private static List<ServiceWithDetail.PricingTier> tiers(ServiceInfo s) {
        JsonNode info = info(s);
        List<ServiceWithDetail.PricingTier> out = new ArrayList<>();
        for (JsonNode t : info.path("tieredPricing").path("tiers")) {
            out.add(new ServiceWithDetail.PricingTier(t.path("maxInputTokens").asLong(0),
                    decimal(t.get("inputMultiplier")), decimal(t.get("outputMultiplier"))));
        }
        return out;
    }

    private static Long divisor(ServiceInfo s) {
        JsonNode d = info(s).path("cacheTokenBilling").get("divisor");
        return d != null && d.canConvertToLong() ? d.asLong() : null;
    }

    private static JsonNode info(ServiceInfo s) {
        try {
            JsonNode n = s.additionalInfo() == null ? null : JSON.readTree(s.additionalInfo());
            return n == null ? JSON.createObjectNode() : n;
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    private static BigDecimal decimal(JsonNode n) {
        if (n == null || n.isNull()) {
            return BigDecimal.ONE;
        }
        try {
            return new BigDecimal(n.asText());
        } catch (NumberFormatException e) {
            return BigDecimal.ONE;
        }
    }

    private static Double number(JsonNode n) {
        return n != null && n.isNumber() ? n.asDouble() : null;
    }

    /** The most of a {@code /v1/models} answer that is read (the official SDK's bound). */
    static final int MAX_CATALOG_BYTES = 5_000_000;

    /**
     * The models {@code provider} serves, live from its public {@code <url>/v1/models} (no key needed), with
     * the on-chain multi-model flag and default model. Unlike {@link #listServiceWithDetail}, an unreachable
     * provider or an answer without a {@code data} array throws ({@link ProviderHttpException}): an empty
     * list always means "serves no models".
     */
    public ProviderModels getProviderModels(String provider) {
        ServiceInfo s = getService(provider);
        String url = s.url().replaceAll("/+$", "") + "/v1/models";
        ProviderHttp.Reply r = http.get(url, Map.of("Accept", "application/json"), MAX_CATALOG_BYTES);
        if (!r.ok()) {
            throw new ProviderHttpException("GET /v1/models failed: HTTP " + r.status() + " from " + url, r.status(),
                    null);
        }
        JsonNode data;
        try {
            data = JSON.readTree(r.body()).path("data");
        } catch (Exception e) {
            data = null;
        }
        if (data == null || !data.isArray()) {
            throw new ProviderHttpException("provider /v1/models returned an unexpected response shape (missing"
                    + " \"data\" array)", r.status(), null);
        }
        List<ProviderModel> models = new ArrayList<>();
        for (JsonNode m : data) {
            if (m.path("id").isTextual()) {
                JsonNode pricing = m.path("pricing");
                BigInteger out = neuron(pricing.get("completion"));
                models.add(new ProviderModel(m.get("id").asText(), m.path("type").isTextual() ? m.get("type").asText()
                        : null, neuron(pricing.get("prompt")), out != null ? out : neuron(pricing.get("image"))));
            }
        }
        return new ProviderModels(s.provider(), s.url(), ModelPrices.multiModel(s.additionalInfo()),
                ModelPrices.priceDenomination(s.additionalInfo()), s.model(), models);
    }

    /** A whole number of neuron given as a string or an integer; null otherwise. */
    private static BigInteger neuron(JsonNode n) {
        if (n == null || !(n.isTextual() || n.isIntegralNumber())) {
            return null;
        }
        String t = n.asText().trim();
        return t.matches("\\d{1,78}") ? new BigInteger(t) : null;
    }

    /** Every service whose TEE signer the contract owner acknowledged, paging past 50. */
    public List<ServiceInfo> listService() {
        return listService(false);
    }

    /** Every service, paging through all of them (the official SDK stops at the first 50). */
    public List<ServiceInfo> listService(boolean includeUnacknowledged) {
        List<ServiceInfo> out = new ArrayList<>();
        long offset = 0;
        while (true) {
            Page page = page(offset, PAGE_SIZE);
            for (ServiceInfo s : page.services()) {
                if (includeUnacknowledged || s.teeSignerAcknowledged()) {
                    out.add(s);
                }
            }
            offset += page.services().size();
            if (page.services().isEmpty() || offset >= page.total()) {
                return out;
            }
        }
    }

    /**
     * One page, as the official SDK: {@code limit} at most {@value #PAGE_SIZE}; the acknowledgement filter
     * is applied after paging, so a page may hold fewer than {@code limit} entries.
     */
    public List<ServiceInfo> listService(long offset, int limit, boolean includeUnacknowledged) {
        if (offset < 0 || limit < 1 || limit > PAGE_SIZE) {
            throw new InvalidRequestException("offset must be >= 0 and limit within 1.." + PAGE_SIZE);
        }
        return page(offset, limit).services().stream()
                .filter(s -> includeUnacknowledged || s.teeSignerAcknowledged()).toList();
    }

    /** The service of {@code provider}; "Service not found…" when it has none. */
    public ServiceInfo getService(String provider) {
        LedgerBroker.requireAddress(provider, "provider");
        return ServiceInfo.of(chain.call(() -> contract.getService(provider).send()));
    }

    private record Page(List<ServiceInfo> services, long total) {
    }

    private Page page(long offset, int limit) {
        Tuple2<List<InferenceServing.Service>, BigInteger> r = chain.call(
                () -> contract.getAllServices(BigInteger.valueOf(offset), BigInteger.valueOf(limit)).send());
        return new Page(r.component1().stream().map(ServiceInfo::of).toList(), r.component2().longValueExact());
    }
}
