package zg.compute.devnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.LedgerManager;

/** Starts its own devnet (not the shared one) to check addresses, devnet.json and clean shutdown. */
class DevnetTest {

    @Test
    void deploysAtTheOfficialSdkAddressesAndStopsCleanly(@TempDir Path dir) throws Exception {
        Path info = dir.resolve("devnet.json");
        List<Long> pids;
        try (Devnet devnet = Devnet.start(DevnetConfig.defaults().withInfoFile(info))) {
            System.out.printf("devnet up in %d ms%n", devnet.startupTime().toMillis());
            pids = devnet.anvil().pids();
            assertThat(pids).hasSizeGreaterThanOrEqualTo(2); // watchdog + anvil

            DevnetContracts c = devnet.contracts();
            assertThat(c.ledger().proxy()).isEqualTo(DevnetContracts.OFFICIAL_LEDGER);
            assertThat(c.inference().proxy()).isEqualTo(DevnetContracts.OFFICIAL_INFERENCE);
            assertThat(c.fineTuning().proxy()).isEqualTo(DevnetContracts.OFFICIAL_FINE_TUNING);
            assertThat(devnet.chain().chainId()).isEqualTo(31337);

            Credentials owner = devnet.account(0);
            LedgerManager ledger = devnet.ledger(owner);
            assertThat(ledger.owner().send()).isEqualToIgnoringCase(owner.getAddress());
            assertThat(ledger.initialized().send()).isTrue();
            assertThat(ledger.MIN_ACCOUNT_BALANCE().send()).isEqualTo(BigInteger.valueOf(3).multiply(BigInteger.TEN.pow(18)));
            assertThat(ledger.MIN_TRANSFER_AMOUNT().send()).isEqualTo(BigInteger.TEN.pow(18));
            assertThat(ledger.getServiceAddressByName("inference-v1.0").send()).isEqualToIgnoringCase(c.inference().proxy());
            assertThat(ledger.getServiceAddressByName("fine-tuning-v1.0").send()).isEqualToIgnoringCase(c.fineTuning().proxy());
            var recommended = ledger.getRecommendedService("inference").send();
            assertThat(recommended.component1()).isEqualTo("v1.0");
            assertThat(recommended.component2()).isEqualToIgnoringCase(c.inference().proxy());
            assertThat(ledger.getServiceInfo(c.inference().proxy()).send().fullName).isEqualTo("inference-v1.0");

            InferenceServing inference = devnet.inference(owner);
            assertThat(inference.lockTime().send()).isEqualTo(BigInteger.valueOf(86_400));
            assertThat(inference.ledgerAddress().send()).isEqualToIgnoringCase(c.ledger().proxy());
            FineTuningServing ft = devnet.fineTuning(owner);
            assertThat(ft.penaltyPercentage().send()).isEqualTo(BigInteger.valueOf(30));

            DevnetInfo written = DevnetInfo.read(info);
            assertThat(written.rpcUrl()).isEqualTo(devnet.rpcUrl());
            assertThat(written.chainId()).isEqualTo(31337);
            assertThat(written.contracts().ledger()).isEqualTo(DevnetContracts.OFFICIAL_LEDGER);
            assertThat(written.contracts().inference()).isEqualTo(DevnetContracts.OFFICIAL_INFERENCE);
            assertThat(written.contracts().fineTuning()).isEqualTo(DevnetContracts.OFFICIAL_FINE_TUNING);
            assertThat(written.accounts()).hasSize(20);
            assertThat(devnet.chain().balanceOf(written.accounts().get(19).address())).isPositive();
            assertThat(written.accounts().get(0).address()).isEqualToIgnoringCase("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
            assertThat(devnet.chain().balanceOf(written.accounts().get(9).address())).isPositive();
        }
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("process %d still alive after close", pid).isFalse();
        }
        assertThat(Files.exists(info)).isTrue();
    }

    @Test
    void rejectsLockTimeOutsideTheContractRange() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DevnetConfig.defaults().withLockTime(60))
                .hasMessageContaining("[3600, 604800]");
    }
}
