package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/** The dstack key source against the {@link FakeDstackAgent}: what it asks, what it builds, how it fails. */
class DstackTeeKeySourceTest {

    private static final Map<String, String> ENV = Map.of("ZG_PROVIDER_KEY",
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    private static final String CONFIG = ConfigLoaderTest.MINIMAL;

    static String addressOf(byte[] key) {
        return Keys.toChecksumAddress(Keys.getAddress(ECKeyPair.create(new BigInteger(1, key))));
    }

    private static ProviderConfig parse(String tee) {
        return new ConfigLoader(ENV).parse(CONFIG + tee, Path.of("."));
    }

    @Test
    void derivesTheKeyThenQuotesItsAddress(@TempDir Path dir) throws Exception {
        try (FakeDstackAgent agent = new FakeDstackAgent(dir.resolve("dstack.sock"), FakeDstackAgent.Mode.NORMAL)) {
            TeeKeySource tee = parse("tee: { mode: dstack, dstackSocket: \"" + agent.socket() + "\", dstackKeyPath: a/b }\n")
                    .teeKey();
            String address = addressOf(FakeDstackAgent.derivedKey("a/b"));
            assertThat(tee.address()).isEqualTo(address);
            assertThat(tee.kind()).isEqualTo("dstack");
            assertThat(tee.attested()).isTrue();
            assertThat(tee.toString()).contains(address).contains(agent.socket().toString()).doesNotContain("UNATTESTED");

            assertThat(agent.calls()).extracting(FakeDstackAgent.Call::path).containsExactly("/GetKey", "/GetQuote", "/Info");
            assertThat(agent.calls().get(0).body().get("path").asText()).isEqualTo("a/b");
            assertThat(agent.calls().get(0).body().get("algorithm").asText()).isEqualTo("secp256k1");
            byte[] ascii = address.getBytes(StandardCharsets.US_ASCII);
            assertThat(agent.calls().get(1).body().get("report_data").asText()).isEqualTo(HexFormat.of().formatHex(ascii));
            assertThat(tee.tdxQuote()).isEqualTo(FakeDstackAgent.quoteFor(ascii));
        }
    }

    @Test
    void theOfficialBrokersSignerFromTappdDeriveKey(@TempDir Path dir) throws Exception {
        try (FakeDstackAgent dstack = new FakeDstackAgent(dir.resolve("dstack.sock"), FakeDstackAgent.Mode.NORMAL);
                FakeDstackAgent tappd = new FakeDstackAgent(dir.resolve("tappd.sock"), FakeDstackAgent.Mode.NORMAL)) {
            TeeKeySource tee = parse("tee: { mode: dstack, dstackSocket: \"" + dstack.socket()
                    + "\", dstackKeyDerivation: tappd, tappdSocket: \"" + tappd.socket() + "\" }\n").teeKey();
            // §5.1: the scalar is SHA-256 of the DER bytes inside the PEM that DeriveKey("/") returns.
            String address = addressOf(MessageDigest.getInstance("SHA-256").digest(FakeDstackAgent.tappdKeyDer()));
            assertThat(tee.address()).isEqualTo(address);
            assertThat(tappd.calls()).extracting(FakeDstackAgent.Call::path).containsExactly("/prpc/Tappd.DeriveKey");
            assertThat(tappd.calls().get(0).body().get("path").asText()).isEqualTo("/");
            // The quote still comes from the dstack socket, over that address.
            assertThat(dstack.calls()).extracting(FakeDstackAgent.Call::path).containsExactly("/GetQuote", "/Info");
            assertThat(tee.tdxQuote()).isEqualTo(FakeDstackAgent.quoteFor(address.getBytes(StandardCharsets.US_ASCII)));
        }
    }

    @Test
    void theDefaultKeyPathIsStable(@TempDir Path dir) throws Exception {
        try (FakeDstackAgent agent = new FakeDstackAgent(dir.resolve("dstack.sock"), FakeDstackAgent.Mode.NORMAL)) {
            String yaml = "tee: { mode: dstack, dstackSocket: \"" + agent.socket() + "\" }\n";
            // A restart (or a second replica) derives the same signer: no new owner acknowledgement needed.
            assertThat(parse(yaml).teeKey().address()).isEqualTo(parse(yaml).teeKey().address())
                    .isEqualTo(addressOf(FakeDstackAgent.derivedKey(DstackTeeKeySource.DEFAULT_KEY_PATH)));
        }
    }

    @Test
    void aMissingAgentIsAClearStartUpError(@TempDir Path dir) {
        Path socket = dir.resolve("nothing-here.sock");
        assertThatThrownBy(() -> parse("tee: { mode: dstack, dstackSocket: \"" + socket + "\" }\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("tee.dstackSocket: cannot get the TEE key from the dstack guest agent: no socket at " + socket
                        + " (the file does not exist); run the broker inside a dstack CVM with the agent's socket"
                        + " mounted, or use tee.mode: local");
    }

    @Test
    void agentErrorsAndSilenceAreReportedWithTheSocket(@TempDir Path dir) throws Exception {
        try (FakeDstackAgent agent = new FakeDstackAgent(dir.resolve("failing.sock"), FakeDstackAgent.Mode.FAIL_500)) {
            assertThatThrownBy(() -> parse("tee: { mode: dstack, dstackSocket: \"" + agent.socket() + "\" }\n"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("the dstack guest agent at " + agent.socket()
                            + " answered /GetKey with HTTP 500: {\"error\":\"key provider unavailable\"}");
        }
        try (FakeDstackAgent agent = new FakeDstackAgent(dir.resolve("silent.sock"), FakeDstackAgent.Mode.SILENT)) {
            assertThatThrownBy(() -> DstackTeeKeySource.connect(agent.socket(), "p", Duration.ofMillis(300)))
                    .isInstanceOf(IOException.class)
                    .hasMessage("no answer to /GetKey from " + agent.socket() + " within 300 ms");
        }
    }

    @Test
    void keysOfTheOtherModeAreRejected() {
        assertThatThrownBy(() -> parse("tee: { mode: dstack, keyEnv: ZG_TEE_KEY }\n"))
                .hasMessage("tee.keyEnv: only used with tee.mode local");
        assertThatThrownBy(() -> parse("tee: { mode: dstack, dstackKeyDerivation: tappd, dstackKeyPath: x }\n"))
                .hasMessage("tee.dstackKeyPath: only used with tee.dstackKeyDerivation getKey");
        assertThatThrownBy(() -> parse("tee: { mode: dstack, tappdSocket: /var/run/tappd.sock }\n"))
                .hasMessage("tee.tappdSocket: only used with tee.dstackKeyDerivation tappd");
        assertThatThrownBy(() -> parse("tee: { mode: dstack, dstackKeyDerivation: pem }\n"))
                .hasMessage("tee.dstackKeyDerivation: must be 'getKey' or 'tappd', got 'pem'");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("ZG_PROVIDER_KEY", ENV.get("ZG_PROVIDER_KEY"), "ZG_TEE_KEY",
                "8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63"))
                .parse(CONFIG + "tee: { mode: local, dstackSocket: /var/run/dstack.sock }\n", Path.of(".")))
                .hasMessage("tee.dstackSocket: only used with tee.mode dstack");
        assertThatThrownBy(() -> parse("tee: { mode: sgx }\n")).hasMessage("tee.mode: must be 'local' or 'dstack', got 'sgx'");
    }
}
