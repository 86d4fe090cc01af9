package zg.compute.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.sdk.Amount;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ServiceKind;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * SDK {@code getRequestHeaders} calls per second against one provider on the devnet: ours (Java SDK) and the
 * official TS SDK 0.9.0 ({@code interop/bench-request-headers.mjs}, node), each first plain (the default top-up check
 * before each header; ours reuses a covered check for up to 1 s) and then with auto-funding started (the check moves to a background timer). One user each.
 */
final class RequestHeadersBench {

    /** Calls per second, plain and with auto-funding. */
    record Rates(double plain, double autoFunding) {
    }

    private static final Pattern RESULT = Pattern.compile(
            "RESULT \\{\"plain\":\\{\"calls\":\\d+,\"perSecond\":([\\d.eE+-]+)\\},\"autoFunding\":\\{\"calls\":\\d+,\"perSecond\":([\\d.eE+-]+)\\}\\}");

    static Rates ours(Devnet d, Credentials user, String provider, int seconds) {
        try (ZGComputeNetworkBroker b = ZGComputeNetworkBroker.create(user, d.rpcUrl(), BrokerOptions.defaults())) {
            b.ledger().addLedger(Amount.og("10"));
            b.ledger().transferFund(provider, ServiceKind.INFERENCE, Amount.og("3"));
            b.inference().acknowledgeProviderSigner(provider);
            double plain = rate(() -> b.inference().getRequestHeaders(provider), seconds);
            b.inference().startAutoFunding(provider, Duration.ofSeconds(30), 2);
            double auto = rate(() -> b.inference().getRequestHeaders(provider), seconds);
            b.inference().stopAutoFunding(provider);
            return new Rates(plain, auto);
        }
    }

    private static double rate(java.util.function.Supplier<Map<String, String>> call, int seconds) {
        call.get(); // first session token
        long t0 = System.nanoTime();
        long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
        long calls = 0;
        while (System.nanoTime() < end) {
            if (!call.get().containsKey("Authorization")) {
                throw new IllegalStateException("no Authorization header");
            }
            calls++;
        }
        return calls / ((System.nanoTime() - t0) / 1e9);
    }

    static Rates official(Devnet d, Credentials user, String provider, int seconds, Path interop)
            throws IOException, InterruptedException {
        var c = d.contracts();
        ProcessBuilder pb = new ProcessBuilder(List.of("node", "bench-request-headers.mjs", d.rpcUrl(),
                c.ledger().proxy(), c.inference().proxy(), c.fineTuning().proxy(), provider, String.valueOf(seconds)))
                .directory(interop.toFile()).redirectErrorStream(true);
        pb.environment().put("PRIVATE_KEY",
                Numeric.toHexStringWithPrefixZeroPadded(user.getEcKeyPair().getPrivateKey(), 64));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds * 2L + 120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("the official SDK script did not finish");
        }
        Matcher m = RESULT.matcher(out);
        if (p.exitValue() != 0 || !m.find()) {
            throw new IOException("official SDK script failed (exit " + p.exitValue() + "): " + out.strip());
        }
        return new Rates(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)));
    }

    private RequestHeadersBench() {
    }
}
