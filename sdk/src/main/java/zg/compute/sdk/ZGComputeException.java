package zg.compute.sdk;

/**
 * Root of every error the SDK throws. The message is meant for people (decoded contract errors
 * become plain words); the cause keeps the technical detail.
 */
public class ZGComputeException extends RuntimeException {

    public ZGComputeException(String message) {
        super(message);
    }

    public ZGComputeException(String message, Throwable cause) {
        super(message, cause);
    }
}
