package examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import zg.compute.sdk.ResponseVerification;
import zg.compute.sdk.ServiceMetadata;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** The seed's inference snippet: metadata → fresh headers → POST → ZG-Res-Key → processResponse. */
public final class Chat {

    public static void main(String[] args) throws Exception {
        DevnetFile devnet = DevnetFile.load();
        String provider = devnet.provider("chatbot");
        ObjectMapper json = new ObjectMapper();
        try (ZGComputeNetworkBroker broker = devnet.broker()) {
            broker.inference().acknowledgeProviderSigner(provider);
            ServiceMetadata meta = broker.inference().getServiceMetadata(provider);
            Map<String, String> headers = broker.inference().getRequestHeaders(provider);
            byte[] body = json.writeValueAsBytes(Map.of("model", meta.model(),
                    "messages", List.of(Map.of("role", "user", "content", "What is 0G Compute?"))));
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(meta.endpoint() + "/chat/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach(req::header);
            HttpResponse<byte[]> resp = HttpClient.newHttpClient().send(req.build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            JsonNode data = json.readTree(resp.body());
            String chatId = resp.headers().firstValue("ZG-Res-Key").orElse(data.path("id").asText());
            ResponseVerification v = broker.inference().processResponse(provider, chatId,
                    data.path("usage").toString(), body, resp.body());
            System.out.println(data.at("/choices/0/message/content").asText());
            System.out.println("verification: " + v);
        }
    }
}
