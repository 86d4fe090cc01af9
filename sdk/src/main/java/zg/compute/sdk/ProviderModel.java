package zg.compute.sdk;

import java.math.BigInteger;

/**
 * One model a provider serves, from its {@code /v1/models} catalog.
 *
 * @param id          the name to put in a request's {@code model}
 * @param type        the service type the provider gives for it, or null
 * @param inputPrice  {@code pricing.prompt} in neuron (per token; per second for speech-to-text), or null when
 *                    the provider gives none as a whole number of neuron
 * @param outputPrice {@code pricing.completion} (else {@code pricing.image}) in neuron, or null likewise
 */
public record ProviderModel(String id, String type, BigInteger inputPrice, BigInteger outputPrice) {
}
