package zg.compute.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.devnet.testing.FineTuningProviders;
import zg.compute.protocol.units.Units;

@ExtendWith(DevnetExtension.class)
class FineTuningBrokerTest {

    private static final String SUB_ACCOUNT_NOT_FOUND =
            "Sub-account not found. Initialize it by transferring funds via \"transfer-fund\"";
    private static final byte[] SECRET = {1, 2, 3, 4, 5};

    private static String checksum(Credentials c) {
        return Keys.toChecksumAddress(c.getAddress());
    }

    /**
     * Registers {@code provider}'s service, owner-acknowledged, and returns user account 1 with a 10 0G
     * ledger and 2 0G in the fine-tuning sub-account of {@code provider}.
     */
    private static ZGComputeNetworkBroker userOfAcknowledgedProvider(Devnet d, Credentials provider)
            throws Exception {
        FineTuningProviders.register(d, provider, false, List.of());
        FineTuningProviders.ownerAcknowledges(d, provider);
        ZGComputeNetworkBroker b = SdkFixtures.broker(d, d.account(1));
        b.ledger().addLedger(Amount.og("10"));
        b.ledger().transferFund(provider.getAddress(), ServiceKind.FINE_TUNING, Amount.og("2"));
        return b;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    @Test
    void listServiceShowsOwnerAcknowledgedServicesUnlessAskedForAll(Devnet d) throws Exception {
        Credentials p1 = d.account(2);
        Credentials p2 = d.account(3);
        FineTuningProviders.register(d, p1, false, List.of("Qwen2.5-0.5B-Instruct"));
        FineTuningProviders.register(d, p2, true, List.of());
        FineTuningProviders.ownerAcknowledges(d, p1);
        try (var b = SdkFixtures.broker(d, d.account(1)); var ro = ZGComputeNetworkBroker.readOnly(d.rpcUrl())) {
            FineTuningService s = new FineTuningService(checksum(p1), FineTuningProviders.URL,
                    new FineTuningQuota(BigInteger.valueOf(8), BigInteger.valueOf(32), BigInteger.ONE,
                            BigInteger.valueOf(50_000), "H100"),
                    BigInteger.valueOf(100), false, List.of("Qwen2.5-0.5B-Instruct"),
                    Keys.toChecksumAddress(FineTuningProviders.teeAddress()), true);
            assertThat(b.fineTuning().listService()).containsExactly(s);
            assertThat(ro.fineTuning().listService()).containsExactly(s);
            assertThat(b.fineTuning().listService(true)).extracting(FineTuningService::provider,
                    FineTuningService::occupied, FineTuningService::teeSignerAcknowledged)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(checksum(p1), false, true),
                            org.assertj.core.groups.Tuple.tuple(checksum(p2), true, false));
            assertThat(b.fineTuning().getService(p2.getAddress()).models()).isEmpty();
            assertThatThrownBy(() -> b.fineTuning().getService(d.account(5).getAddress()))
                    .isInstanceOf(ContractErrorException.class)
                    .hasMessage("Fine-tuning service not found for provider " + checksum(d.account(5))
                            + ". Check the address with \"fine-tuning list-providers\".");
        }
    }

    @Test
    void modelsAreThePredefinedTableOfTheNetworkAndTheLockTimeComesFromTheContract(Devnet d) {
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThat(b.fineTuning().listModel()).extracting(FineTuningModel::name).containsExactly("mock-model");
            assertThat(b.fineTuning().listModel().get(0).rootHash())
                    .isEqualTo("0xcb42b5ca9e998c82dd239ef2d20d22a4ae16b3dc0ce0a855c93b52c7c2bab6dc");
            assertThat(b.fineTuning().getLockedTime()).isEqualTo(3_600);
        }
        assertThat(FineTuningModel.predefined(16661)).extracting(FineTuningModel::name)
                .containsExactly("Qwen2.5-0.5B-Instruct", "Qwen3-32B");
        assertThat(FineTuningModel.predefined(16602)).extracting(FineTuningModel::name)
                .containsExactly("Qwen2.5-0.5B-Instruct");
        assertThat(FineTuningModel.predefined(1)).isEmpty();
    }

    @Test
    void accountDetailShowsBalanceDeliverablesAndRefundsWithRemainingLockTime(Devnet d) throws Exception {
        Credentials p = d.account(2);
        FineTuningProviders.register(d, p, false, List.of());
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThatThrownBy(() -> b.fineTuning().getAccount(p.getAddress())).hasMessage(SUB_ACCOUNT_NOT_FOUND);
            b.ledger().addLedger(Amount.og("10"));
            b.ledger().transferFund(p.getAddress(), ServiceKind.FINE_TUNING, Amount.og("2"));
            FineTuningProviders.addDeliverable(d, p, d.account(1), "task-1");

            FineTuningAccount a = b.fineTuning().getAccount(p.getAddress());
            assertThat(a.user()).isEqualTo(checksum(d.account(1)));
            assertThat(a.provider()).isEqualTo(checksum(p));
            assertThat(a.balance()).isEqualTo(Units.og(2));
            assertThat(a.pendingRefund()).isZero();
            assertThat(a.acknowledged()).isTrue();
            assertThat(a.refunds()).isEmpty();
            assertThat(a.deliverables()).extracting(Deliverable::id).containsExactly("task-1");

            b.ledger().retrieveFundFromProvider(ServiceKind.FINE_TUNING, p.getAddress());
            FineTuningAccountDetail detail = b.fineTuning().getAccountWithDetail(p.getAddress());
            assertThat(detail.account().pendingRefund()).isEqualTo(Units.og(2));
            assertThat(detail.account().available()).isZero();
            assertThat(detail.refunds()).containsExactly(new PendingRefund(Units.og(2), 3_600));
            long createdAt = detail.account().refunds().get(0).createdAt().longValueExact();
            d.chain().setNextBlockTimestamp(createdAt + 1_000);   // exact: increaseTime adds wall-clock drift
            d.chain().mine();
            assertThat(b.fineTuning().getAccountWithDetail(p.getAddress()).refunds())
                    .containsExactly(new PendingRefund(Units.og(2), 2_600));
        }
    }

    @Test
    void acknowledgeProviderSignerNeedsTheSubAccountAndIsIdempotent(Devnet d) throws Exception {
        Credentials p = d.account(2);
        FineTuningProviders.register(d, p, false, List.of());
        try (var b = SdkFixtures.broker(d, d.account(1))) {
            assertThatThrownBy(() -> b.fineTuning().acknowledgeProviderSigner(d.account(5).getAddress()))
                    .hasMessageStartingWith("Fine-tuning service not found for provider");
            assertThatThrownBy(() -> b.fineTuning().acknowledgeProviderSigner(p.getAddress()))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("No fine-tuning sub-account with provider " + checksum(p) + ": create it first with "
                            + "\"transfer-fund --provider " + checksum(p) + " --service fine-tuning --amount <0G>\" "
                            + "(which also acknowledges the provider).");

            b.ledger().addLedger(Amount.og("10"));
            b.ledger().transferFund(p.getAddress(), ServiceKind.FINE_TUNING, Amount.og("1"));
            assertThat(b.fineTuning().acknowledgeProviderSigner(p.getAddress())).isEmpty();

            // Revoking needs an empty sub-account: request, wait out the lock, collect, then revoke.
            b.ledger().retrieveFundFromProvider(ServiceKind.FINE_TUNING, p.getAddress());
            d.chain().increaseTime(3_600);
            b.ledger().retrieveFundFromProvider(ServiceKind.FINE_TUNING, p.getAddress());
            d.fineTuning(d.account(1)).acknowledgeTEESigner(p.getAddress(), false).send();
            assertThat(b.fineTuning().getAccount(p.getAddress()).acknowledged()).isFalse();

            TxResult tx = b.fineTuning().acknowledgeProviderSigner(p.getAddress()).orElseThrow();
            assertThat(tx.receipt().isStatusOK()).isTrue();
            assertThat(b.fineTuning().getAccount(p.getAddress()).acknowledged()).isTrue();
            assertThat(b.fineTuning().acknowledgeProviderSigner(p.getAddress())).isEmpty();
        }
    }

    @Test
    void aDeliverableIsAcknowledgedOnceThenSettledWithTheSecret(Devnet d) throws Exception {
        Credentials p = d.account(2);
        Credentials user = d.account(1);
        try (var b = userOfAcknowledgedProvider(d, p)) {
            FineTuningProviders.addDeliverable(d, p, user, "task-1");
            Deliverable fresh = b.fineTuning().getDeliverable(p.getAddress(), "task-1");
            assertThat(fresh.id()).isEqualTo("task-1");
            assertThat(fresh.modelRootHash()).isEqualTo(FineTuningProviders.ROOT);
            assertThat(fresh.modelRootHashText()).isEqualTo("0x1234abcd");
            assertThat(fresh.acknowledged()).isFalse();
            assertThat(fresh.settled()).isFalse();
            assertThat(fresh.hasEncryptedSecret()).isFalse();
            assertThat(fresh.timestamp().signum()).isPositive();

            assertThat(b.fineTuning().acknowledgeDeliverable(p.getAddress(), "task-1")).isPresent();
            assertThat(b.fineTuning().getDeliverable(p.getAddress(), "task-1").acknowledged()).isTrue();
            assertThat(b.fineTuning().acknowledgeDeliverable(p.getAddress(), "task-1")).isEmpty();

            FineTuningProviders.settle(d, p, user, "task-1", SECRET, 1, Units.og(1));
            Deliverable settled = b.fineTuning().getDeliverable(p.getAddress(), "task-1");
            assertThat(settled.settled()).isTrue();
            assertThat(settled.encryptedSecret()).isEqualTo(SECRET);
            assertThat(b.fineTuning().getAccount(p.getAddress()).balance()).isEqualTo(Units.og(1));
            assertThat(b.fineTuning().acknowledgeDeliverable(p.getAddress(), "task-1")).isEmpty();
        }
    }

    @Test
    void settledUnacknowledgedAndUnknownDeliverablesGetPlainErrors(Devnet d) throws Exception {
        Credentials p = d.account(2);
        Credentials user = d.account(1);
        try (var b = userOfAcknowledgedProvider(d, p)) {
            assertThatThrownBy(() -> b.fineTuning().getDeliverable(p.getAddress(), "nope"))
                    .isInstanceOfSatisfying(ContractErrorException.class,
                            e -> assertThat(e.errorName()).isEqualTo("DeliverableNotExists"))
                    .hasMessage("Deliverable for task nope not found: check the task id; a task has a deliverable "
                            + "only after the provider has delivered its model.");
            assertThatThrownBy(() -> b.fineTuning().acknowledgeDeliverable(p.getAddress(), "nope"))
                    .hasMessageStartingWith("Deliverable for task nope not found");
            assertThatThrownBy(() -> b.fineTuning().acknowledgeDeliverable(d.account(3).getAddress(), "task-1"))
                    .hasMessage(SUB_ACCOUNT_NOT_FOUND);
            assertThatThrownBy(() -> b.fineTuning().acknowledgeDeliverable(p.getAddress(), " "))
                    .isInstanceOf(InvalidRequestException.class).hasMessage("The task id is missing");

            FineTuningProviders.addDeliverable(d, p, user, "task-late");
            FineTuningProviders.settle(d, p, user, "task-late", new byte[0], 1, Units.og(1));
            assertThatThrownBy(() -> b.fineTuning().acknowledgeDeliverable(p.getAddress(), "task-late"))
                    .isInstanceOfSatisfying(ContractErrorException.class,
                            e -> assertThat(e.errorName()).isEqualTo("CannotAcknowledgeSettledDeliverable"))
                    .hasMessage("The deliverable for task task-late was already settled by the provider without "
                            + "your acknowledgement; it can no longer be acknowledged and its model key will not be "
                            + "released.");
            // The penalty share (30 %) was charged.
            assertThat(b.fineTuning().getAccount(p.getAddress()).balance())
                    .isEqualTo(Units.og(2).subtract(Units.og(1).multiply(BigInteger.valueOf(30)).divide(
                            BigInteger.valueOf(100))));
        }
    }

    @Test
    void decryptModelUnwrapsTheKeyAndChecksTheTeeSignature(Devnet d, @TempDir Path dir) throws Exception {
        Credentials p = d.account(2);
        Credentials user = d.account(1);
        byte[] modelKey = randomBytes(32);
        byte[] model = randomBytes(100_000);
        Path plain = Files.write(dir.resolve("lora.zip"), model);
        Path encrypted = dir.resolve("model.enc");
        FineTuningProviders.encryptModel(modelKey, plain, encrypted, FineTuningProviders.TEE);
        Path out = dir.resolve("out.zip");
        try (var b = userOfAcknowledgedProvider(d, p)) {
            FineTuningProviders.addDeliverable(d, p, user, "task-1");
            assertThatThrownBy(() -> b.fineTuning().decryptModel(p.getAddress(), "task-1", encrypted, out))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageStartingWith("The deliverable for task task-1 is not acknowledged");
            b.fineTuning().acknowledgeDeliverable(p.getAddress(), "task-1");
            assertThatThrownBy(() -> b.fineTuning().decryptModel(p.getAddress(), "task-1", encrypted, out))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageStartingWith("EncryptedSecret not found — ensure the task status is 'Finished'");

            FineTuningProviders.settle(d, p, user, "task-1", FineTuningProviders.wrapModelKey(user, modelKey), 1,
                    Units.og(1));
            assertThatThrownBy(() -> b.fineTuning().decryptModel(p.getAddress(), "task-1", dir.resolve("none"), out))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("Encrypted model file not found: " + dir.resolve("none"));
            assertThat(b.fineTuning().decryptModel(p.getAddress(), "task-1", encrypted, out)).isEqualTo(out);
            assertThat(Files.readAllBytes(out)).isEqualTo(model);

            // The same key, but the file signed by someone other than the registered TEE signer.
            ECKeyPair impostor = ECKeyPair.create(Numeric.toBigInt(
                    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"));
            Path forged = dir.resolve("forged.enc");
            FineTuningProviders.encryptModel(modelKey, plain, forged, impostor);
            Path forgedOut = dir.resolve("forged.zip");
            assertThatThrownBy(() -> b.fineTuning().decryptModel(p.getAddress(), "task-1", forged, forgedOut))
                    .isInstanceOf(ModelDecryptionException.class)
                    .hasMessageContaining("Invalid tag signature: signed by "
                            + Credentials.create(impostor).getAddress().toLowerCase() + ", not the provider's TEE "
                            + "signer " + Keys.toChecksumAddress(FineTuningProviders.teeAddress()));
            assertThat(forgedOut).doesNotExist();
        }
    }

    @Test
    void decryptModelWithAnotherUsersKeyFailsWithoutOutput(Devnet d, @TempDir Path dir) throws Exception {
        Credentials p = d.account(2);
        Credentials user = d.account(1);
        byte[] modelKey = randomBytes(32);
        Path plain = Files.write(dir.resolve("lora.zip"), new byte[] {1, 2, 3});
        Path encrypted = dir.resolve("model.enc");
        FineTuningProviders.encryptModel(modelKey, plain, encrypted, FineTuningProviders.TEE);
        Path out = dir.resolve("out.zip");
        try (var b = userOfAcknowledgedProvider(d, p)) {
            FineTuningProviders.addDeliverable(d, p, user, "task-1");
            b.fineTuning().acknowledgeDeliverable(p.getAddress(), "task-1");
            // The secret was wrapped for someone else: this wallet cannot open it.
            FineTuningProviders.settle(d, p, user, "task-1",
                    FineTuningProviders.wrapModelKey(d.account(7), modelKey), 1, Units.og(1));
            assertThatThrownBy(() -> b.fineTuning().decryptModel(p.getAddress(), "task-1", encrypted, out))
                    .isInstanceOf(ModelDecryptionException.class)
                    .hasMessageStartingWith("Cannot decrypt the model of task task-1: ");
            assertThat(out).doesNotExist();
        }
    }
}
