package zg.compute.cli.internal.serve;

/**
 * One completed request/response pair as it crossed the proxy.
 *
 * @param target       where it went
 * @param request      the exact bytes sent upstream (after the model was replaced)
 * @param response     the exact bytes received from upstream (possibly content-encoded)
 * @param chatKey      the {@code ZG-Res-Key} header, null when the target sent none
 * @param completionId the completion's {@code id}, null when it has none
 * @param usageJson    the {@code usage} object as JSON, null when the response carries none
 */
public record Exchange(ChatTarget target, byte[] request, byte[] response, String chatKey, String completionId,
        String usageJson) {

    long size() {
        return (long) request.length + response.length;
    }
}
