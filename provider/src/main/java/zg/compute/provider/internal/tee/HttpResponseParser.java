package zg.compute.provider.internal.tee;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one HTTP/1.1 response out of the bytes received so far: the body is delimited by
 * {@code Content-Length}, by {@code Transfer-Encoding: chunked}, or by the end of the connection
 * (the request always says {@code Connection: close}).
 */
final class HttpResponseParser {

    /** More than any agent answer (a TDX quote is a few KiB, an event log some 100 KiB). */
    static final int MAX_RESPONSE = 16 * 1024 * 1024;

    /** One parsed response; header names are lower case. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private HttpResponseParser() {
    }

    /**
     * @param eof whether the peer closed the connection (no more bytes will come)
     * @return the response once complete; empty while more bytes are needed
     * @throws IOException when the bytes are not an HTTP response, or the connection closed early
     */
    static Optional<Response> parse(byte[] buf, int len, boolean eof) throws IOException {
        if (len > MAX_RESPONSE) {
            throw new IOException("response exceeds " + MAX_RESPONSE + " bytes");
        }
        int headerEnd = indexOf(buf, len, 0, "\r\n\r\n");
        if (headerEnd < 0) {
            if (eof) {
                throw new IOException(len == 0 ? "connection closed without a response"
                        : "connection closed in the middle of the response headers");
            }
            return Optional.empty();
        }
        String[] lines = new String(buf, 0, headerEnd, StandardCharsets.ISO_8859_1).split("\r\n");
        int status = statusOf(lines[0]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed response header line: " + abbreviate(lines[i]));
            }
            headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
        }
        int bodyStart = headerEnd + 4;
        if (status == 204 || status == 304) {
            return Optional.of(new Response(status, headers, new byte[0]));
        }
        String te = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
        Optional<byte[]> body;
        if (te.endsWith("chunked")) {
            body = dechunk(buf, bodyStart, len);
            if (body.isEmpty() && eof) {
                throw new IOException("connection closed in the middle of a chunked response body");
            }
        } else if (headers.containsKey("content-length")) {
            long declared = contentLength(headers.get("content-length"));
            if (len - bodyStart >= declared) {
                body = Optional.of(java.util.Arrays.copyOfRange(buf, bodyStart, bodyStart + (int) declared));
            } else if (eof) {
                throw new IOException("connection closed after " + (len - bodyStart) + " of " + declared
                        + " body bytes");
            } else {
                body = Optional.empty();
            }
        } else {
            body = eof ? Optional.of(java.util.Arrays.copyOfRange(buf, bodyStart, len)) : Optional.empty();
        }
        return body.map(b -> new Response(status, headers, b));
    }

    /** Decodes a chunked body starting at {@code pos}; empty while the terminating chunk has not arrived. */
    static Optional<byte[]> dechunk(byte[] buf, int pos, int len) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int lineEnd = indexOf(buf, len, pos, "\r\n");
            if (lineEnd < 0) {
                return Optional.empty();
            }
            String sizeLine = new String(buf, pos, lineEnd - pos, StandardCharsets.ISO_8859_1);
            int ext = sizeLine.indexOf(';');
            String hex = (ext >= 0 ? sizeLine.substring(0, ext) : sizeLine).trim();
            if (!hex.matches("[0-9a-fA-F]{1,7}")) {
                throw new IOException("malformed chunk size line: " + abbreviate(sizeLine));
            }
            int size = Integer.parseInt(hex, 16);
            pos = lineEnd + 2;
            if (size == 0) {
                // Optional trailer fields, then an empty line ends the body.
                while (true) {
                    int end = indexOf(buf, len, pos, "\r\n");
                    if (end < 0) {
                        return Optional.empty();
                    }
                    if (end == pos) {
                        return Optional.of(out.toByteArray());
                    }
                    pos = end + 2;
                }
            }
            if (len - pos < size + 2) {
                return Optional.empty();
            }
            if (buf[pos + size] != '\r' || buf[pos + size + 1] != '\n') {
                throw new IOException("chunk of " + size + " bytes is not followed by CRLF");
            }
            out.write(buf, pos, size);
            pos += size + 2;
        }
    }

    private static int statusOf(String statusLine) throws IOException {
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("\\d{3}")) {
            throw new IOException("not an HTTP/1.x response: " + abbreviate(statusLine));
        }
        return Integer.parseInt(parts[1]);
    }

    private static long contentLength(String value) throws IOException {
        if (!value.matches("\\d{1,9}")) {
            throw new IOException("malformed Content-Length: " + abbreviate(value));
        }
        return Long.parseLong(value);
    }

    private static int indexOf(byte[] buf, int len, int from, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.ISO_8859_1);
        outer:
        for (int i = from; i <= len - n.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (buf[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static String abbreviate(String s) {
        String t = s.replaceAll("[\\r\\n]+", " ").strip();
        return t.length() <= 200 ? t : t.substring(0, 200) + "…";
    }
}
