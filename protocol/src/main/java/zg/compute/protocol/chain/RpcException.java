package zg.compute.protocol.chain;

/** A JSON-RPC error that is not a contract revert (insufficient funds, nonce too low, ...). */
public class RpcException extends RuntimeException {

    private final int code;

    public RpcException(int code, String message) {
        super("RPC error " + code + ": " + message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
