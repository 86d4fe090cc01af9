package zg.compute.devnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.protocol.units.Units;

/** A devnet kept in a state directory survives a restart: same contracts, balances, nonces and clock. */
class DevnetStateTest {

    @Test
    void aRestartResumesTheSavedChainInsteadOfDeploying(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        DevnetConfig config = DevnetConfig.defaults().withLockTime(7_200).withStateDir(state);
        long lastBlock;
        long lastTime;
        try (Devnet first = Devnet.start(config)) {
            assertThat(first.resumed()).isFalse();
            Credentials user = first.account(5);
            first.ledger(user).addLedger("kept", Units.og(4)).send();
            first.chain().increaseTime(3_000);
            lastBlock = first.chain().web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
            lastTime = first.chain().latestTimestamp();
        }
        assertThat(state.resolve("anvil-state.json")).exists();
        assertThat(DevnetInfo.read(state.resolve("devnet.json")).lockTime()).isEqualTo(7_200);

        // a different lock time on the restart cannot change a chain that is already initialised
        try (Devnet second = Devnet.start(config.withLockTime(3_600))) {
            assertThat(second.resumed()).isTrue();
            assertThat(second.contracts().ledger().proxy()).isEqualTo(DevnetContracts.OFFICIAL_LEDGER);
            assertThat(second.contracts().inference().proxy()).isEqualTo(DevnetContracts.OFFICIAL_INFERENCE);
            assertThat(second.info().lockTime()).isEqualTo(7_200);
            assertThat(second.inference(second.account(0)).lockTime().send()).isEqualTo(BigInteger.valueOf(7_200));
            assertThat(second.chain().web3j().ethBlockNumber().send().getBlockNumber().longValueExact())
                    .isGreaterThanOrEqualTo(lastBlock);
            assertThat(second.chain().latestTimestamp()).isGreaterThanOrEqualTo(lastTime);

            Credentials user = second.account(5);
            var ledger = second.ledger(user).getLedger(user.getAddress()).send();
            assertThat(ledger.totalBalance).isEqualTo(Units.og(4));
            assertThat(ledger.additionalInfo).isEqualTo("kept");
            // the account's nonce carried over: a new transaction from it goes through
            second.ledger(user).depositFund(Units.og(1)).send();
            assertThat(second.ledger(user).getLedger(user.getAddress()).send().totalBalance).isEqualTo(Units.og(5));
        }
    }

    @Test
    void aChainWithoutItsDeploymentRecordIsReportedNotRedeployed(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        Files.createDirectories(state);
        Files.writeString(state.resolve("anvil-state.json"), "{}");
        assertThatThrownBy(() -> Devnet.start(DevnetConfig.defaults().withStateDir(state)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds a chain but no devnet.json")
                .hasMessageContaining("remove the directory");
    }
}
