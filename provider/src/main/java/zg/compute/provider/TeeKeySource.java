package zg.compute.provider;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.web3j.crypto.ECKeyPair;

/**
 * Where the key that signs responses and settlements comes from. A real TEE derives it inside the
 * enclave and can prove that with a quote ({@link DstackTeeKeySource}); {@link LocalTeeKeySource}
 * cannot and says so.
 */
public interface TeeKeySource {

    ECKeyPair key();

    /** The signer's EIP-55 address, as registered on chain in {@code teeSignerAddress}. */
    String address();

    /** {@code local}, {@code dstack}, … */
    String kind();

    /** False when nothing proves the key lives in a TEE. */
    boolean attested();

    /**
     * The body of {@code GET /v1/quote}: the dstack {@code GetQuote} JSON shape the SDK parses
     * (provider spec §11.5), with {@code report_data} carrying the signer address.
     */
    String quoteJson();

    /** The raw TDX quote binding {@link #address()}; empty when nothing attests the key. */
    byte[] tdxQuote();

    /**
     * The report data a quote must carry for the SDK's check (§11.5): the ASCII of the checksummed
     * signer address ({@code 0x…}, 42 bytes), zero-padded to 64 bytes.
     */
    static byte[] reportData(String checksumAddress) {
        return Arrays.copyOf(checksumAddress.getBytes(StandardCharsets.US_ASCII), 64);
    }
}
