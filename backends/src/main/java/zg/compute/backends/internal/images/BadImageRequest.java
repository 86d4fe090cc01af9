package zg.compute.backends.internal.images;

/** A request this server refuses with 400 and the one-line {@link #getMessage() message}. */
public final class BadImageRequest extends Exception {

    public BadImageRequest(String message) {
        super(message, null, false, false);
    }
}
