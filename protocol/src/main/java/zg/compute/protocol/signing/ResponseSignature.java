package zg.compute.protocol.signing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.web3j.crypto.ECKeyPair;

/**
 * What a provider's TEE key signs for each response: the text
 * {@code sha256hex(requestBody) + ":" + sha256hex(responseBody)}, EIP-191 personal-signed.
 * The SDK fetches {@code {text, signature}} by the response's {@code ZG-Res-Key}.
 */
public record ResponseSignature(String text, String signature) {

    /** {@code sha256hex(request):sha256hex(response)} over the exact bytes sent and received. */
    public static String text(byte[] requestBody, byte[] responseBody) {
        return text(requestBody, sha256Hex(responseBody));
    }

    /** The same for a response hashed as it passed ({@code responseSha256}: lower-case hex), never held whole. */
    public static String text(byte[] requestBody, String responseSha256) {
        return sha256Hex(requestBody) + ":" + responseSha256;
    }

    /**
     * Images (text-to-image, image-editing; services-and-ui.md A.1): {@code sha256hex(original request) + ":" +
     * join(",", sha256hex(decoded image i))}, so the signature covers the pictures whatever form (b64 or a
     * broker-hosted URL) they reached the client in.
     */
    public static String imagesText(byte[] requestBody, List<byte[]> images) {
        StringBuilder out = new StringBuilder(sha256Hex(requestBody)).append(':');
        for (int i = 0; i < images.size(); i++) {
            out.append(i == 0 ? "" : ",").append(sha256Hex(images.get(i)));
        }
        return out.toString();
    }

    public static ResponseSignature sign(byte[] requestBody, byte[] responseBody, ECKeyPair teeKey) {
        return sign(text(requestBody, responseBody), teeKey);
    }

    /** EIP-191 signature over a signed text built by {@link #text} or {@link #imagesText}. */
    public static ResponseSignature sign(String text, ECKeyPair teeKey) {
        return new ResponseSignature(text, PersonalSign.sign(text.getBytes(StandardCharsets.UTF_8), teeKey));
    }

    /** True when the signature over {@link #text()} recovers to {@code signer} (case-insensitive). */
    public boolean isSignedBy(String signer) {
        try {
            return PersonalSign.recover(text.getBytes(StandardCharsets.UTF_8), signature).equalsIgnoreCase(signer);
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    /** The stronger check the official SDK lacks: the signed text covers exactly these bodies. */
    public boolean covers(byte[] requestBody, byte[] responseBody) {
        return text.equals(text(requestBody, responseBody));
    }

    public static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JVM", e);
        }
    }
}
