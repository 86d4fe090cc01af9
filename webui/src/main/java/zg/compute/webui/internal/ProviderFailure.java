package zg.compute.webui.internal;

/** The provider could not be reached or refused the request: a 502 for the page, with a message a person can act on. */
public final class ProviderFailure extends RuntimeException {

    public ProviderFailure(String message) {
        super(message);
    }
}
