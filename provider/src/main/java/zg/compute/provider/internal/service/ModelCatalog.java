package zg.compute.provider.internal.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.List;
import java.util.stream.Collectors;
import zg.compute.provider.ProviderConfig;
import zg.compute.provider.internal.auth.RequestRejected;

/**
 * The models a service sells and their prices; the on-chain default first. A request is billed at the
 * prices of the model it names. A multi-model provider refuses a model it does not serve (400) and bills
 * a request without one as the default, which it then names upstream so both sides mean the same model.
 * A single-model provider bills every request at its one price and forwards the client's {@code model}
 * as it is (as before models could be listed: the upstream may know the model by another name).
 */
public final class ModelCatalog {

    private final List<ProviderConfig.Model> models;

    public ModelCatalog(List<ProviderConfig.Model> models) {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("a service sells at least one model");
        }
        this.models = List.copyOf(models);
    }

    /** One model at these prices (tests, single-model wiring). */
    public static ModelCatalog single(String name, BigInteger inputPrice, BigInteger outputPrice) {
        return new ModelCatalog(List.of(new ProviderConfig.Model(name, inputPrice, outputPrice)));
    }

    public List<ProviderConfig.Model> models() {
        return models;
    }

    public ProviderConfig.Model defaultModel() {
        return models.get(0);
    }

    public boolean multi() {
        return models.size() > 1;
    }

    public boolean serves(String name) {
        return models.stream().anyMatch(m -> m.name().equals(name));
    }

    /** The 400 text for a model this provider does not serve. */
    public String notServed(String name) {
        return "model " + name + " is not served here; this broker serves "
                + models.stream().map(ProviderConfig.Model::name).collect(Collectors.joining(", "));
    }

    /**
     * The model a request is billed as, from its {@code model} value (a JSON node or a multipart field's
     * text; null when absent).
     */
    public Resolved resolve(JsonNode model) throws RequestRejected {
        if (model == null || model.isNull()) {
            return resolve((String) null);
        }
        if (!model.isTextual()) {
            throw new RequestRejected(400, "invalid request body: model must be a string");
        }
        return resolve(model.asText());
    }

    public Resolved resolve(String name) throws RequestRejected {
        if (!multi()) {
            return new Resolved(defaultModel(), null);
        }
        if (name == null) {
            return new Resolved(defaultModel(), defaultModel().name());
        }
        for (ProviderConfig.Model m : models) {
            if (m.name().equals(name)) {
                return new Resolved(m, null);
            }
        }
        throw new RequestRejected(400, notServed(name));
    }

    /**
     * @param model      whose prices bill the request
     * @param setUpstream the model to name in the forwarded body (the request named none), or null to
     *                    leave the body's {@code model} as it is
     */
    public record Resolved(ProviderConfig.Model model, String setUpstream) {
        public BigInteger inputPrice() {
            return model.inputPrice();
        }

        public BigInteger outputPrice() {
            return model.outputPrice();
        }
    }
}
