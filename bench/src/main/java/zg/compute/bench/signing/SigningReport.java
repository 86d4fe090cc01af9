package zg.compute.bench.signing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import zg.compute.protocol.internal.secp256k1.Secp256k1;

/**
 * Runs {@link SigningBenchmark} briefly (2 forks × 3 iterations of 2 s after 3 warm-ups: the machine is shared) and
 * writes a Markdown table to {@code bench/reports/signing.md}, or the path given as the first argument. Run it with
 * {@code bench/run-signing.sh}: JMH forks JVMs with this JVM's class path, so it must start from a plain
 * {@code java -cp}.
 */
public final class SigningReport {

    private SigningReport() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        Path report = Path.of(args.length > 0 ? args[0] : "bench/reports/signing.md");
        Options options = new OptionsBuilder()
                .include(SigningBenchmark.class.getName())
                .forks(2)
                .warmupIterations(3).warmupTime(TimeValue.seconds(2))
                .measurementIterations(3).measurementTime(TimeValue.seconds(2))
                .threads(1)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        Files.createDirectories(report.toAbsolutePath().getParent());
        Files.writeString(report, markdown(results));
        System.out.println("wrote " + report);
    }

    private static final Map<String, String> WHAT = Map.of(
            "signWeb3j", "sign (EIP-191 hash, TEE key), web3j",
            "signNative", "sign (EIP-191 hash, TEE key), native",
            "recoverWeb3j", "recover signer key, web3j",
            "recoverNative", "recover signer key, native",
            "sha256Of4KiB", "SHA-256 of a 4 KiB response",
            "responseSignature", "ResponseSignature.sign (2 × SHA-256 + keccak + sign), selected");

    private static final String NOTE = "\nNative sign needs the recovery id (v) too, which libsecp256k1's JNI binding "
            + "does not return from its own sign. So it makes the nonce point itself: k by RFC 6979 (HMAC-SHA256, in "
            + "Java), R = k·G by libsecp256k1 (one fixed-base multiplication), r = R.x, v from the parity of R.y, "
            + "s = k⁻¹(z + r·d) by libsecp256k1's constant-time scalar operations (the one inverse, in Java, is of k "
            + "times a random blind, so its timing says nothing of k). Both give the same bytes (protocol `Secp256k1Test`, `Secp256k1Properties`, "
            + "which also checks the nonce against BouncyCastle's, the one web3j uses). The machine is shared, hence "
            + "the wide error bars.\n";

    private static final List<String> ORDER = List.of("signWeb3j", "signNative", "recoverWeb3j", "recoverNative",
            "sha256Of4KiB", "responseSignature");

    static String markdown(Collection<RunResult> results) {
        List<RunResult> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparingInt(r -> ORDER.indexOf(method(r))));
        StringBuilder md = new StringBuilder("# secp256k1 signing and recovery: web3j vs native libsecp256k1\n\n");
        md.append(String.format(Locale.ROOT, "Measured %s by `SigningBenchmark` (JMH, throughput, 1 thread, 2 forks × "
                + "3 × 2 s after 3 × 2 s warm-up) on %s, %d cores shared with other work, %s %s. "
                + "µs/op = 10⁶ / (ops/s). `selected` = what `Secp256k1.get()` chose here: %s.%n%n",
                LocalDate.now(), cpu(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"), Secp256k1.get().name()));
        md.append("| benchmark | what | ops/s | ± (99.9 %) | µs/op |\n|---|---|---:|---:|---:|\n");
        for (RunResult r : sorted) {
            double ops = r.getPrimaryResult().getScore();
            double err = r.getPrimaryResult().getScoreError();
            md.append(String.format(Locale.ROOT, "| `%s` | %s | %,.0f | %,.0f | %.2f |%n", method(r),
                    WHAT.getOrDefault(method(r), ""), ops, err, 1e6 / ops));
        }
        md.append(speedups(sorted));
        md.append(NOTE);
        md.append("\nReproduce: `bench/run-signing.sh` (add `-o` to keep Maven offline once dependencies are cached).\n");
        return md.toString();
    }

    private static String speedups(List<RunResult> sorted) {
        StringBuilder out = new StringBuilder("\n");
        for (String op : List.of("sign", "recover")) {
            double web3j = score(sorted, op + "Web3j");
            double nat = score(sorted, op + "Native");
            if (web3j > 0 && nat > 0) {
                out.append(String.format(Locale.ROOT, "Native %s is %.1f× web3j's throughput.%n", op, nat / web3j));
            }
        }
        return out.toString();
    }

    private static double score(List<RunResult> results, String method) {
        return results.stream().filter(r -> method(r).equals(method)).mapToDouble(r -> r.getPrimaryResult().getScore())
                .findFirst().orElse(0);
    }

    private static String method(RunResult r) {
        String label = r.getParams().getBenchmark();
        return label.substring(label.lastIndexOf('.') + 1);
    }

    private static String cpu() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse(System.getProperty("os.arch"));
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
    }
}
