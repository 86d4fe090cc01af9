package zg.compute.provider.internal.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Broker-hosted images ({@code response_format: url}, services-and-ui.md A.2): the decoded pictures of one
 * response in {@code <dir>/<chatKey>/<i>}, served at {@code <servingUrl>/v1/proxy/images/<chatKey>/<i>} for
 * {@code ttl}, the whole directory bounded by {@code maxBytes}. Lookups accept only a lower-case UUID and a
 * small index, so no request path can name a file outside the directory.
 */
public final class HostedImages {

    private static final Pattern CHAT_KEY = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern INDEX = Pattern.compile("0|[1-9][0-9]?");
    private static final String TMP = ".tmp-";

    /** A stored image: its file, size and the media type read from its first bytes. */
    public record Image(Path file, long size, String contentType) {
    }

    private final Path dir;
    private final Duration ttl;
    private final long maxBytes;
    private final Clock clock;
    private final String urlPrefix;
    private long total; // guarded by this

    private HostedImages(Path dir, Duration ttl, long maxBytes, Clock clock, String servingUrl) {
        this.dir = dir;
        this.ttl = ttl;
        this.maxBytes = maxBytes;
        this.clock = clock;
        this.urlPrefix = servingUrl.replaceAll("/+$", "") + "/v1/proxy/images/";
    }

    /** Creates the directory if needed and counts what it holds (images of an earlier run stay until they expire). */
    public static HostedImages open(Path dir, Duration ttl, long maxBytes, Clock clock, String servingUrl)
            throws IOException {
        Files.createDirectories(dir);
        if (!Files.isWritable(dir)) {
            throw new IOException(dir + " is not writable");
        }
        HostedImages h = new HostedImages(dir, ttl, maxBytes, clock, servingUrl);
        h.prune();
        return h;
    }

    /**
     * Stores the images of response {@code chatKey} and returns their URLs (index order). Expired images are
     * pruned first when the directory is full; if they still do not fit, nothing is stored.
     *
     * @throws IOException the images do not fit or cannot be written
     */
    public synchronized List<String> put(String chatKey, List<byte[]> images) throws IOException {
        if (!CHAT_KEY.matcher(chatKey).matches() || images.size() > 100) {
            throw new IllegalArgumentException("not a chat key or too many images: " + chatKey);
        }
        long size = images.stream().mapToLong(b -> b.length).sum();
        if (total + size > maxBytes) {
            prune();
            if (total + size > maxBytes) {
                throw new IOException("image store full: " + total + " of " + maxBytes + " bytes used, "
                        + size + " more needed");
            }
        }
        Path tmp = dir.resolve(TMP + chatKey);
        Files.createDirectories(tmp);
        try {
            for (int i = 0; i < images.size(); i++) {
                Files.write(tmp.resolve(Integer.toString(i)), images.get(i));
            }
            Files.setLastModifiedTime(tmp, FileTime.fromMillis(clock.millis()));
            Files.move(tmp, dir.resolve(chatKey), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            delete(tmp);
            throw e;
        }
        total += size;
        List<String> urls = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            urls.add(urlPrefix + chatKey + "/" + i);
        }
        return urls;
    }

    /** The image, if {@code chatKey}/{@code index} name one that has not expired. */
    public Optional<Image> find(String chatKey, String index) {
        if (chatKey == null || index == null || !CHAT_KEY.matcher(chatKey).matches()
                || !INDEX.matcher(index).matches()) {
            return Optional.empty();
        }
        Path response = dir.resolve(chatKey);
        Path file = response.resolve(index);
        try {
            if (expired(response)) {
                return Optional.empty();
            }
            long size = Files.size(file);
            byte[] head = new byte[12];
            int n;
            try (InputStream in = Files.newInputStream(file)) {
                n = in.readNBytes(head, 0, head.length);
            }
            return Optional.of(new Image(file, size, mediaType(head, n)));
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes expired responses (and unfinished writes) and recounts the bytes held; returns how many went. */
    public synchronized int prune() throws IOException {
        int removed = 0;
        long held = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                boolean response = CHAT_KEY.matcher(name).matches();
                if (!Files.isDirectory(p) || !(response || name.startsWith(TMP))) {
                    continue; // not ours: left alone
                }
                if (name.startsWith(TMP) || expired(p)) {
                    delete(p);
                    removed++;
                } else {
                    held += size(p);
                }
            }
        }
        total = held;
        return removed;
    }

    private boolean expired(Path response) throws IOException {
        return Files.getLastModifiedTime(response).toMillis() + ttl.toMillis() <= clock.millis();
    }

    private static long size(Path response) throws IOException {
        try (Stream<Path> files = Files.list(response)) {
            long sum = 0;
            for (Path f : (Iterable<Path>) files::iterator) {
                sum += Files.size(f);
            }
            return sum;
        }
    }

    private static void delete(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static String mediaType(byte[] h, int n) {
        if (n >= 8 && (h[0] & 0xff) == 0x89 && h[1] == 'P' && h[2] == 'N' && h[3] == 'G') {
            return "image/png";
        }
        if (n >= 3 && (h[0] & 0xff) == 0xff && (h[1] & 0xff) == 0xd8 && (h[2] & 0xff) == 0xff) {
            return "image/jpeg";
        }
        if (n >= 12 && h[0] == 'R' && h[1] == 'I' && h[2] == 'F' && h[3] == 'F' && h[8] == 'W' && h[9] == 'E'
                && h[10] == 'B' && h[11] == 'P') {
            return "image/webp";
        }
        if (n >= 4 && h[0] == 'G' && h[1] == 'I' && h[2] == 'F' && h[3] == '8') {
            return "image/gif";
        }
        return "application/octet-stream";
    }
}
