package zg.compute.protocol.finetuning;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Streams a dataset (a file, or every file of a zip) line by line in bounded memory, for the token counter and the
 * trainers alike. A zip may inflate to at most {@link Limits#maxInflatedBytes} and hold at most
 * {@link Limits#maxEntries} entries (a 1 MB zip of one 1 GiB entry used to be inflated into memory and took the
 * provider down); a line longer than {@value #MAX_LINE} bytes is handed over as {@code null}, never buffered whole.
 */
public final class DatasetReader {

    public static final int MAX_LINE = 1 << 20;

    /** Caps on what one dataset may expand to. */
    public record Limits(long maxInflatedBytes, int maxEntries) {
        public static final Limits DEFAULT = new Limits(512L << 20, 10_000);
    }

    /** The dataset cannot be read as it is (over a cap, not JSON lines): retrying cannot help. */
    public static final class Unreadable extends Exception {
        public Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    /** What a reader does with the lines; {@link #fileStart} precedes the lines of each file (zip entry). */
    public interface Visitor {
        /** @param entry the zip entry's name, or null when the dataset is not a zip */
        default void fileStart(String entry) throws Unreadable {
        }

        /**
         * @param line   one line without its {@code \n}, or null if it was longer than {@value #MAX_LINE} bytes
         * @param number its 1-based number in the current file
         */
        void line(String line, long number) throws Unreadable;
    }

    private final Limits limits;

    public DatasetReader(Limits limits) {
        this.limits = limits;
    }

    public DatasetReader() {
        this(Limits.DEFAULT);
    }

    public void read(Path dataset, Visitor visitor) throws IOException, Unreadable {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(dataset), 1 << 16)) {
            in.mark(4);
            byte[] magic = in.readNBytes(4);
            in.reset();
            long[] budget = {limits.maxInflatedBytes()};
            if (magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) {
                int entries = 0;
                try (ZipInputStream zip = new ZipInputStream(in)) {
                    for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                        if (++entries > limits.maxEntries()) {
                            throw new Unreadable("dataset zip has more than " + limits.maxEntries() + " entries");
                        }
                        if (!e.isDirectory()) {
                            visitor.fileStart(e.getName());
                            stream(zip, budget, visitor);
                        }
                    }
                }
                return;
            }
            visitor.fileStart(null);
            stream(in, budget, visitor);
        }
    }

    private void stream(InputStream in, long[] budget, Visitor visitor) throws IOException, Unreadable {
        byte[] buf = new byte[1 << 16];
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean tooLong = false;
        long number = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            budget[0] -= n;
            if (budget[0] < 0) {
                throw new Unreadable("dataset inflates to more than " + limits.maxInflatedBytes() + " bytes");
            }
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    tooLong = append(line, buf, start, i - start, tooLong);
                    visitor.line(tooLong ? null : line.toString(StandardCharsets.UTF_8), ++number);
                    line.reset();
                    tooLong = false;
                    start = i + 1;
                }
            }
            tooLong = append(line, buf, start, n - start, tooLong);
        }
        if (tooLong || line.size() > 0) {
            visitor.line(tooLong ? null : line.toString(StandardCharsets.UTF_8), ++number);
        }
    }

    private static boolean append(ByteArrayOutputStream line, byte[] buf, int from, int len, boolean tooLong) {
        if (tooLong || line.size() + len > MAX_LINE) {
            line.reset();
            return true;
        }
        line.write(buf, from, len);
        return false;
    }
}
