package zg.compute.sdk.internal.chain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import zg.compute.protocol.chain.ContractRevertException;
import zg.compute.protocol.chain.RpcException;
import zg.compute.sdk.ContractErrorException;
import zg.compute.sdk.RpcErrorException;
import zg.compute.sdk.ZGComputeException;

/** Turns anything thrown by web3j or the protocol layer into the SDK's exception hierarchy. */
public final class Errors {

    private Errors() {
    }

    public static ZGComputeException translate(Throwable e, String rpcUrl) {
        if (e instanceof ZGComputeException z) {
            return z;
        }
        if (e instanceof ContractRevertException r) {
            return ContractErrorException.from(r);
        }
        if (e instanceof RpcException r) {
            return new RpcErrorException(FriendlyErrors.forRpc(stripPrefix(r.getMessage())), r.code(), r);
        }
        if (e instanceof UncheckedIOException u) {
            return translate(u.getCause(), rpcUrl);
        }
        if (e instanceof IOException io) {
            String why = io instanceof ConnectException ? "connection refused" : String.valueOf(io.getMessage());
            return new RpcErrorException("Cannot reach the RPC endpoint " + rpcUrl + ": " + why, -1, io);
        }
        if (e instanceof org.web3j.protocol.exceptions.ClientConnectionException c) {
            // web3j's wrapper for a non-2xx HTTP answer from the node.
            return new RpcErrorException("The RPC endpoint " + rpcUrl + " failed: " + c.getMessage(), -1, c);
        }
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new ZGComputeException("Interrupted", e);
        }
        if (e.getCause() != null && e.getCause() != e
                && (e.getCause() instanceof ContractRevertException || e.getCause() instanceof RpcException
                        || e.getCause() instanceof IOException)) {
            return translate(e.getCause(), rpcUrl);
        }
        return new ZGComputeException(String.valueOf(e.getMessage()), e);
    }

    private static String stripPrefix(String m) {
        // RpcException prefixes "RPC error <code>: "; the friendly text wants the node's own words.
        if (m != null && m.startsWith("RPC error ")) {
            int i = m.indexOf(": ");
            return i > 0 ? m.substring(i + 2) : m;
        }
        return m;
    }
}
