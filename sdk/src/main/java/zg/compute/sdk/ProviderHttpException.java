package zg.compute.sdk;

/** A provider's HTTP endpoint failed: a non-2xx status (with the provider's text) or no answer. */
public class ProviderHttpException extends ZGComputeException {

    private final int status;

    public ProviderHttpException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** HTTP status; -1 when there was no response. */
    public int status() {
        return status;
    }
}
