package zg.compute.protocol.finetuning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Counts the training tokens of a dataset with a real BPE tokenizer that ships with its vocabulary (jtokkit's
 * {@code cl100k_base}): every string value of every JSONL line ({@code instruction}/{@code input}/{@code output},
 * {@code messages[].content}, {@code text}; not the {@code role} names). A {@code .zip} (the other form providers
 * take) is read while streaming, with caps on inflated bytes and entries so a zip bomb cannot exhaust memory.
 * The official {@code calculate-token} downloads a model-specific tokenizer from 0G Storage instead, which cannot
 * work offline; this is the estimate this build gives.
 */
public final class DatasetTokenCounter {

    /** @param lines non-blank JSONL lines counted */
    public record Count(long tokens, long lines) {
    }

    public static final long MAX_INFLATED_BYTES = 1L << 30;
    public static final int MAX_ZIP_ENTRIES = 10_000;
    public static final int MAX_LINE_CHARS = 8 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

    public String tokenizer() {
        return "cl100k_base (BPE)";
    }

    /** @throws IllegalArgumentException a line that is not a JSON object, or a zip over the caps */
    public Count count(Path dataset) throws IOException {
        if (isZip(dataset)) {
            return countZip(dataset);
        }
        try (InputStream in = Files.newInputStream(dataset)) {
            return countLines(in, dataset.getFileName().toString(), new long[1], Long.MAX_VALUE);
        }
    }

    private Count countZip(Path dataset) throws IOException {
        long tokens = 0;
        long lines = 0;
        int entries = 0;
        long[] inflated = new long[1];
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(dataset))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (++entries > MAX_ZIP_ENTRIES) {
                    throw new IllegalArgumentException("the zip has more than " + MAX_ZIP_ENTRIES + " entries");
                }
                String name = e.getName();
                if (e.isDirectory() || !(name.endsWith(".jsonl") || name.endsWith(".json"))) {
                    continue;
                }
                Count c = countLines(zip, name, inflated, MAX_INFLATED_BYTES);
                tokens += c.tokens();
                lines += c.lines();
            }
        }
        return new Count(tokens, lines);
    }

    private Count countLines(InputStream raw, String name, long[] read, long cap) throws IOException {
        InputStream capped = new InputStream() {
            @Override
            public int read() throws IOException {
                int b = raw.read();
                if (b >= 0 && ++read[0] > cap) {
                    throw new IllegalArgumentException("the dataset inflates to more than " + cap + " bytes");
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = raw.read(buf, off, len);
                if (n > 0 && (read[0] += n) > cap) {
                    throw new IllegalArgumentException("the dataset inflates to more than " + cap + " bytes");
                }
                return n;
            }
        };
        BufferedReader reader = new BufferedReader(new InputStreamReader(capped, StandardCharsets.UTF_8));
        long tokens = 0;
        long lines = 0;
        long number = 0;
        for (String line; (line = readLine(reader, name, number + 1)) != null; ) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                n = null;
            }
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException(name + " line " + number + " is not a JSON object");
            }
            tokens += tokens(n);
            lines++;
        }
        return new Count(tokens, lines);
    }

    /** A line of at most {@link #MAX_LINE_CHARS} characters, so one endless line cannot exhaust memory. */
    private static String readLine(BufferedReader reader, String name, long number) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = reader.read()) >= 0; ) {
            if (c == '\n') {
                return line.toString();
            }
            if (line.length() >= MAX_LINE_CHARS) {
                throw new IllegalArgumentException(name + " line " + number + " is longer than " + MAX_LINE_CHARS
                        + " characters");
            }
            line.append((char) c);
        }
        return line.length() == 0 ? null : line.toString();
    }

    private long tokens(JsonNode n) {
        if (n.isTextual()) {
            return encoding.countTokensOrdinary(n.asText());
        }
        long sum = 0;
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (!f.getKey().equals("role")) {
                    sum += tokens(f.getValue());
                }
            }
        } else if (n.isArray()) {
            for (JsonNode c : n) {
                sum += tokens(c);
            }
        }
        return sum;
    }

    private static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        }
    }
}
