package zg.compute.webui.internal;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import zg.compute.sdk.ApiKey;
import zg.compute.sdk.InvalidRequestException;
import zg.compute.sdk.SubAccount;
import zg.compute.sdk.ZGComputeNetworkBroker;
import zg.compute.webui.IssuedKeys;

/**
 * API keys (app-sk-…) per provider: the slot map is the chain's revoked bitmap plus {@link IssuedKeys}, the same
 * record {@code inference get-secret} keeps, so the UI never hands out a slot the CLI already used. A key is shown
 * once and never stored.
 */
public final class KeysApi {

    private final ZGComputeNetworkBroker broker;
    private final IssuedKeys issued;

    public KeysApi(ZGComputeNetworkBroker broker, IssuedKeys issued) {
        this.broker = broker;
        this.issued = issued;
    }

    public JsonObject list(Body b) {
        String provider = b.required("provider");
        SubAccount a = broker.inference().getAccount(provider);
        long generation = a.generation().longValueExact();
        JsonArray slots = new JsonArray();
        for (IssuedKeys.Slot s : issued.issued(user(), provider, generation)) {
            slots.add(new JsonObject().put("tokenId", s.tokenId()).put("label", s.label())
                    .put("createdAt", s.createdAt()).put("expiresAt", s.expiresAt())
                    .put("revoked", a.isTokenRevoked(s.tokenId())));
        }
        int revoked = a.revokedBitmap().bitCount();
        return new JsonObject().put("provider", provider).put("generation", generation).put("slots", slots)
                .put("revokedCount", revoked)
                .put("freeCount", IssuedKeys.HIGHEST + 1 - slots.stream().filter(o -> !((JsonObject) o)
                        .getBoolean("revoked")).count() - revoked);
    }

    public JsonObject create(Body b) {
        String provider = b.required("provider");
        Integer expires = b.integer("expiresInSeconds");
        if (expires != null && expires < 0) {
            throw new InvalidRequestException("expiresInSeconds must be 0 (never) or more");
        }
        SubAccount a = broker.inference().getAccount(provider);
        long generation = a.generation().longValueExact();
        Integer wanted = b.integer("tokenId");
        if (wanted != null && (wanted < 0 || wanted > IssuedKeys.HIGHEST)) {
            throw new InvalidRequestException("tokenId must be within 0..254 (255 is the ephemeral session)");
        }
        int id = wanted != null ? wanted : issued.firstFree(user(), provider, generation, a.revokedBitmap());
        ApiKey k = broker.inference().createApiKey(provider,
                expires == null || expires == 0 ? Duration.ZERO : Duration.ofSeconds(expires), id);
        issued.record(user(), provider, generation,
                new IssuedKeys.Slot(k.tokenId(), b.optional("label"), k.createdAt(), k.expiresAt()));
        return new JsonObject().put("message", "API key created in slot " + k.tokenId() + " (shown once)")
                .put("tokenId", k.tokenId()).put("createdAt", k.createdAt()).put("expiresAt", k.expiresAt())
                .put("apiKey", k.rawToken());
    }

    public JsonObject revoke(Body b) {
        String provider = b.required("provider");
        Integer id = b.integer("tokenId");
        if (id == null) {
            throw new InvalidRequestException("tokenId is required");
        }
        return AccountApi.tx("Revoked key " + id + " for " + provider, broker.inference().revokeApiKey(provider, id));
    }

    public JsonObject revokeAll(Body b) {
        String provider = b.required("provider");
        return AccountApi.tx("Revoked every key and session for " + provider,
                broker.inference().revokeAllTokens(provider));
    }

    private String user() {
        return broker.ledger().userAddress();
    }
}
