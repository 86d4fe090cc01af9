package zg.compute.protocol.eip712;

import java.math.BigInteger;

/**
 * The inference settlement message a provider's TEE signer signs:
 * {@code TEESettlement(bytes32 requestsHash,uint256 nonce,address provider,address user,uint256 totalFee)}.
 * Note the signed field order differs from the on-chain {@code TEESettlementData} struct order.
 */
public record TeeSettlement(byte[] requestsHash, BigInteger nonce, String provider, String user,
        BigInteger totalFee) {

    public static final byte[] TYPEHASH = Eip712Domain.keccak(
            "TEESettlement(bytes32 requestsHash,uint256 nonce,address provider,address user,uint256 totalFee)");

    public TeeSettlement {
        requestsHash = AbiWords.bytes32(requestsHash.clone());
    }

    @Override
    public byte[] requestsHash() {
        return requestsHash.clone();
    }

    public byte[] structHash() {
        return AbiWords.keccak(TYPEHASH, requestsHash, AbiWords.uint(nonce), AbiWords.address(provider),
                AbiWords.address(user), AbiWords.uint(totalFee));
    }

    public byte[] digest(Eip712Domain domain) {
        return domain.digest(structHash());
    }
}
