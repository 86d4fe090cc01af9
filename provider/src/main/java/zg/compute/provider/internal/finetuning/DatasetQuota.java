package zg.compute.provider.internal.finetuning;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.provider.internal.auth.RequestRejected;

/**
 * Disk space of uploaded datasets: at most {@code perUserBytes} per user and {@code totalBytes} in all,
 * counting what is stored plus uploads in flight (an upload reserves the most it may write before its body
 * is read), and expiry: a dataset no unfinished task uses and not used for {@code ttl} is deleted.
 */
public final class DatasetQuota {

    private static final Logger log = LoggerFactory.getLogger(DatasetQuota.class);

    /** Room for one upload: the body may be at most {@code bytes} long. */
    public record Lease(String user, long bytes) {
    }

    private final TaskFiles files;
    private final long maxDatasetBytes;
    private final long perUserBytes;
    private final long totalBytes;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Long> inFlight = new HashMap<>();

    public DatasetQuota(TaskFiles files, long maxDatasetBytes, long perUserBytes, long totalBytes, Duration ttl,
            Clock clock) {
        this.files = files;
        this.maxDatasetBytes = maxDatasetBytes;
        this.perUserBytes = perUserBytes;
        this.totalBytes = totalBytes;
        this.ttl = ttl;
        this.clock = clock;
    }

    /**
     * Reserves room for one upload of {@code user} (lower-case address).
     *
     * @param declared the body's Content-Length, -1 if not declared
     * @throws RequestRejected 413 when the declared body cannot fit, or nothing fits at all
     */
    public synchronized Lease reserve(String user, long declared) throws RequestRejected {
        long userFree = perUserBytes - sizeOf(files.datasets().resolve(user)) - inFlight.getOrDefault(user, 0L);
        long allFree = totalBytes - sizeOf(files.datasets()) - inFlight.values().stream().mapToLong(Long::longValue)
                .sum();
        long perFile = maxDatasetBytes + TaskHttp.MULTIPART_OVERHEAD;
        if (declared > perFile) {
            throw new RequestRejected(413, "request too large: a dataset may have at most " + maxDatasetBytes
                    + " bytes");
        }
        long room = Math.min(perFile, Math.min(userFree, allFree));
        if (room <= 0 || declared > room) {
            String which = userFree <= allFree ? "your datasets use " + (perUserBytes - Math.max(userFree, 0))
                    + " of the " + perUserBytes + " bytes a user may store" : "the provider's dataset storage is full";
            throw new RequestRejected(413, "dataset quota exceeded: " + which + "; an upload"
                    + (declared >= 0 ? " of " + declared + " bytes" : "") + " does not fit");
        }
        inFlight.merge(user, room, Long::sum);
        return new Lease(user, room);
    }

    public synchronized void release(Lease lease) {
        inFlight.computeIfPresent(lease.user(), (u, b) -> b - lease.bytes() <= 0 ? null : b - lease.bytes());
    }

    /**
     * Deletes every dataset unused for the TTL that no unfinished task needs, and upload leftovers older than
     * a day (a process that stopped mid-upload).
     *
     * @param inUse lower-case dataset paths of unfinished tasks
     * @return how many files were deleted
     */
    public int sweep(Set<Path> inUse) {
        long datasetCutoff = clock.millis() - ttl.toMillis();
        long uploadCutoff = clock.millis() - Duration.ofDays(1).toMillis();
        int deleted = deleteOlder(files.datasets(), datasetCutoff, inUse) + deleteOlder(files.uploads(), uploadCutoff,
                Set.of());
        if (deleted > 0) {
            log.info("dataset clean-up: deleted {} unused files", deleted);
        }
        return deleted;
    }

    private static int deleteOlder(Path dir, long cutoffMillis, Set<Path> keep) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int n = 0;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                if (!keep.contains(p) && Files.getLastModifiedTime(p).toMillis() < cutoffMillis
                        && Files.deleteIfExists(p)) {
                    n++;
                }
            }
        } catch (IOException e) {
            log.warn("dataset clean-up of {} incomplete: {}", dir, e.toString());
        }
        return n;
    }

    private static long sizeOf(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // deleted meanwhile
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
