package zg.compute.cli.internal.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import zg.compute.protocol.http.ContentEncoding;
import zg.compute.sdk.internal.billing.ExchangeFacts;

/**
 * What the proxy needs from a chat response: the {@code usage} object (from the JSON body, or from the
 * last SSE chunk that carries one) and the completion {@code id}. The body is decoded here (gzip, deflate); the
 * reading itself is the SDK's {@link ExchangeFacts}, which {@code processExchange} uses too.
 *
 * @param usageJson    the usage object as JSON, null when absent or unreadable
 * @param completionId the completion id, null when absent
 */
record ResponseFacts(String usageJson, String completionId) {

    private static final int MAX_DECODED = 64 * 1024 * 1024;

    /** {@code sse}: the answer's Content-Type said event stream; a body of the other form yields nothing. */
    static ResponseFacts read(byte[] body, String contentEncoding, boolean sse) {
        byte[] decoded;
        try {
            decoded = ContentEncoding.decode(body, contentEncoding, MAX_DECODED);
        } catch (IOException e) {
            return new ResponseFacts(null, null);
        }
        boolean json = new String(decoded, StandardCharsets.UTF_8).stripLeading().startsWith("{");
        if (json == sse) {
            return new ResponseFacts(null, null);
        }
        ExchangeFacts f = ExchangeFacts.read(decoded);
        return new ResponseFacts(f.usageJson(), f.completionId());
    }
}
