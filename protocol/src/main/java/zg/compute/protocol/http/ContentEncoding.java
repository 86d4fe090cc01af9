package zg.compute.protocol.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import org.brotli.dec.BrotliInputStream;

/**
 * Decodes a chat response body as the client received it ({@code Content-Encoding} none, gzip, deflate or br),
 * so usage can be read from it. Both the provider's billing and the local {@code inference serve} proxy read
 * usage this way; the bytes signed and relayed stay the encoded ones.
 */
public final class ContentEncoding {

    private ContentEncoding() {
    }

    /**
     * @param maxDecoded refuse a body that decodes to more than this many bytes (a compression bomb)
     * @throws IOException for an unsupported encoding, a corrupt stream or a body over {@code maxDecoded}
     */
    public static byte[] decode(byte[] body, String encoding, int maxDecoded) throws IOException {
        String enc = encoding == null ? "" : encoding.trim().toLowerCase(Locale.ROOT);
        InputStream in = switch (enc) {
            case "", "identity" -> null;
            case "gzip", "x-gzip" -> new GZIPInputStream(new ByteArrayInputStream(body));
            // "deflate" is meant to be zlib-wrapped, but some servers send raw deflate: a zlib header starts
            // with compression method 8 in its low nibble
            case "deflate" -> new InflaterInputStream(new ByteArrayInputStream(body),
                    new Inflater(!(body.length > 1 && (body[0] & 0x0f) == 8)));
            case "br" -> new BrotliInputStream(new ByteArrayInputStream(body));
            default -> throw new IOException("cannot decode Content-Encoding " + enc);
        };
        if (in == null) {
            return body;
        }
        try (in) {
            byte[] out = in.readNBytes(maxDecoded + 1);
            if (out.length > maxDecoded) {
                throw new IOException("decoded response exceeds " + maxDecoded + " bytes");
            }
            return out;
        }
    }
}
