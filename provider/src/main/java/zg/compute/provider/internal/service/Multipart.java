package zg.compute.provider.internal.service;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import zg.compute.provider.internal.auth.RequestRejected;

/**
 * A {@code multipart/form-data} body read for billing (RFC 7578): every part with its name, filename and
 * bytes, so a field can be read unambiguously (a duplicated {@code n} is an error, not a discount) and
 * the body can be rebuilt with a field replaced. Works on the bytes already held under the body limit.
 */
public record Multipart(String boundary, List<Part> parts) {

    private static final Pattern BOUNDARY = Pattern.compile("boundary=(\"([^\"]+)\"|([^;\\s]+))",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern NAME = Pattern.compile("[;\\s]name=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern FILENAME = Pattern.compile("filename=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);

    /** One part: its raw header block (kept for rebuilding) and its content. */
    public record Part(String name, String filename, String headers, byte[] data) {
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    public static boolean isMultipart(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
    }

    public static Multipart parse(byte[] body, String contentType) throws RequestRejected {
        Matcher m = contentType == null ? null : BOUNDARY.matcher(contentType);
        if (m == null || !m.find()) {
            throw bad("no boundary in Content-Type");
        }
        String boundary = m.group(2) != null ? m.group(2) : m.group(3);
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int pos = indexOf(body, delimiter, 0);
        if (pos < 0) {
            throw bad("boundary not found in the body");
        }
        List<Part> parts = new ArrayList<>();
        while (true) {
            int after = pos + delimiter.length;
            if (after + 2 <= body.length && body[after] == '-' && body[after + 1] == '-') {
                return new Multipart(boundary, List.copyOf(parts)); // closing delimiter
            }
            int headersStart = skipLineEnd(body, after);
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headersStart);
            if (headersEnd < 0) {
                throw bad("a part has no header end");
            }
            int next = indexOf(body, ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1), headersEnd + 4);
            if (next < 0) {
                throw bad("a part is not closed by the boundary");
            }
            String headers = new String(body, headersStart, headersEnd - headersStart, StandardCharsets.UTF_8);
            String disposition = headers.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-disposition:"))
                    .findFirst().orElseThrow(() -> bad("a part has no Content-Disposition"));
            Matcher name = NAME.matcher(disposition);
            if (!name.find()) {
                throw bad("a part has no name");
            }
            Matcher file = FILENAME.matcher(disposition);
            byte[] data = java.util.Arrays.copyOfRange(body, headersEnd + 4, next);
            parts.add(new Part(name.group(1), file.find() ? file.group(1) : null, headers, data));
            pos = next + 2;
        }
    }

    /** The one part with this name; empty if absent; 400 with {@code ambiguous} if it appears twice. */
    public Optional<Part> single(String name, String ambiguous) throws RequestRejected {
        Part found = null;
        for (Part p : parts) {
            if (p.name().equals(name)) {
                if (found != null) {
                    throw new RequestRejected(400, ambiguous);
                }
                found = p;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The body again, with the text field {@code name} set to {@code value} (added if absent). */
    public byte[] withField(String name, String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean replaced = false;
        for (Part p : parts) {
            if (p.name().equals(name)) {
                if (!replaced) {
                    writePart(out, p.headers(), value.getBytes(StandardCharsets.UTF_8));
                    replaced = true;
                }
            } else {
                writePart(out, p.headers(), p.data());
            }
        }
        if (!replaced) {
            writePart(out, "Content-Disposition: form-data; name=\"" + name + "\"", value.getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    private void writePart(ByteArrayOutputStream out, String headers, byte[] data) {
        out.writeBytes(("--" + boundary + "\r\n" + headers + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(data);
        out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    private static int skipLineEnd(byte[] b, int i) {
        if (i < b.length && b[i] == '\r') {
            i++;
        }
        if (i < b.length && b[i] == '\n') {
            i++;
        }
        return i;
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static RequestRejected bad(String why) {
        return new RequestRejected(400, "invalid multipart body: " + why);
    }
}
