package zg.compute.provider.internal.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SseUsageTest {

    private static String event(String content) {
        return "data: {\"choices\":[{\"delta\":{\"content\":\"" + content + "\"}}]}\n\n";
    }

    private static SseUsage fed(String stream, int chunk) {
        SseUsage s = new SseUsage();
        byte[] b = stream.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i += chunk) {
            s.accept(b, i, Math.min(chunk, b.length - i));
        }
        return s;
    }

    @Test
    void eventsAreDataLinesOnly() {
        String tricky = event("data: data: data:") + ": data: comment\n\n" + "event: data:\n\n" + "data: [DONE]\n\n";
        assertThat(fed(tricky, 1000).events()).isEqualTo(2); // the content event and [DONE]
    }

    @Test
    void eventsSplitAcrossChunksAndCrlfCount() {
        String nine = event("x").replace("\n", "\r\n").repeat(9);
        assertThat(fed(nine, 7).events()).isEqualTo(9); // 7-byte chunks cut "data:" apart
    }

    @Test
    void theLastUsageWinsAndNothingAfterDoneCounts() {
        String s = event("hello") + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3}}\n\n"
                + "data: [DONE]\n\n" + "data: {\"usage\":{\"prompt_tokens\":500,\"completion_tokens\":300}}\n\n";
        Usage u = fed(s, 3).usage(99);
        assertThat(u.reported()).isTrue();
        assertThat(u.inputTokens()).isEqualTo(5);
        assertThat(u.outputTokens()).isEqualTo(3);
    }

    @Test
    void withoutUsageTheContentIsCounted() {
        Usage u = fed(event("one two") + event(" three") + "data: not json\n\n", 5).usage(7);
        assertThat(u.reported()).isFalse();
        assertThat(u.inputTokens()).isEqualTo(7);
        assertThat(u.outputTokens()).isEqualTo(TokenEstimate.of("one two three" + "not json "));
    }

    @Test
    void aLastLineWithoutNewlineCounts() {
        Usage u = fed(event("a") + "data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}", 4).usage(0);
        assertThat(u.outputTokens()).isEqualTo(2);
    }

    @Test
    void anOverlongLineIsCountedNotHeld() {
        String huge = "data: " + "x".repeat(SseUsage.MAX_LINE + 10) + "\n\n";
        SseUsage s = fed(huge, 64 * 1024);
        assertThat(s.events()).isEqualTo(1);
        assertThat(s.usage(0).outputTokens()).isGreaterThanOrEqualTo(SseUsage.MAX_LINE / 4);
    }

    @Provide
    Arbitrary<List<String>> events() {
        Arbitrary<String> content = Arbitraries.strings().withChars("ab é中😀 \t").ofMaxLength(12)
                .map(t -> event(t.replace("\t", "\\t")));
        Arbitrary<String> other = Arbitraries.of(": keep-alive\n\n", "event: x\n", "data: oops\n\n", "\r\n",
                "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":9}}\n\n",
                "data: [DONE]\n\n");
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, content), net.jqwik.api.Tuple.of(1, other))
                .list().ofMaxSize(30);
    }

    /** Any cut of the stream into chunks reads the same as the whole stream (UsageExtractor's reading). */
    @Property(tries = 300)
    void chunkingDoesNotMatter(@ForAll("events") List<String> events, @ForAll @IntRange(min = 1, max = 40) int chunk)
            throws Exception {
        String stream = String.join("", events);
        Usage whole = UsageExtractor.extract(stream.getBytes(StandardCharsets.UTF_8), null, "text/event-stream", 3);
        SseUsage chunked = fed(stream, chunk);
        assertThat(chunked.usage(3)).isEqualTo(whole);
        assertThat(chunked.events()).isEqualTo(fed(stream, Integer.MAX_VALUE).events());
    }
}
