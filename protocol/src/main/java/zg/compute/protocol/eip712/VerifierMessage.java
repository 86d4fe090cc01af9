package zg.compute.protocol.eip712;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.web3j.crypto.Hash;

/**
 * The fine-tuning settlement message:
 * {@code VerifierMessage(string id,bytes encryptedSecret,bytes modelRootHash,uint256 nonce,uint256 taskFee,address user)}.
 * The provider is not part of it; the binding comes from the provider's registered TEE signer.
 */
public record VerifierMessage(String id, byte[] encryptedSecret, byte[] modelRootHash, BigInteger nonce,
        BigInteger taskFee, String user) {

    public static final byte[] TYPEHASH = Eip712Domain.keccak(
            "VerifierMessage(string id,bytes encryptedSecret,bytes modelRootHash,uint256 nonce,uint256 taskFee,address user)");

    public VerifierMessage {
        encryptedSecret = encryptedSecret.clone();
        modelRootHash = modelRootHash.clone();
    }

    @Override
    public byte[] encryptedSecret() {
        return encryptedSecret.clone();
    }

    @Override
    public byte[] modelRootHash() {
        return modelRootHash.clone();
    }

    public byte[] structHash() {
        return AbiWords.keccak(TYPEHASH, Hash.sha3(id.getBytes(StandardCharsets.UTF_8)), Hash.sha3(encryptedSecret),
                Hash.sha3(modelRootHash), AbiWords.uint(nonce), AbiWords.uint(taskFee), AbiWords.address(user));
    }

    public byte[] digest(Eip712Domain domain) {
        return domain.digest(structHash());
    }
}
