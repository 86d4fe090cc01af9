package zg.compute.provider.internal.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import zg.compute.provider.internal.auth.RequestRejected;

class ChatRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ChatRequest parse(String body) throws RequestRejected {
        return ChatRequest.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"messages\":[],\"stream\":\"true\"}              | invalid request body: stream must be true or false",
        "{\"messages\":[],\"stream\":1}                     | invalid request body: stream must be true or false",
        "{\"messages\":[],\"stream\":\"1\"}                 | invalid request body: stream must be true or false",
        "{\"messages\":[],\"stream\":false} {\"stream\":true} | invalid request body: not valid JSON",
        "{\"messages\":[]}garbage                           | invalid request body: not valid JSON",
        "{\"stream\":false,\"messages\":[],\"stream\":true}  | invalid request body: not valid JSON",
        "[1,2]                                              | invalid request body: not a JSON object",
        "{\"model\":\"m\"}                                  | invalid request body: messages field not found",
        "{\"messages\":[],\"max_tokens\":-5}                | invalid request body: max_tokens must be a positive integer",
        "{\"messages\":[],\"max_tokens\":\"9\"}             | invalid request body: max_tokens must be a positive integer",
        "{\"messages\":[],\"max_completion_tokens\":1.5}    | invalid request body: max_completion_tokens must be a positive integer",
    })
    void ambiguousOrLaxBodiesAreRefusedWithOneLine(String body, String error) {
        assertThatThrownBy(() -> parse(body)).isInstanceOf(RequestRejected.class)
                .hasMessageStartingWith(error)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"))
                .satisfies(e -> assertThat(((RequestRejected) e).status()).isEqualTo(400));
    }

    @Test
    void aStreamAlwaysAsksTheUpstreamForUsageEvenWhenTheClientSaidNo() throws Exception {
        ChatRequest r = parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":false}}");
        JsonNode fwd = JSON.readTree(r.forwardBody(OptionalLong.empty(), null));
        assertThat(fwd.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(fwd.has("max_tokens")).isFalse();
    }

    @Test
    void theOutputIsCappedOnlyWhenTheReservationCoversLessThanTheRequestAllows() throws Exception {
        ChatRequest r = parse("{\"messages\":[],\"max_tokens\":100,\"max_completion_tokens\":80}");
        assertThat(r.maxTokens()).hasValue(80);
        assertThat(JSON.readTree(r.forwardBody(OptionalLong.of(500), null)).path("max_tokens").asLong()).isEqualTo(100);
        JsonNode capped = JSON.readTree(r.forwardBody(OptionalLong.of(30), null));
        assertThat(capped.path("max_tokens").asLong()).isEqualTo(30);
        assertThat(capped.path("max_completion_tokens").asLong()).isEqualTo(30);
    }

    @Test
    void thePromptEstimateCountsEveryMessageAndTextPart() throws Exception {
        String words = "word ".repeat(3000).strip();
        ChatRequest r = parse("{\"messages\":[{\"role\":\"user\",\"content\":\"" + words + "\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"two words\"}]}]}");
        // 14,999 bytes of "word word …" count as 3,750 (bytes / 4 beats 3,000 words); 4 overhead per message
        assertThat(r.promptTokens()).isEqualTo(3750 + 4 + 3 + 4);
    }
}
