package zg.compute.bench.load;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the broker's CPU goes, from a JFR recording: each execution sample is charged to the first frame (from the
 * top of the stack) that belongs to a known component, so time inside SQLite's JNI, secp256k1, JSON or Netty
 * lands there even when called from the broker's code. Java samples count as they come; native samples
 * ({@code jdk.NativeMethodSample}) only inside SQLite or secp256k1, the rest of them being threads that wait.
 */
final class Profile {

    /** A component's share of the CPU samples, and the hottest method seen in it. */
    record Share(String component, double percent, String hottest) {
    }

    private static final String[][] COMPONENTS = {
        {"org.sqlite.", "SQLite (JDBC + native)"},
        {"org.flywaydb.", "SQLite (JDBC + native)"},
        {"fr.acinq.", "secp256k1 signing (native)"},
        {"org.bouncycastle.", "crypto (BouncyCastle: keccak, web3j EC)"},
        {"org.web3j.crypto.", "crypto (BouncyCastle: keccak, web3j EC)"},
        {"com.fasterxml.jackson.", "JSON (Jackson)"},
        {"io.vertx.core.json.", "JSON (Jackson)"},
        {"zg.compute.provider.internal.billing.", "broker: parsing, usage, reservation"},
        {"zg.compute.provider.internal.store.", "broker: store"},
        {"zg.compute.provider.internal.auth.", "broker: auth"},
        {"zg.compute.provider.", "broker: other"},
        {"zg.compute.protocol.", "protocol (signature text, hashes)"},
        {"io.netty.", "HTTP (Netty)"},
        {"io.vertx.", "HTTP (Vert.x)"},
        {"sun.nio.", "socket I/O (JDK)"},
        {"java.security.", "JDK security (SHA-256, SecureRandom)"},
        {"sun.security.", "JDK security (SHA-256, SecureRandom)"},
        {"java.util.zip.", "compression (JDK)"},
    };

    static List<Share> read(Path jfr) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        Map<String, Map<String, Integer>> methods = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            String type0 = e.getEventType().getName();
            boolean java = type0.equals("jdk.ExecutionSample");
            if (!java && !type0.equals("jdk.NativeMethodSample") || e.getStackTrace() == null) {
                continue;
            }
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            // Native samples are mostly threads waiting (epoll, accept); only SQLite's and secp256k1's are work.
            if (frames.isEmpty() || !java && frames.stream().map(f -> f.getMethod().getType().getName())
                    .noneMatch(t -> t.startsWith("org.sqlite.") || t.startsWith("fr.acinq."))) {
                continue;
            }
            total++;
            String component = "other (JDK, GC-free Java code elsewhere)";
            RecordedFrame hit = frames.get(0);
            outer:
            for (RecordedFrame f : frames) {
                String type = f.getMethod().getType().getName();
                for (String[] c : COMPONENTS) {
                    if (type.startsWith(c[0])) {
                        component = c[1];
                        hit = f;
                        break outer;
                    }
                }
            }
            counts.merge(component, 1, Integer::sum);
            String m = hit.getMethod().getType().getName() + "." + hit.getMethod().getName();
            methods.computeIfAbsent(component, k -> new HashMap<>()).merge(m, 1, Integer::sum);
        }
        List<Share> shares = new ArrayList<>();
        for (var c : counts.entrySet()) {
            String hottest = methods.get(c.getKey()).entrySet().stream().max(Map.Entry.comparingByValue())
                    .map(Map.Entry::getKey).orElse("");
            shares.add(new Share(c.getKey(), 100.0 * c.getValue() / Math.max(1, total), hottest));
        }
        shares.sort((a, b) -> Double.compare(b.percent(), a.percent()));
        return shares;
    }

    private Profile() {
    }
}
