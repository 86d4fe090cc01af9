package zg.compute.provider;

import org.web3j.crypto.ECKeyPair;

/**
 * Where the key that signs responses and settlements comes from. A real TEE derives it inside the
 * enclave and can prove that with a quote; {@link LocalTeeKeySource} cannot and says so.
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
}
