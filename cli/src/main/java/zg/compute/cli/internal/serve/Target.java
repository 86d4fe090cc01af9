package zg.compute.cli.internal.serve;

import java.util.Map;
import zg.compute.sdk.ResponseVerification;

/**
 * One place a chat completion can be sent: an on-chain provider (through the SDK) or a direct
 * OpenAI-compatible endpoint. The blocking methods run on a worker thread, never on the event loop.
 */
public interface ChatTarget {

    /** The provider address, or the endpoint's id. */
    String id();

    /** {@code provider} or {@code endpoint}, as {@code /v1/providers/status} shows it. */
    String type();

    /** The model the target serves; it replaces the client's {@code model}. */
    String model();

    /** Absolute URL of the target's {@code /chat/completions}. */
    String chatUrl();

    /** Headers that authorise one request (blocking: may sign a session token). */
    Map<String, String> requestHeaders();

    /**
     * Billing and verification after a successful response has reached the client (blocking). Returns
     * one line for the log; it must never contain a key or token.
     */
    String settle(Exchange exchange);

    /** Whether the target's signer signed exactly these request/response bytes (blocking). */
    ResponseVerification verify(Exchange exchange);
}
