package zg.compute.provider.internal.service;

import java.util.Optional;
import zg.compute.provider.internal.auth.RequestRejected;

/** Fine-tuned adapters a chat may name as its {@code model}: billed as the base model they were trained on. */
@FunctionalInterface
public interface AdapterModels {

    AdapterModels NONE = (user, model) -> Optional.empty();

    /**
     * The base model of {@code model} when it names an adapter {@code user} may chat with; empty when it names no
     * adapter.
     *
     * @throws RequestRejected an adapter of another user, or one that is not active
     */
    Optional<String> baseModel(String user, String model) throws RequestRejected;
}
