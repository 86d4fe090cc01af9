package zg.compute.cli.internal.serve;

import java.util.Map;
import zg.compute.sdk.ResponseVerification;

/** A direct OpenAI-compatible endpoint: {@code Authorization: Bearer <apikey>}, nothing to bill or verify. */
public final class EndpointTarget implements Target {

    private final String id;
    private final String baseUrl;
    private final String apiKey;
    private final String model;
    private final String serviceType;

    public EndpointTarget(String id, String baseUrl, String apiKey, String model, String serviceType) {
        this.id = id;
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.apiKey = apiKey;
        this.model = model;
        this.serviceType = serviceType;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String kind() {
        return "endpoint";
    }

    @Override
    public String serviceType() {
        return serviceType;
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public String baseUrl() {
        return baseUrl;
    }

    @Override
    public Map<String, String> requestHeaders() {
        return apiKey == null || apiKey.isEmpty() ? Map.of() : Map.of("Authorization", "Bearer " + apiKey);
    }

    @Override
    public String settle(Exchange e) {
        return e.route().label() + " " + (e.completionId() != null ? e.completionId() : "(no id)") + " from endpoint "
                + id + " (direct endpoint: not billed on chain)";
    }

    @Override
    public ResponseVerification verify(Exchange e) {
        return ResponseVerification.REJECTED; // a plain endpoint signs nothing
    }
}
