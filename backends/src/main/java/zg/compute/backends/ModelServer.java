package zg.compute.backends;

/**
 * A model server speaking (part of) the OpenAI HTTP API on loopback, meant to stand behind a provider
 * broker as its {@code targetUrl}. Each implementation says in its name and its answers whether it runs a
 * real model (speech recognition, embeddings) or is a development stand-in (image rendering).
 */
public interface ModelServer extends AutoCloseable {

    /** The OpenAI-style base URL, ending in {@code /v1}: the broker appends {@code /embeddings} etc. */
    String baseUrl();

    /** What runs behind it, e.g. {@code "pocketsphinx 5prealpha, en-us (real model)"}. */
    String description();

    @Override
    void close();
}
