package zg.compute.protocol.chain;

import org.web3j.protocol.core.Response;

/** Pulls the revert payload out of a JSON-RPC error object. */
final class RpcErrors {

    private RpcErrors() {
    }

    /** The 0x-hex revert data of an execution error, or {@code null} when the error carries none. */
    static String revertData(Response.Error error) {
        if (error == null) {
            return null;
        }
        String data = error.getData();
        if (data != null) {
            data = data.trim();
            if (data.startsWith("\"") && data.endsWith("\"")) {
                data = data.substring(1, data.length() - 1);
            }
            if (data.startsWith("0x")) {
                return data;
            }
        }
        // Some nodes only embed the payload in the message: "execution reverted: custom error 0x...".
        String message = error.getMessage();
        if (message != null) {
            int i = message.indexOf("0x");
            if (i >= 0 && message.contains("revert")) {
                String hex = message.substring(i).split("[^0-9a-fA-Fx]", 2)[0];
                if (hex.length() >= 10) {
                    return hex;
                }
            }
        }
        return null;
    }

    static boolean isRevert(Response.Error error) {
        if (error == null) {
            return false;
        }
        String m = error.getMessage() == null ? "" : error.getMessage().toLowerCase();
        return error.getCode() == 3 || m.contains("revert");
    }
}
