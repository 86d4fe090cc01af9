package zg.compute.sdk;

/**
 * A persistent API key: an app-sk token signed for one provider, valid until revoked by id, until
 * {@code revokeAllTokens}, or until {@code expiresAt} (ms; 0 = never). Nothing is registered on chain.
 */
public record ApiKey(int tokenId, long createdAt, long expiresAt, String rawToken) {

    @Override
    public String toString() {
        // The token is a bearer secret: keep it out of logs and exception messages.
        return "ApiKey[tokenId=" + tokenId + ", createdAt=" + createdAt + ", expiresAt=" + expiresAt + "]";
    }
}
