package zg.compute.protocol.auth;

/** An app-sk token the provider must reject; the message is the exact text the broker returns. */
public class TokenException extends Exception {

    public TokenException(String reason) {
        super(reason);
    }
}
