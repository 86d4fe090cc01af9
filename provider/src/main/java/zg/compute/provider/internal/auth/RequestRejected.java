package zg.compute.provider.internal.auth;

/** A request the broker refuses, with the HTTP status and the exact {@code error} text. */
public class RequestRejected extends Exception {

    private final int status;

    public RequestRejected(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
