package zg.compute.sdk;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.web3j.crypto.Keys;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.finetuning.Ecies;
import zg.compute.protocol.finetuning.FineTuningCryptoException;
import zg.compute.protocol.finetuning.ModelCipher;
import zg.compute.sdk.internal.chain.ChainClient;

/**
 * The user's side of fine-tuning that lives on chain: services, the sub-account and its deliverables,
 * acknowledgement. Task creation, logs, dataset upload and the model download need the provider's
 * fine-tuning task server and are not implemented here.
 */
public final class FineTuningBroker extends ReadOnlyFineTuningBroker {

    private final String user;

    FineTuningBroker(ChainClient chain, FineTuningServing contract) {
        super(chain, contract);
        this.user = Keys.toChecksumAddress(chain.credentials().getAddress());
    }

    /** The sub-account with {@code provider}; "Sub-account not found…" when there is none. */
    public FineTuningAccount getAccount(String provider) {
        LedgerBroker.requireAddress(provider, "provider");
        return toAccount(chain.call(() -> contract.getAccount(user, provider).send()));
    }

    /** The sub-account and how long each active refund stays locked, by the chain's clock. */
    public FineTuningAccountDetail getAccountWithDetail(String provider) {
        FineTuningAccount a = getAccount(provider);
        return new FineTuningAccountDetail(a, PendingRefund.of(a.refunds(), getLockedTime(),
                chain.latestBlockTimestamp()));
    }

    /**
     * Marks the provider's TEE signer as trusted by this user ({@code acknowledgeTEESigner(provider, true)})
     * unless already done. The sub-account must exist: the official SDK tries to create it with a
     * 0-amount transfer, which always fails, so this says what to do instead. The official SDK also fetches
     * the provider's {@code /v1/quote} and only checks that it is non-empty; that call needs the provider's
     * fine-tuning server and is skipped.
     *
     * @return the transaction sent, empty when already acknowledged
     */
    public Optional<TxResult> acknowledgeProviderSigner(String provider) {
        getService(provider);
        if (!Boolean.TRUE.equals(chain.call(() -> contract.accountExists(user, provider).send()))) {
            throw new InvalidRequestException("No fine-tuning sub-account with provider "
                    + Keys.toChecksumAddress(provider) + ": create it first with \"transfer-fund --provider "
                    + Keys.toChecksumAddress(provider) + " --service fine-tuning --amount <0G>\" (which also "
                    + "acknowledges the provider).");
        }
        if (getAccount(provider).acknowledged()) {
            return Optional.empty();
        }
        return Optional.of(send(contract.acknowledgeTEESigner(provider, true).encodeFunctionCall()));
    }

    /** The deliverable of task {@code taskId}; "Deliverable … not found" when the provider has not added it. */
    public Deliverable getDeliverable(String provider, String taskId) {
        LedgerBroker.requireAddress(provider, "provider");
        requireTaskId(taskId);
        return toDeliverable(chain.call(() -> contract.getDeliverable(user, provider, taskId).send()));
    }

    /**
     * Accepts the delivered model without downloading it (the official escape hatch), so the provider
     * settles with the model key instead of a penalty. Already acknowledged: nothing is sent. A deliverable
     * the provider already settled without acknowledgement cannot be acknowledged any more.
     *
     * @return the transaction sent, empty when already acknowledged
     */
    public Optional<TxResult> acknowledgeDeliverable(String provider, String taskId) {
        if (getDeliverable(provider, taskId).acknowledged()) {
            return Optional.empty();
        }
        return Optional.of(send(contract.acknowledgeDeliverable(provider, taskId).encodeFunctionCall()));
    }

    /**
     * Decrypts a downloaded model (sdk-cli.md §8.7): the deliverable must be acknowledged and settled with
     * its key ({@code encryptedSecret}); the key is unwrapped with ECIES using this wallet's private key, the
     * file is decrypted and its tag signature must come from the service's TEE signer. On any failure no
     * output file is left.
     *
     * @return {@code decryptedModelPath}
     * @throws ModelDecryptionException wrong key, corrupted file or a signature not from the TEE signer
     */
    public Path decryptModel(String provider, String taskId, Path encryptedModelPath, Path decryptedModelPath) {
        String teeSigner = getService(provider).teeSignerAddress();
        Deliverable d = getDeliverable(provider, taskId);
        if (!d.acknowledged()) {
            throw new InvalidRequestException("The deliverable for task " + taskId + " is not acknowledged: "
                    + "acknowledge it first (\"fine-tuning acknowledge-deliverable\"), then wait until the provider "
                    + "has settled it.");
        }
        if (!d.hasEncryptedSecret()) {
            throw new InvalidRequestException("EncryptedSecret not found — ensure the task status is 'Finished' "
                    + "(the provider releases the model key when it settles the task).");
        }
        if (!Files.isRegularFile(encryptedModelPath)) {
            throw new InvalidRequestException("Encrypted model file not found: " + encryptedModelPath);
        }
        try {
            byte[] key = Ecies.decrypt(chain.credentials().getEcKeyPair().getPrivateKey(), d.encryptedSecret());
            new ModelCipher().decrypt(key, encryptedModelPath, decryptedModelPath, teeSigner);
            return decryptedModelPath;
        } catch (FineTuningCryptoException e) {
            throw new ModelDecryptionException("Cannot decrypt the model of task " + taskId + ": " + e.getMessage(),
                    e);
        } catch (IOException e) {
            throw new ZGComputeException("Cannot decrypt " + encryptedModelPath + " into " + decryptedModelPath
                    + ": " + e.getMessage(), e);
        }
    }

    private TxResult send(String data) {
        return chain.sender().send(contract.getContractAddress(), data, BigInteger.ZERO, null);
    }

    private static void requireTaskId(String taskId) {
        if (taskId == null || taskId.isBlank()) {
            throw new InvalidRequestException("The task id is missing");
        }
    }

    private static FineTuningAccount toAccount(FineTuningServing.AccountDetails a) {
        int valid = a.validRefundsLength.intValueExact();
        List<RefundEntry> refunds = new ArrayList<>();
        for (int i = 0; i < Math.min(valid, a.refunds.size()); i++) {
            FineTuningServing.Refund r = a.refunds.get(i);
            refunds.add(new RefundEntry(r.index, r.amount, r.createdAt));
        }
        List<Deliverable> deliverables = a.deliverables.stream().map(FineTuningBroker::toDeliverable).toList();
        return new FineTuningAccount(Keys.toChecksumAddress(a.user), Keys.toChecksumAddress(a.provider), a.nonce,
                a.balance, a.pendingRefund, refunds, a.additionalInfo, deliverables,
                Boolean.TRUE.equals(a.acknowledged));
    }

    private static Deliverable toDeliverable(FineTuningServing.Deliverable d) {
        return new Deliverable(d.id, d.modelRootHash, d.encryptedSecret, Boolean.TRUE.equals(d.acknowledged),
                d.timestamp, Boolean.TRUE.equals(d.settled));
    }
}
