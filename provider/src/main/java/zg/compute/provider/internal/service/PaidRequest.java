package zg.compute.provider.internal.service;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import zg.compute.protocol.http.ContentEncoding;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.provider.internal.auth.RequestRejected;

/** A client request as its service type bills it. */
public interface PaidRequest {

    /** The least this request can cost: admission needs at least this much headroom. */
    BigInteger minimumFee();

    /** The most this request can cost: reserved when the sub-account can pay it. */
    BigInteger desiredFee();

    /**
     * What goes upstream once {@code reserved} (between the minimum and the desired fee) is held; null for
     * the client's body and {@code Content-Type} unchanged.
     */
    default Forward forward(BigInteger reserved) {
        return null;
    }

    /**
     * Reads a relayed answer as it passes, for answers too long to hold (a plain SSE chat stream), or null: the
     * answer is then billed from the bytes kept ({@link Response#bytes}). Called once, before the first byte.
     *
     * @param reserved what the request holds: the meter tells when the answer goes past it
     */
    default Meter meter(BigInteger reserved, String contentType, String contentEncoding) {
        return null;
    }

    /** What {@link #meter} returns: fed every byte the client is sent; {@link #bill} then reads it. */
    interface Meter {
        void accept(byte[] bytes, int offset, int length);

        /** True once the answer went past what the reservation covers: the broker then ends it. */
        boolean pastLimit();
    }

    /** Usage and fee of the response exactly as the client received it (the caller caps it at the reservation). */
    Bill bill(Response response);

    /**
     * Whether the client gets another body than the upstream's 200 answer (see {@link #deliver}); the answer
     * is then read whole before anything is sent.
     */
    default boolean rewritesResponse() {
        return false;
    }

    /**
     * The body the client gets in place of the upstream's 200 answer when {@link #rewritesResponse}; the bill
     * and the signed text still come from the upstream's answer.
     *
     * @param chatKey the response's {@code ZG-Res-Key}
     * @throws RequestRejected the answer must not reach the client (it is then not billed)
     */
    default Delivery deliver(Response upstream, String chatKey) throws RequestRejected {
        throw new UnsupportedOperationException("this request relays the upstream's bytes");
    }

    /** The text the TEE key signs for this response: by default {@code sha256(request):sha256(response bytes)}. */
    default String signedText(byte[] requestBody, Response response) {
        return ResponseSignature.text(requestBody, response.sha256());
    }

    /** What the client receives instead of the upstream's bytes. */
    record Delivery(byte[] body, String contentType) {
    }

    /** The upstream body and its {@code Content-Type}. */
    record Forward(byte[] body, String contentType) {
    }

    /**
     * The upstream's answer as relayed: its SHA-256 (hex) and size, {@code Content-Encoding}, {@code Content-Type},
     * and its bytes when they were kept — null for an answer longer than the broker holds, which is then billed
     * by its {@link Meter} or each type's fallback.
     */
    record Response(byte[] bytes, String sha256, long size, String encoding, String contentType) {

        private static final int MAX_DECODED = 512 * 1024 * 1024;

        /** An answer held whole. */
        public Response(byte[] bytes, String encoding, String contentType) {
            this(bytes, ResponseSignature.sha256Hex(bytes), bytes.length, encoding, contentType);
        }

        /** The body decoded from its {@code Content-Encoding}; empty if it was not kept or cannot be decoded. */
        public Optional<byte[]> decoded() {
            if (bytes == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(ContentEncoding.decode(bytes, encoding, MAX_DECODED));
            } catch (IOException undecodable) {
                return Optional.empty();
            }
        }

        /** The body decoded from its {@code Content-Encoding} as UTF-8; empty if it cannot be decoded. */
        public Optional<String> text() {
            return decoded().map(b -> new String(b, StandardCharsets.UTF_8));
        }
    }

    /** Counts and fees of one response. */
    record Bill(long inputCount, long outputCount, BigInteger inputFee, BigInteger outputFee) {
        public BigInteger total() {
            return inputFee.add(outputFee);
        }
    }
}
