package zg.compute.cli.internal.serve;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client's {@code multipart/form-data} body, read only as far as the proxy needs: which parts it names and where
 * each starts and ends, so the {@code model} part can be replaced by the target's while every other byte (files
 * included) passes unchanged.
 */
final class FormBody {

    private static final Pattern BOUNDARY = Pattern.compile("(?i)(?:^|;)\\s*boundary\\s*=\\s*(\"([^\"]*)\"|[^;\\s]+)");
    private static final Pattern NAME = Pattern.compile("(?i)(?:^|;)\\s*name\\s*=\\s*(\"([^\"]*)\"|[^;\\s]+)");
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    /** One part: its field name and its bytes from its delimiter line up to the next delimiter. */
    private record Part(String name, int start, int end) {
    }

    private final byte[] body;
    private final String contentType;
    private final String boundary;
    private final List<Part> parts;
    /** Where the closing delimiter {@code --boundary--} starts. */
    private final int closing;

    private FormBody(byte[] body, String contentType, String boundary, List<Part> parts, int closing) {
        this.body = body;
        this.contentType = contentType;
        this.boundary = boundary;
        this.parts = parts;
        this.closing = closing;
    }

    static boolean isForm(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
    }

    /** @throws IllegalArgumentException with a one-line reason when the body is not a complete form */
    static FormBody parse(byte[] body, String contentType) {
        Matcher m = BOUNDARY.matcher(contentType);
        if (!m.find()) {
            throw new IllegalArgumentException("the multipart Content-Type has no boundary");
        }
        String boundary = m.group(2) != null ? m.group(2) : m.group(1);
        if (boundary.isEmpty() || boundary.length() > 70) { // RFC 2046: 1 to 70 characters
            throw new IllegalArgumentException("the multipart boundary must be 1 to 70 characters");
        }
        byte[] dash = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        // the first delimiter opens the body or follows a preamble line
        int at = startsWith(body, 0, dash) ? 0 : indexOf(body, delimiter, 0);
        if (at < 0) {
            throw new IllegalArgumentException("the multipart body does not contain its boundary");
        }
        at = at == 0 && startsWith(body, 0, dash) ? 0 : at + 2; // after a preamble: skip the CRLF
        List<Part> parts = new ArrayList<>();
        while (true) {
            int after = at + dash.length;
            if (startsWith(body, after, new byte[] {'-', '-'})) {
                return new FormBody(body, contentType, boundary, parts, at);
            }
            int headers = indexOf(body, CRLF, after);
            int headersEnd = headers < 0 ? -1 : indexOf(body, HEADER_END, headers);
            if (headersEnd < 0) {
                throw new IllegalArgumentException("a multipart part has no header end");
            }
            String head = new String(body, headers + 2, headersEnd - headers, StandardCharsets.UTF_8);
            int next = indexOf(body, delimiter, headersEnd + 4);
            if (next < 0) {
                throw new IllegalArgumentException("the multipart body is incomplete (no closing boundary)");
            }
            parts.add(new Part(name(head), at, next + 2));
            at = next + 2;
        }
    }

    /** Whether a part named {@code name} is present. */
    boolean has(String name) {
        return parts.stream().anyMatch(p -> name.equals(p.name()));
    }

    String contentType() {
        return contentType;
    }

    /** The same form with every {@code name} part removed and one {@code name=value} part before the end. */
    byte[] withField(String name, String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 128);
        int from = 0;
        for (Part p : parts) {
            if (name.equals(p.name())) {
                out.write(body, from, p.start() - from);
                from = p.end();
            }
        }
        out.write(body, from, closing - from);
        out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(CRLF);
        out.write(body, closing, body.length - closing);
        return out.toByteArray();
    }

    /** The {@code name} of a part's {@code Content-Disposition: form-data} header, null when it has none. */
    private static String name(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-disposition")) {
                Matcher m = NAME.matcher(line.substring(colon + 1));
                if (m.find()) {
                    return m.group(2) != null ? m.group(2) : m.group(1);
                }
            }
        }
        return null;
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at < 0 || at + prefix.length > b.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= b.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (b[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
