package zg.compute.provider.internal.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class OutputLimitTest {

    private static String event(String content) {
        return "data: {\"choices\":[{\"delta\":{\"content\":\"" + content + "\"}}]}\n\n";
    }

    @Test
    void theLimitIsTheCoveredTokensPlusSlack() {
        OutputLimit limit = new OutputLimit(2);
        for (int i = 0; i < 2 + OutputLimit.SLACK; i++) {
            assertThat(limit.exceededBy(Buffer.buffer(event("t" + i)))).as("event " + i).isFalse();
        }
        assertThat(limit.exceededBy(Buffer.buffer(event("one too many")))).isTrue();
    }

    @Test
    void dataInsideContentOrCommentsDoesNotCount() {
        OutputLimit limit = new OutputLimit(0);
        String tricky = event("data: data: data: data: data: data: data: data: data: data:") + ": data: comment\n\n"
                + "event: data:\n\n";
        assertThat(limit.exceededBy(Buffer.buffer(tricky))).isFalse();
    }

    @Test
    void eventsSplitAcrossChunksAndCrlfCount() {
        OutputLimit limit = new OutputLimit(0);
        String nine = (event("x").replace("\n", "\r\n")).repeat(OutputLimit.SLACK + 1);
        boolean exceeded = false;
        for (int i = 0; i < nine.length(); i += 7) { // 7-byte chunks cut "data:" apart
            exceeded |= limit.exceededBy(Buffer.buffer(nine.substring(i, Math.min(nine.length(), i + 7))));
        }
        assertThat(exceeded).isTrue();
    }
}
