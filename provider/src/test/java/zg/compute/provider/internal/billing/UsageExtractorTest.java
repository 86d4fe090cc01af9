package zg.compute.provider.internal.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UsageExtractorTest {

    private static Usage extract(String body, String contentType, long prompt) throws Exception {
        return UsageExtractor.extract(body.getBytes(StandardCharsets.UTF_8), null, contentType, prompt);
    }

    private static final String SSE = "data: {\"choices\":[{\"delta\":{\"content\":\"one \"}}]}\n\n"
            + "data: {\"choices\":[{\"delta\":{\"content\":\"two three\"}}]}\n\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":3}}\n\ndata: [DONE]\n\n";

    @Test
    void aStreamIsReadAsAStreamWhateverTheRequestSaid() throws Exception {
        assertThat(extract(SSE, "text/event-stream; charset=utf-8", 7)).isEqualTo(new Usage(40, 3, true));
        assertThat(extract(SSE, null, 7)).as("sniffed without Content-Type").isEqualTo(new Usage(40, 3, true));
    }

    @Test
    void withoutUsageTheBrokerBillsItsOwnCountOfPromptAndOutput() throws Exception {
        String noUsage = SSE.replace("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":3}}\n\n", "");
        Usage u = extract(noUsage, "text/event-stream", 3001);
        assertThat(u.reported()).isFalse();
        assertThat(u.inputTokens()).as("never 0 for a non-empty prompt").isEqualTo(3001);
        assertThat(u.outputTokens()).isEqualTo(TokenEstimate.of("one two three"));
    }

    @Test
    void trailingDataAfterAJsonAnswerIsNotIgnored() throws Exception {
        String tricky = "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}"
                + "{\"choices\":[{\"message\":{\"content\":\"" + "many words ".repeat(200) + "\"}}]}";
        Usage u = extract(tricky, "application/json", 50);
        assertThat(u.reported()).isFalse();
        assertThat(u.inputTokens()).isEqualTo(50);
        assertThat(u.outputTokens()).isGreaterThanOrEqualTo(400);
    }

    @Test
    void aJsonAnswerWithUsageIsBilledFromIt() throws Exception {
        Usage u = extract("{\"choices\":[{\"message\":{\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":9,"
                + "\"completion_tokens\":2}}", "application/json", 50);
        assertThat(u).isEqualTo(new Usage(9, 2, true));
    }

    @Test
    void theOwnCountIsNeverZeroForText() {
        assertThat(TokenEstimate.of("")).isZero();
        assertThat(TokenEstimate.of("a")).isEqualTo(1);
        assertThat(TokenEstimate.of("supercalifragilistic")).isEqualTo(5);
        assertThat(TokenEstimate.of("one two three")).isEqualTo(4);
        assertThat(TokenEstimate.of("日本語のテキスト")).isEqualTo(6);
    }
}
