package zg.compute.sdk;

/** The node refused a request (insufficient funds, nonce, …) or could not be reached. */
public class RpcErrorException extends ZGComputeException {

    private final int code;

    public RpcErrorException(String message, int code, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** JSON-RPC error code; -1 when the node was unreachable or gave none. */
    public int code() {
        return code;
    }
}
