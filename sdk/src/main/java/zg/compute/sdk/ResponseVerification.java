package zg.compute.sdk;

/** Outcome of {@code processResponse}: the official SDK's {@code true / false / null}. */
public enum ResponseVerification {
    /** The provider's TEE signer signed the response (and, when bodies were given, exactly these bodies). */
    VERIFIED,
    /** Not verifiable or not valid: wrong signer, forged, service not TEE-acknowledged, text mismatch. */
    REJECTED,
    /** No chat id was given, so only fee accounting ran. */
    SKIPPED;

    public boolean isVerified() {
        return this == VERIFIED;
    }
}
