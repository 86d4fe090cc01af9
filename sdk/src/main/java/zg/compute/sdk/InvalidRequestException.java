package zg.compute.sdk;

/** The caller asked for something the SDK refuses before touching the chain (bad amount, token id, …). */
public class InvalidRequestException extends ZGComputeException {

    public InvalidRequestException(String message) {
        super(message);
    }
}
