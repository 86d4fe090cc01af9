package zg.compute.provider;

/**
 * An OpenAI-compatible model server the broker forwards to: {@code baseUrl() + "/chat/completions"}.
 * Any external server (vLLM, llama.cpp, Ollama, …) is just a URL; {@link DevModelBackend} is a
 * built-in stand-in for development.
 */
public interface ModelBackend extends AutoCloseable {

    String baseUrl();

    @Override
    default void close() {
    }

    /** An external server at a fixed URL, managed elsewhere. */
    static ModelBackend external(String baseUrl) {
        return () -> baseUrl;
    }
}
