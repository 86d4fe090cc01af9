package zg.compute.sdk;

/** Where to send OpenAI-compatible requests ({@code <url>/v1/proxy}) and which model to name. */
public record ServiceMetadata(String endpoint, String model) {
}
