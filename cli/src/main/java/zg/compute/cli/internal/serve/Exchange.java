package zg.compute.cli.internal.serve;

/**
 * One completed request/response pair as it crossed the proxy.
 *
 * @param target       where it went
 * @param route        which route it took
 * @param request      the exact bytes sent upstream (after the model was replaced)
 * @param response     the exact bytes received from upstream (possibly content-encoded)
 * @param chatKey      the {@code ZG-Res-Key} header, null when the target sent none
 * @param completionId the answer's {@code id}, null when it has none
 * @param usageJson    the {@code usage} object as JSON, null when the response carries none
 * @param feeContent   what {@code processResponse} counts the fee from: the usage, or for image services the
 *                     request JSON (its {@code n} caps the pictures billed; null for a form: the pictures delivered)
 */
public record Exchange(Target target, Route route, byte[] request, byte[] response, String chatKey,
        String completionId, String usageJson, String feeContent) {

    long size() {
        return (long) request.length + response.length;
    }
}
