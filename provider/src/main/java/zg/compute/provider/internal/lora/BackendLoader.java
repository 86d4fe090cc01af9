package zg.compute.provider.internal.lora;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import io.vertx.core.json.JsonObject;

/**
 * Loads an unpacked adapter into the model server through vLLM's dynamic LoRA API
 * ({@code POST /v1/load_lora_adapter {"lora_name","lora_path"}}; vLLM with {@code VLLM_ALLOW_RUNTIME_LORA_UPDATING}),
 * after which a chat with {@code model} = the adapter name is answered with the adapter applied.
 */
final class BackendLoader {

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** @param baseUrl the model server's OpenAI base, e.g. {@code http://host:8000/v1} */
    BackendLoader(String baseUrl) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
    }

    void load(String name, Path dir) throws IOException {
        String body = new JsonObject().put("lora_name", name).put("lora_path", dir.toAbsolutePath().toString())
                .encode();
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/load_lora_adapter"))
                .timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading the adapter", e);
        }
        // vLLM answers 400 "… has already been loaded" for a second load of the same name: it is loaded
        if (r.statusCode() != 200 && !r.body().contains("already been loaded")) {
            String text = r.body().length() > 300 ? r.body().substring(0, 300) + "…" : r.body();
            throw new IOException("the model server refused the adapter: " + r.statusCode() + " "
                    + text.replaceAll("\\s+", " "));
        }
    }
}
