package zg.compute.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static zg.compute.cli.KeysAndConfigTest.assertFriendlyFailure;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.devnet.testing.FineTuningProviders;

/**
 * The contract owner's hidden {@code ack-provider} and {@code revoke} under {@code inference} and
 * {@code fine-tuning}: they flip the service's {@code teeSignerAcknowledged} on chain; anyone else is refused.
 */
@ExtendWith(DevnetExtension.class)
class OwnerCommandsTest {

    @Test
    void theOwnerAcknowledgesAndRevokesInferenceAndFineTuningSigners(Devnet d, @TempDir Path home) throws Exception {
        Credentials provider = CliFixtures.fundedKey(d, 70, 300);
        String address = CliFixtures.registerProvider(d, provider, "chatbot"); // acknowledged by the owner
        FineTuningProviders.register(d, provider, false, List.of());
        CliRunner owner = CliFixtures.runnerFor(d, home.resolve("owner"), d.account(0));

        CliRunner.Result r = owner.run("inference", "revoke", "--provider", address);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("inference service of " + address + ": acknowledgement revoked");
        assertThat(d.inference(provider).getService(address).send().teeSignerAcknowledged).isFalse();
        r = owner.run("inference", "ack-provider", "--provider", address, "--json");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(d.inference(provider).getService(address).send().teeSignerAcknowledged).isTrue();
        // --json: one object instead of the lines
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertThat(json.path("ok").asBoolean()).isTrue();
        assertThat(json.path("transactions")).hasSize(1);
        assertThat(json.path("transactions").get(0).asText()).matches("0x[0-9a-f]{64}");
        assertThat(json.path("messages").get(0).asText()).contains("acknowledged by the contract owner");

        r = owner.run("fine-tuning", "ack-provider", "--provider", address);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("fine-tuning service of " + address + " acknowledged by the contract owner");
        assertThat(d.fineTuning(provider).getService(address).send().teeSignerAcknowledged).isTrue();
        r = owner.run("fine-tuning", "revoke", "--provider", address);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(d.fineTuning(provider).getService(address).send().teeSignerAcknowledged).isFalse();

        // hidden from the usage, as in the official CLI
        assertThat(owner.run("inference", "--help").out()).doesNotContain("ack-provider").doesNotContain("revoke ");

        CliRunner stranger = CliFixtures.runnerFor(d, home.resolve("stranger"), CliFixtures.fundedKey(d, 71, 5));
        assertFriendlyFailure(stranger.run("inference", "ack-provider", "--provider", address), "not the owner");
        assertThat(d.inference(provider).getService(address).send().teeSignerAcknowledged).isTrue();
    }
}
