package zg.compute.sdk;

import java.math.BigInteger;
import org.web3j.crypto.Keys;
import zg.compute.protocol.contracts.bindings.InferenceServing;

/**
 * An inference service as registered on chain (field order of the contract's {@code Service}).
 * Addresses are EIP-55 checksummed. Prices are neuron per token (per image for image services, in {@code outputPrice}).
 */
public record ServiceInfo(String provider, String serviceType, String url, BigInteger inputPrice,
        BigInteger outputPrice, BigInteger updatedAt, String model, String verifiability, String additionalInfo,
        String teeSignerAddress, boolean teeSignerAcknowledged) {

    static ServiceInfo of(InferenceServing.Service s) {
        return new ServiceInfo(Keys.toChecksumAddress(s.provider), s.serviceType, s.url, s.inputPrice, s.outputPrice,
                s.updatedAt, s.model, s.verifiability, s.additionalInfo, Keys.toChecksumAddress(s.teeSignerAddress),
                Boolean.TRUE.equals(s.teeSignerAcknowledged));
    }
}
