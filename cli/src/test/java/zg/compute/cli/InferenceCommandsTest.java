package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.cli.KeysAndConfigTest.assertFriendlyFailure;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.auth.ReceivedToken;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.units.Units;

/** The {@code inference} commands against a real devnet: listing, acknowledgement, API keys, provider owner. */
@ExtendWith(DevnetExtension.class)
class InferenceCommandsTest {

    @Test
    void listProvidersShowsAcknowledgedServicesAndAllWithIncludeInvalid(Devnet d, @TempDir Path home) throws Exception {
        String acked = CliFixtures.registerProvider(d, d.account(2), "chatbot");
        Credentials other = d.account(4);
        d.inference(other).addOrUpdateService(new InferenceServing.ServiceParams("text-to-image", "http://img.test",
                "org/image-model", "TeeML", BigInteger.ZERO, Units.parseOg("0.003"), "{}", other.getAddress()),
                Units.og(100)).send();
        CliRunner cli = CliFixtures.runnerFor(d, home, null);   // read-only: no key needed

        CliRunner.Result r = cli.run("inference", "list-providers");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Provider 1").doesNotContain("Provider 2").contains(acked)
                .doesNotContain("org/image-model");
        assertThat(r.cell("Model")).isEqualTo("org/test-model");
        assertThat(r.cell("Input Price Per Token (0G)")).isEqualTo("0.000000000000001");
        assertThat(r.cell("Output Price Per Token (0G)")).isEqualTo("0.000000000000002");
        assertThat(r.cell("Verifiability")).isEqualTo("TeeML");

        r = cli.run("inf", "list-providers", "--include-invalid", "--json");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("\"model\" : \"org/image-model\"").contains("\"outputPrice\" : \"0.003\"")
                .contains("\"teeSignerAcknowledged\" : false").contains("\"provider\" : \"" + acked + "\"");

        r = cli.run("inference", "list-providers-detail", "--include-invalid");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Price Per Image (0G)").contains("Health Status");
    }

    @Test
    void acknowledgeThenApiKeysOnDistinctSlotsAndRevocation(Devnet d, @TempDir Path home) throws Exception {
        String provider = CliFixtures.registerProvider(d, d.account(2), "chatbot");
        Credentials user = CliFixtures.fundedKey(d, 20, 50);
        CliRunner cli = CliFixtures.runnerFor(d, home, user);
        assertFriendlyFailure(cli.run("inference", "get-secret", "--provider", provider),
                "Account does not exist. Please create an account first using \"add-account\".");
        assertThat(cli.run("deposit", "--amount", "5").exit()).isZero();

        CliRunner.Result r = cli.run("inference", "acknowledge-provider", "--provider", provider);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("✓ Provider signer acknowledged successfully!").contains("Transaction: 0x");
        InferenceServing.Account a = d.inference(user).getAccount(user.getAddress(), provider).send();
        assertThat(a.balance).isEqualTo(Units.og(1));
        assertThat(a.acknowledged).isTrue();
        r = cli.run("inference", "acknowledge-provider", "--provider", provider);
        assertThat(r.out()).contains("(it already was)");

        // No terminal, no --duration: a never-expiring key on the lowest free slot.
        r = cli.run("inference", "get-secret", "--provider", provider);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Token ID:   0").contains("Expires:    never")
                .contains("curl http://127.0.0.1:9/v1/proxy/chat/completions")
                .contains("inference revoke-token --provider " + provider + " --token-id 0");
        SessionToken t0 = token(r.out());
        assertThat(t0.address()).isEqualTo(Keys.toChecksumAddress(user.getAddress()));
        assertThat(t0.provider()).isEqualToIgnoringCase(provider);
        assertThat(t0.tokenId()).isZero();
        assertThat(t0.expiresAt()).isZero();
        assertThat(t0.generation()).isZero();

        // The next key gets the next slot, so revoking one key does not revoke the other.
        long before = System.currentTimeMillis();
        r = cli.run("inference", "get-secret", "--provider", provider, "--duration", "1h");
        SessionToken t1 = token(r.out());
        assertThat(t1.tokenId()).isEqualTo(1);
        assertThat(t1.expiresAt() - t1.timestamp()).isEqualTo(3_600_000L);
        assertThat(t1.timestamp()).isBetween(before - 1000, System.currentTimeMillis() + 1000);

        r = cli.run("inference", "get-secret", "--provider", provider, "--token-id", "7", "--duration", "90000", "--json");
        assertThat(r.out()).contains("\"tokenId\" : 7").contains("\"apiKey\" : \"app-sk-");
        assertFriendlyFailure(cli.run("inference", "get-secret", "--provider", provider, "--token-id", "255"),
                "--token-id must be within 0..254");
        // A lifetime whose end does not fit a millisecond timestamp is refused, never wrapped to a negative expiry.
        assertFriendlyFailure(cli.run("inference", "get-secret", "--provider", provider, "--duration",
                "106751991167301d"), "Duration too large: 106751991167301d");
        assertFriendlyFailure(cli.run("inference", "get-secret", "--provider", provider, "--duration",
                "9223372036854775807"), "expiresIn is too large");

        // With a terminal and no --duration, the menu asks (3 = 24 hours).
        cli.interactive = true;
        cli.answers.add("3");
        r = cli.run("inference", "get-secret", "--provider", provider);
        assertThat(r.out()).contains("1) Never").contains("3) 24 hours");
        SessionToken t2 = token(r.out());
        assertThat(t2.tokenId()).isEqualTo(2);
        assertThat(t2.expiresAt() - t2.timestamp()).isEqualTo(86_400_000L);
        cli.interactive = false;

        r = cli.run("inference", "revoke-token", "--provider", provider, "--token-id", "0");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("✓ Token 0 revoked");
        a = d.inference(user).getAccount(user.getAddress(), provider).send();
        assertThat(a.revokedBitmap.testBit(0)).isTrue();
        assertThat(a.revokedBitmap.testBit(1)).isFalse();
        assertFriendlyFailure(cli.run("inference", "get-secret", "--provider", provider, "--token-id", "0"),
                "Token id 0 is revoked");

        r = cli.run("inference", "revoke-all-tokens", "--provider", provider);
        assertThat(r.exit()).as(r.toString()).isZero();
        a = d.inference(user).getAccount(user.getAddress(), provider).send();
        assertThat(a.generation).isEqualTo(BigInteger.ONE);
        assertThat(a.revokedBitmap).isZero();
        // A new generation frees every slot again.
        SessionToken t3 = token(cli.run("inference", "get-secret", "--provider", provider).out());
        assertThat(t3.tokenId()).isZero();
        assertThat(t3.generation()).isEqualTo(1);
    }

    @Test
    void providerUpdatesAndRemovesItsService(Devnet d, @TempDir Path home) throws Exception {
        Credentials providerKey = CliFixtures.fundedKey(d, 30, 500);
        String provider = CliFixtures.registerProvider(d, providerKey, "chatbot");
        CliRunner cli = CliFixtures.runnerFor(d, home, providerKey);

        CliRunner.Result r = cli.run("inference", "update-service", "--url", "https://new.example", "--model",
                "org/new-model", "--input-price", "0.000000000000005");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("✓ Service updated");
        InferenceServing.Service s = d.inference(providerKey).getService(provider).send();
        assertThat(s.url).isEqualTo("https://new.example");
        assertThat(s.model).isEqualTo("org/new-model");
        assertThat(s.inputPrice).isEqualTo(BigInteger.valueOf(5_000));
        assertThat(s.outputPrice).isEqualTo(BigInteger.valueOf(2_000));
        assertThat(s.serviceType).isEqualTo("chatbot");

        BigInteger walletBefore = d.chain().balanceOf(providerKey.getAddress());
        r = cli.run("inference", "remove-service");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("✓ Service removed");
        assertThat(d.chain().balanceOf(providerKey.getAddress()).subtract(walletBefore))
                .isGreaterThan(Units.og(99));   // the 100 0G stake came back, minus gas
        assertFriendlyFailure(cli.run("inference", "remove-service"), "Service not found for provider");

        CliRunner stranger = CliFixtures.runnerFor(d, home.resolve("s"), CliFixtures.fundedKey(d, 31, 5));
        assertFriendlyFailure(stranger.run("inference", "update-service", "--model", "x"), "Service not found");
    }

    private static SessionToken token(String out) throws Exception {
        Matcher m = Pattern.compile("(?m)^Authorization: (Bearer app-sk-\\S+)$").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        ReceivedToken t = ReceivedToken.parse(m.group(1));
        t.checkSignature();
        return t.token();
    }
}
