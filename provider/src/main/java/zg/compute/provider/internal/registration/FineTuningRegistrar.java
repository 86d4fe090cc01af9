package zg.compute.provider.internal.registration;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.provider.finetuning.FineTuningConfig;
import zg.compute.provider.internal.chain.FineTuningChain;
import zg.compute.provider.internal.registration.ServiceRegistrar.Action;
import zg.compute.provider.internal.registration.ServiceRegistrar.Result;

/**
 * Registers the fine-tuning service on FineTuningServing at start-up (staking {@code MIN_PROVIDER_STAKE}
 * the first time), or updates it when the config changed. The {@code occupied} flag is left as it is: the
 * pipeline owns it (busy while tasks train or wait).
 */
public final class FineTuningRegistrar {

    private static final Logger log = LoggerFactory.getLogger(FineTuningRegistrar.class);

    private final FineTuningChain chain;

    public FineTuningRegistrar(FineTuningChain chain) {
        this.chain = chain;
    }

    public Result sync(FineTuningConfig.Service service, String teeSigner) {
        FineTuningConfig.Quota q = service.quota();
        var quota = new FineTuningServing.Quota(q.cpuCount(), q.memory(), q.gpuCount(), q.storage(), q.gpuType());
        List<String> models = service.models().stream().map(FineTuningConfig.Model::name).toList();
        Optional<FineTuningServing.Service> current = chain.service();
        Action action;
        if (current.isEmpty()) {
            BigInteger stake = chain.minProviderStake();
            chain.addOrUpdateService(service.url(), quota, service.pricePerToken(), false, models, teeSigner, stake);
            action = Action.REGISTERED;
            log.info("registered the fine-tuning service on chain (stake {} neuron)", stake);
        } else if (same(current.get(), service.url(), quota, service.pricePerToken(), models, teeSigner)) {
            action = Action.UNCHANGED;
        } else {
            chain.addOrUpdateService(service.url(), quota, service.pricePerToken(),
                    Boolean.TRUE.equals(current.get().occupied), models, teeSigner, BigInteger.ZERO);
            action = Action.UPDATED;
            log.info("updated the fine-tuning service on chain");
        }
        boolean ack = chain.service().map(s -> Boolean.TRUE.equals(s.teeSignerAcknowledged)).orElse(false);
        if (!ack) {
            log.warn("fine-tuning TEE signer {} is NOT acknowledged by the contract owner yet: tasks are refused until"
                    + " the owner calls acknowledgeTEESignerByOwner({})", teeSigner, chain.providerAddress());
        }
        return new Result(action, ack);
    }

    private static boolean same(FineTuningServing.Service s, String url, FineTuningServing.Quota q,
            BigInteger price, List<String> models, String teeSigner) {
        return s.url.equals(url) && s.pricePerToken.equals(price) && s.models.equals(models)
                && s.teeSignerAddress.equalsIgnoreCase(teeSigner)
                && s.quota.cpuCount.equals(q.cpuCount) && s.quota.nodeMemory.equals(q.nodeMemory)
                && s.quota.gpuCount.equals(q.gpuCount) && s.quota.nodeStorage.equals(q.nodeStorage)
                && s.quota.gpuType.equals(q.gpuType);
    }
}
