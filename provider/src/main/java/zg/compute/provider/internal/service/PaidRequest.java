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

    /** Output events a plain SSE answer may carry for {@code reserved} before it is cut, or -1 for no limit. */
    default long streamEventLimit(BigInteger reserved) {
        return -1;
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
        return ResponseSignature.text(requestBody, response.bytes());
    }

    /** What the client receives instead of the upstream's bytes. */
    record Delivery(byte[] body, String contentType) {
    }

    /** The upstream body and its {@code Content-Type}. */
    record Forward(byte[] body, String contentType) {
    }

    /** The upstream's answer as relayed: bytes, {@code Content-Encoding}, {@code Content-Type}. */
    record Response(byte[] bytes, String encoding, String contentType) {

        private static final int MAX_DECODED = 512 * 1024 * 1024;

        /** The body decoded from its {@code Content-Encoding}; empty if it cannot be decoded. */
        public Optional<byte[]> decoded() {
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
