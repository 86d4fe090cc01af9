package zg.compute.backends.internal.embeddings;

/**
 * A request the server refuses, with the HTTP status and OpenAI error type to answer with. The message is
 * one line meant for the client; no stack trace is captured or sent.
 */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String type;

    public ApiError(int status, String type, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
    }

    public static ApiError badRequest(String message) {
        return new ApiError(400, "invalid_request_error", message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }
}
