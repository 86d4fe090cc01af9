package zg.compute.cli.internal.serve;

import java.util.Map;
import zg.compute.sdk.ResponseVerification;

/** A direct OpenAI-compatible endpoint: {@code Authorization: Bearer <apikey>}, nothing to bill or verify. */
public final class EndpointTarget implements ChatTarget {

    private final String id;
    private final String baseUrl;
    private final String apiKey;
    private final String model;

    public EndpointTarget(String id, String baseUrl, String apiKey, String model) {
        this.id = id;
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.apiKey = apiKey;
        this.model = model;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String type() {
        return "endpoint";
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public String chatUrl() {
        return baseUrl + "/chat/completions";
    }

    @Override
    public Map<String, String> requestHeaders() {
        return apiKey == null || apiKey.isEmpty() ? Map.of() : Map.of("Authorization", "Bearer " + apiKey);
    }

    @Override
    public String settle(Exchange e) {
        return "chat " + e.completionId() + " from endpoint " + id + " (direct endpoint: not billed on chain)";
    }

    @Override
    public ResponseVerification verify(Exchange e) {
        return ResponseVerification.REJECTED; // a plain endpoint signs nothing
    }
}
