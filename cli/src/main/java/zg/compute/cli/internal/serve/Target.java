package zg.compute.cli.internal.serve;

import java.util.Map;
import zg.compute.sdk.ResponseVerification;

/**
 * One place a paid request can be sent: an on-chain provider (through the SDK) or a direct OpenAI-compatible
 * endpoint. The blocking methods run on a worker thread, never on the event loop.
 */
public interface Target {

    /** The provider address, or the endpoint's id. */
    String id();

    /** {@code provider} or {@code endpoint}, as {@code /v1/providers/status} shows it. */
    String kind();

    /** The on-chain service type it serves ({@code chatbot}, {@code text-to-image}, …): which route it answers. */
    String serviceType();

    /** The model the target serves; it replaces the client's {@code model}. */
    String model();

    /** The model to send for a client that asked for {@code requested} (null: none): by default {@link #model()}. */
    default String modelFor(String requested) {
        return model();
    }

    /** The OpenAI base URL a {@link Route#path()} is appended to (a provider's {@code <url>/v1/proxy}). */
    String baseUrl();

    /**
     * Where the provider's async image jobs live ({@code <service url>/v1/async}, services-and-ui.md A.4), or null
     * when the target has none (a direct endpoint).
     */
    default String asyncUrl() {
        return null;
    }

    /** Headers that authorise one request (blocking: may sign a session token). */
    Map<String, String> requestHeaders();

    /**
     * Billing and verification after a successful response has reached the client (blocking). Returns
     * one line for the log; it must never contain a key or token.
     */
    String settle(Exchange exchange);

    /** Whether the target's signer signed exactly these request/response bytes (blocking; bills nothing). */
    ResponseVerification verify(Exchange exchange);
}
