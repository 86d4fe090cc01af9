package zg.compute.protocol.internal.secp256k1;

import java.math.BigInteger;
import java.util.concurrent.Callable;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/** What a signing or recovery call produced — its value or its exception's class and message — for comparing. */
record Outcome(String value, String exception) {

    static Outcome of(Callable<?> call) {
        try {
            return new Outcome(render(call.call()), null);
        } catch (Exception e) {
            return new Outcome(null, e.getClass().getName() + ": " + e.getMessage());
        }
    }

    private static String render(Object v) {
        if (v instanceof Sign.SignatureData s) {
            return Numeric.toHexString(s.getR()) + Numeric.toHexStringNoPrefix(s.getS())
                    + Numeric.toHexStringNoPrefix(s.getV());
        }
        if (v instanceof BigInteger b) {
            return b.toString(16);
        }
        return String.valueOf(v);
    }
}
