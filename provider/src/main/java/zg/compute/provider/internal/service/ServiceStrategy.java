package zg.compute.provider.internal.service;

import zg.compute.provider.internal.auth.RequestRejected;

/**
 * One billed service type (services-and-ui.md Part A): which route it answers and how its requests are
 * read. Everything else a type decides — estimate, upstream body, usage, fee, signed text — belongs to
 * the {@link PaidRequest} it reads. A new type is one implementation; the broker's pipeline (auth,
 * reservation, relay, billing, signing, settlement) is shared.
 */
public interface ServiceStrategy {

    /** The on-chain {@code serviceType}, e.g. {@code chatbot}. */
    String type();

    /** The upstream path under the model server's base URL, e.g. {@code /chat/completions}. */
    String path();

    /** How the prices read for this type, e.g. {@code neuron per token}. */
    String priceUnit();

    /** Query added to the upstream URL, e.g. {@code ?wait=true} for image servers. */
    default String upstreamQuery() {
        return "";
    }

    /** Reads the client's request strictly; refuses what cannot be billed unambiguously. */
    PaidRequest read(byte[] body, String contentType) throws RequestRejected;

    /** {@link #read} for an authenticated {@code user} (a type whose models depend on the user overrides it). */
    default PaidRequest read(String user, byte[] body, String contentType) throws RequestRejected {
        return read(body, contentType);
    }
}
