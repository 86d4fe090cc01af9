package zg.compute.devnet.testing;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.eip712.DigestSigner;
import zg.compute.protocol.eip712.Eip712Domain;
import zg.compute.protocol.eip712.VerifierMessage;
import zg.compute.protocol.finetuning.Ecies;
import zg.compute.protocol.finetuning.ModelCipher;
import zg.compute.protocol.units.Units;

/**
 * The provider and owner side of fine-tuning for SDK and CLI tests, done through the contract binding (no
 * provider fine-tuning task server exists in this project): register a service with the 100 0G stake,
 * acknowledge its TEE signer as owner, add deliverables and settle them with a VerifierMessage signed by
 * the TEE key.
 */
public final class FineTuningProviders {

    public static final String URL = "https://ft-provider.example";
    public static final BigInteger PRICE = BigInteger.valueOf(100);
    /** The provider's TEE signer (not a funded dev account). */
    public static final ECKeyPair TEE = ECKeyPair.create(
            Numeric.toBigInt("0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63"));
    public static final byte[] ROOT = "0x1234abcd".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private FineTuningProviders() {
    }

    public static String teeAddress() {
        return Credentials.create(TEE).getAddress();
    }

    public static FineTuningServing.Quota quota() {
        return new FineTuningServing.Quota(BigInteger.valueOf(8), BigInteger.valueOf(32), BigInteger.ONE,
                BigInteger.valueOf(50_000), "H100");
    }

    /** Registers a fine-tuning service for {@code provider} (staking 100 0G) with {@link #TEE} as signer. */
    public static void register(Devnet d, Credentials provider, boolean occupied, List<String> models)
            throws Exception {
        d.fineTuning(provider).addOrUpdateService(URL, quota(), PRICE, occupied, models, teeAddress(), Units.og(100))
                .send();
    }

    public static void ownerAcknowledges(Devnet d, Credentials provider) throws Exception {
        d.fineTuning(d.account(0)).acknowledgeTEESignerByOwner(provider.getAddress()).send();
    }

    public static void addDeliverable(Devnet d, Credentials provider, Credentials user, String id)
            throws Exception {
        d.fineTuning(provider).addDeliverable(user.getAddress(), id, ROOT).send();
    }

    /** {@code settleFees} for deliverable {@code id}, signed by {@link #TEE}; an empty secret = penalty settlement. */
    public static void settle(Devnet d, Credentials provider, Credentials user, String id, byte[] secret, long nonce,
            BigInteger fee) throws Exception {
        Eip712Domain domain = Eip712Domain.fineTuning(d.chain().chainId(), d.contracts().fineTuning().proxy());
        byte[] sig = DigestSigner.sign(new VerifierMessage(id, secret, ROOT, BigInteger.valueOf(nonce), fee,
                user.getAddress()).digest(domain), TEE);
        d.fineTuning(provider).settleFees(new FineTuningServing.VerifierInput(id, secret, ROOT,
                BigInteger.valueOf(nonce), sig, fee, user.getAddress())).send();
    }

    /** The model key as the TEE releases it: ECIES-encrypted to {@code user}'s public key. */
    public static byte[] wrapModelKey(Credentials user, byte[] modelKey) {
        return Ecies.encrypt(Numeric.toBytesPadded(user.getEcKeyPair().getPublicKey(), 64), modelKey);
    }

    /** Encrypts a model file as the TEE does, its tags signed by {@code signer} (normally {@link #TEE}). */
    public static void encryptModel(byte[] modelKey, Path plain, Path encrypted, ECKeyPair signer)
            throws IOException {
        new ModelCipher().encrypt(modelKey, plain, encrypted, Credentials.create(signer));
    }
}
