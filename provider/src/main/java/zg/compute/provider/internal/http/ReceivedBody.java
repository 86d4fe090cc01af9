package zg.compute.provider.internal.http;

import io.vertx.core.buffer.Buffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import zg.compute.provider.internal.service.PaidRequest;

/**
 * What a relayed answer leaves behind for billing and signing, in bounded memory: its SHA-256 and size as it
 * passes, its bytes fed to the request's {@link PaidRequest.Meter} if it has one, else kept up to
 * {@code keepLimit} bytes (a longer answer is billed by its type's fallback, never held).
 */
final class ReceivedBody {

    /** The most of a non-metered answer kept for billing (a JSON chat answer, embeddings, a transcript, audio). */
    static final int KEEP_LIMIT = 16 * 1024 * 1024;

    private final MessageDigest sha256;
    private final PaidRequest.Meter meter;
    private final int keepLimit;
    private Buffer kept;
    private long size;

    ReceivedBody(PaidRequest.Meter meter, int keepLimit) {
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JVM", e);
        }
        this.meter = meter;
        this.keepLimit = keepLimit;
        this.kept = meter == null ? Buffer.buffer() : null;
    }

    void append(Buffer chunk) {
        byte[] bytes = chunk.getBytes(); // one copy for the digest, the meter and what is kept
        sha256.update(bytes);
        size += bytes.length;
        if (meter != null) {
            meter.accept(bytes, 0, bytes.length);
        } else if (kept != null) {
            if (size > keepLimit) {
                kept = null; // too long to hold: billed by the fallback from here on
            } else {
                kept.appendBytes(bytes);
            }
        }
    }

    /** True once the metered answer went past what the reservation covers. */
    boolean pastLimit() {
        return meter != null && meter.pastLimit();
    }

    PaidRequest.Response response(String encoding, String contentType) {
        return new PaidRequest.Response(kept == null ? null : kept.getBytes(),
                HexFormat.of().formatHex(sha256.digest()), size, encoding, contentType);
    }
}
