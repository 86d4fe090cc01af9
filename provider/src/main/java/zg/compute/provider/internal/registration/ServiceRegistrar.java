package zg.compute.provider.internal.registration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.provider.ProviderConfig;
import zg.compute.provider.internal.chain.ProviderChain;

/**
 * Registers the service on chain at start-up, or updates it when the config changed: the first
 * registration stakes {@code MIN_PROVIDER_STAKE}, updates send nothing. {@code additionalInfo} is
 * the JSON the SDK requires before it will verify responses (§11.4).
 */
public final class ServiceRegistrar {

    private static final Logger log = LoggerFactory.getLogger(ServiceRegistrar.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProviderChain chain;

    public ServiceRegistrar(ProviderChain chain) {
        this.chain = chain;
    }

    public enum Action { REGISTERED, UPDATED, UNCHANGED }

    public record Result(Action action, boolean teeSignerAcknowledged) {
    }

    /**
     * Keys the SDK reads, with the defaults of a decentralized provider whose broker signs itself; a
     * provider serving several models adds {@code "MultiModel": true, "priceDenomination": "NATIVE"}.
     */
    public static String additionalInfo(ProviderConfig.Service service) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("VerifierURL", "");
        info.put("TargetSeparated", false);
        info.put("TEEVerifier", "dstack");
        info.put("TargetTeeAddress", "");
        info.put("ImageName", "");
        info.put("ImageDigest", "");
        info.put("ProviderType", "decentralized");
        if (service.multiModel()) {
            // what the official SDK's parseMultiModelInfo reads; the catalog itself is served at /v1/models
            info.put("MultiModel", true);
            info.put("priceDenomination", "NATIVE");
        }
        info.putAll(service.additionalInfo());
        try {
            return JSON.writeValueAsString(info);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("service.additionalInfo cannot be written as JSON", e);
        }
    }

    public Result sync(ProviderConfig.Service service, String teeSigner) {
        InferenceServing.ServiceParams params = new InferenceServing.ServiceParams(service.type(), service.url(),
                service.model(), service.verifiability(), service.inputPrice(), service.outputPrice(),
                additionalInfo(service), teeSigner);
        Optional<InferenceServing.Service> current = chain.service();
        Action action;
        if (current.isEmpty()) {
            BigInteger stake = chain.minProviderStake();
            chain.addOrUpdateService(params, stake);
            action = Action.REGISTERED;
            log.info("registered service {} on chain (stake {} neuron)", service.model(), stake);
        } else if (same(current.get(), params)) {
            action = Action.UNCHANGED;
        } else {
            chain.addOrUpdateService(params, BigInteger.ZERO);
            action = Action.UPDATED;
            log.info("updated service {} on chain", service.model());
        }
        boolean ack = chain.service().map(s -> Boolean.TRUE.equals(s.teeSignerAcknowledged)).orElse(false);
        if (ack) {
            log.info("TEE signer {} is acknowledged by the contract owner", teeSigner);
        } else {
            log.warn("TEE signer {} is NOT acknowledged by the contract owner yet: requests are refused until the"
                    + " owner calls acknowledgeTEESignerByOwner({})", teeSigner, chain.providerAddress());
        }
        return new Result(action, ack);
    }

    private static boolean same(InferenceServing.Service s, InferenceServing.ServiceParams p) {
        return s.serviceType.equals(p.serviceType) && s.url.equals(p.url) && s.model.equals(p.model)
                && s.verifiability.equals(p.verifiability) && s.inputPrice.equals(p.inputPrice)
                && s.outputPrice.equals(p.outputPrice) && s.additionalInfo.equals(p.additionalInfo)
                && s.teeSignerAddress.equalsIgnoreCase(p.teeSignerAddress);
    }
}
