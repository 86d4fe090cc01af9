package zg.compute.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.auth.SignedToken;
import zg.compute.protocol.signing.ResponseSignature;

/**
 * Byte-exact agreement with the official TS SDK 0.9.0's wire vectors (test resources official/vectors, from shared/spec/vectors): the token
 * JSON, its signature and Authorization header, and the response-signature text and signature.
 */
class WireVectorsTest {

    private static JsonNode vectors;
    private static Credentials user;

    @BeforeAll
    static void load() throws IOException {
        vectors = new ObjectMapper().readTree(OfficialFacts.bytes("vectors/wire-vectors.json"));
        user = Credentials.create(vectors.get("userPrivateKey").asText());
    }

    private static void assertTokenVector(JsonNode v, SessionToken token) {
        assertThat(token.rawMessage()).isEqualTo(v.get("rawMessage").asText());
        SignedToken signed = SignedToken.sign(token, user);
        assertThat(signed.signature()).isEqualTo(v.get("signature").asText());
        assertThat(signed.authorization()).isEqualTo(v.get("authorization").asText());
        assertThat(signed.recoverSigner()).isEqualToIgnoringCase(vectors.get("userAddress").asText());
    }

    @Test
    void ephemeralTokenIsByteIdentical() {
        String provider = vectors.get("providerAddress").asText();
        assertTokenVector(vectors.get("ephemeralToken"), new SessionToken(vectors.get("userAddress").asText(), provider,
                1764000000000L, 1764000000000L + 86_400_000L, "1764000000000-4fzzzxjylrx0000000", 0, 255));
    }

    @Test
    void persistentTokenIsByteIdentical() {
        String provider = vectors.get("providerAddress").asText();
        assertTokenVector(vectors.get("persistentTokenId3NeverExpires"), new SessionToken(
                vectors.get("userAddress").asText(), provider, 1764000000000L, 0, "1764000000000-4fzzzxjylrx0000000", 0, 3));
    }

    @Test
    void responseSignatureIsByteIdentical() {
        JsonNode v = vectors.get("responseSignature");
        byte[] req = v.get("requestBody").asText().getBytes(StandardCharsets.UTF_8);
        byte[] resp = v.get("responseBody").asText().getBytes(StandardCharsets.UTF_8);
        Credentials tee = Credentials.create(v.get("signerPrivateKey").asText());
        ResponseSignature sig = ResponseSignature.sign(req, resp, tee.getEcKeyPair());
        assertThat(sig.text()).isEqualTo(v.get("text").asText());
        assertThat(sig.signature()).isEqualTo(v.get("signature").asText());
        assertThat(sig.isSignedBy(tee.getAddress())).isTrue();
        assertThat(sig.covers(req, resp)).isTrue();
        assertThat(sig.covers(req, "tampered".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(new ResponseSignature(sig.text(), sig.signature()).isSignedBy(user.getAddress())).isFalse();
    }

    @Test
    void jsonStringsAreEscapedLikeJavaScript() {
        SessionToken t = new SessionToken("0xA", "we\"ird\\\n", 1, 0, "n", 0, 0);
        assertThat(t.rawMessage()).contains("\"provider\":\"we\\\"ird\\\\\\n\"");
    }
}
