package zg.compute.cli.internal.serve;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import zg.compute.sdk.InferenceBroker;
import zg.compute.sdk.ProviderHttpException;
import zg.compute.sdk.ProviderModel;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ServiceInfo;
import zg.compute.sdk.ServiceMetadata;
import zg.compute.sdk.ZGComputeException;

/** An on-chain provider: app-sk headers from the SDK, fees and TEE signatures checked through {@code processResponse}. */
public final class ProviderTarget implements Target {

    private final InferenceBroker inference;
    private final String provider;
    private final ServiceMetadata meta;
    /** What the provider serves: a client's model among these is kept, any other becomes the default. */
    private final Set<String> served;
    private final String serviceType;
    /** Why the provider did not answer when connected (null: it answered). */
    private final String unreachable;

    private ProviderTarget(InferenceBroker inference, String provider, ServiceMetadata meta, Set<String> served,
            String serviceType, String unreachable) {
        this.inference = inference;
        this.provider = provider;
        this.meta = meta;
        this.served = served;
        this.serviceType = serviceType;
        this.unreachable = unreachable;
    }

    /** Why the provider did not answer at {@link #connect} (its catalog request got no response), if so. */
    public java.util.Optional<String> unreachableAtConnect() {
        return java.util.Optional.ofNullable(unreachable);
    }

    /**
     * Acknowledges the provider's signer (a transfer of the contract minimum when there is no sub-account
     * yet) and reads its endpoint, model and service type, as the official proxy does at start. No paid health check.
     */
    public static ProviderTarget connect(InferenceBroker inference, String provider) {
        inference.acknowledgeProviderSigner(provider);
        ServiceInfo service = inference.getService(provider);
        ServiceMetadata meta = inference.getServiceMetadata(provider);
        Set<String> served;
        String unreachable = null;
        try {
            served = inference.getProviderModels(provider).models().stream().map(ProviderModel::id)
                    .collect(Collectors.toUnmodifiableSet());
        } catch (ZGComputeException noCatalog) {
            served = Set.of(meta.model()); // the catalog is optional: the on-chain model is always served
            if (noCatalog instanceof ProviderHttpException h && h.status() == -1) {
                unreachable = h.getMessage();
            }
        }
        return new ProviderTarget(inference, provider, meta, served, service.serviceType(), unreachable);
    }

    @Override
    public String id() {
        return provider;
    }

    @Override
    public String kind() {
        return "provider";
    }

    @Override
    public String serviceType() {
        return serviceType;
    }

    @Override
    public String model() {
        return meta.model();
    }

    @Override
    public String modelFor(String requested) {
        return requested != null && served.contains(requested) ? requested : meta.model();
    }

    @Override
    public String baseUrl() {
        return meta.endpoint();
    }

    @Override
    public String asyncUrl() {
        String proxy = meta.endpoint();
        return (proxy.endsWith("/v1/proxy") ? proxy.substring(0, proxy.length() - "/v1/proxy".length()) : proxy)
                + "/v1/async";
    }

    @Override
    public Map<String, String> requestHeaders() {
        return inference.getRequestHeaders(provider);
    }

    @Override
    public String settle(Exchange e) {
        String what = e.route().label() + " " + (e.chatKey() != null ? e.chatKey() : e.completionId()) + " from "
                + provider;
        try {
            // with the bodies: the signature must cover exactly them; image fees count the pictures delivered
            ResponseVerification v = inference.processResponse(provider, e.chatKey(), e.feeContent(), e.request(),
                    e.response());
            String billed = e.route().images() ? "billed per image delivered"
                    : e.usageJson() == null ? "no usage reported" : "usage " + e.usageJson();
            return what + ": " + billed + ", signature " + switch (v) {
                case VERIFIED -> "VERIFIED (covers the request and response bytes)";
                case REJECTED -> "REJECTED";
                case SKIPPED -> "not checked (no ZG-Res-Key)";
            };
        } catch (ZGComputeException ex) {
            return what + ": processResponse failed: " + ex.getMessage();
        }
    }

    @Override
    public ResponseVerification verify(Exchange e) {
        if (e.chatKey() == null) {
            return ResponseVerification.REJECTED;
        }
        return inference.verifyResponse(provider, e.chatKey(), e.request(), e.response());
    }
}
