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

    /**
     * Content events are read only when needed (a stream with usage never needs them), and a long stream without
     * usage holds at most {@link SseUsage#MAX_DEFERRED} bytes of them: counted as if read one by one.
     */
    @Test
    void deferredContentIsCountedInOrderAndBounded() {
        SseUsage u = new SseUsage();
        TokenCount expected = new TokenCount();
        for (int i = 0; i < 5_000; i++) {
            String piece = i % 3 == 0 ? " word" + i : "part" + i;
            expected.append(piece);
            u.accept(("data: {\"choices\":[{\"delta\":{\"content\":\"" + piece + "\"}}]}\n\n")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(u.deferredBytes()).isLessThanOrEqualTo(SseUsage.MAX_DEFERRED + 200);
        }
        assertThat(u.usage(2)).isEqualTo(new Usage(2, expected.tokens(), false));

        SseUsage withUsage = new SseUsage();
        withUsage.accept("data: {\"choices\":[{\"delta\":{\"content\":\"a message\"}}]}\n\n".getBytes(StandardCharsets.UTF_8));
        withUsage.accept("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}\n\n"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(withUsage.deferredBytes()).isZero();
        assertThat(withUsage.usage(9)).isEqualTo(new Usage(3, 4, true));
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

    /**
     * The event reader (a streaming parse) reads what a tree of each event reads: the last top-level usage, and per
     * choice delta.content, delta.reasoning_content and text as Jackson's asText("") (scalars as text, null and
     * containers as ""); text that is not exactly one JSON value counts as delivered content.
     */
    @Property(tries = 400)
    void eventsReadAsTheirTrees(@ForAll("shapedEvents") List<String> data) throws Exception {
        StringBuilder stream = new StringBuilder();
        TokenCount expected = new TokenCount();
        Usage usage = null;
        for (String d : data) {
            stream.append("data: ").append(d).append("\n\n");
            com.fasterxml.jackson.databind.JsonNode n;
            try {
                n = new com.fasterxml.jackson.databind.ObjectMapper()
                        .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                        .readTree(d.strip());
            } catch (java.io.IOException notJson) {
                expected.append(d.strip()).append(" ");
                continue;
            }
            if (n == null) {
                continue;
            }
            Usage u = UsageExtractor.usage(n.get("usage"));
            if (u != null) {
                usage = u;
            }
            for (com.fasterxml.jackson.databind.JsonNode c : n.path("choices")) {
                expected.append(c.path("delta").path("content").asText(""))
                        .append(c.path("delta").path("reasoning_content").asText(""))
                        .append(c.path("text").asText(""));
            }
        }
        Usage read = fed(stream.toString(), Integer.MAX_VALUE).usage(5);
        assertThat(read).isEqualTo(usage != null ? usage : new Usage(5, expected.tokens(), false));
    }

    @Provide
    Arbitrary<List<String>> shapedEvents() {
        Arbitrary<String> value = Arbitraries.of("\"a b\"", "\"中😀\"", "7", "true", "null", "{\"x\":\"y z\"}", "[1,\"q\"]",
                "\"\"");
        Arbitrary<String> choice = net.jqwik.api.Combinators.combine(value, value, value, Arbitraries.of(0, 1, 2, 3))
                .as((c, r, t, shape) -> switch (shape) {
                    case 0 -> "{\"delta\":{\"content\":" + c + ",\"reasoning_content\":" + r + "},\"text\":" + t + "}";
                    case 1 -> "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":" + c + "}}";
                    case 2 -> "{\"text\":" + t + ",\"finish_reason\":null}";
                    default -> "{\"delta\":" + c + "}";
                });
        Arbitrary<String> object = net.jqwik.api.Combinators.combine(choice.list().ofMaxSize(3),
                Arbitraries.of("", ",\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":9}", ",\"usage\":null",
                        ",\"usage\" :\t{\"prompt_tokens\":6,\"completion_tokens\":2}",
                        ",\"us\\u0061ge\":{\"prompt_tokens\":1,\"completion_tokens\":3}", ",\"usage\":{}",
                        ",\"usage\":{\"completion_tokens\":5}",
                        ",\"id\":\"x\",\"object\":{\"deep\":[1,{\"choices\":[]}]}"))
                .as((cs, extra) -> "{\"choices\":[" + String.join(",", cs) + "]" + extra + "}");
        Arbitrary<String> odd = Arbitraries.of("oops", "{\"choices\":[]} trailing", "[1,2]", "42", "\"text\"",
                "{\"choices\":[{\"delta\":{\"content\":\"half\"", "{}", "{\"choices\":{\"delta\":1}}");
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, object), net.jqwik.api.Tuple.of(1, odd)).list()
                .ofMaxSize(12);
    }
}
