package zg.compute.sdk.internal.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ExchangeFactsTest {

    @Test
    void aJsonAnswerGivesItsUsageAndId() {
        ExchangeFacts f = read("{\"id\":\"chatcmpl-1\",\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5}}");
        assertThat(f.usageJson()).isEqualTo("{\"prompt_tokens\":3,\"completion_tokens\":5}");
        assertThat(f.completionId()).isEqualTo("chatcmpl-1");
    }

    @Test
    void aStreamGivesTheUsageOfItsLastChunkCarryingOneAndTheFirstId() {
        ExchangeFacts f = read("data: {\"id\":\"a\",\"choices\":[]}\n\n: comment\n\ndata: not json\n\n"
                + "data: {\"id\":\"b\",\"usage\":{\"prompt_tokens\":1}}\n\n"
                + "data: {\"id\":\"b\",\"usage\":{\"prompt_tokens\":2}}\n\ndata: [DONE]\n\n"
                + "data: {\"usage\":{\"prompt_tokens\":99}}\n\n");
        assertThat(f.usageJson()).isEqualTo("{\"prompt_tokens\":2}");
        assertThat(f.completionId()).isEqualTo("a");
    }

    @Test
    void aWavAnswerGivesItsSeconds() {
        assertThat(ExchangeFacts.read(wav(16_000, 24_000)).wavSeconds()).isEqualTo(1.5);
    }

    @Test
    void anythingElseGivesNothing() {
        assertThat(read("")).isEqualTo(new ExchangeFacts(null, null, 0));
        assertThat(read("{broken")).isEqualTo(new ExchangeFacts(null, null, 0));
        assertThat(ExchangeFacts.read("RIFF-but-no-wave".getBytes(StandardCharsets.US_ASCII)).wavSeconds()).isZero();
    }

    private static ExchangeFacts read(String s) {
        return ExchangeFacts.read(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A 16-bit mono PCM WAV of {@code samples} silent samples. */
    private static byte[] wav(int rate, int samples) {
        ByteBuffer b = ByteBuffer.allocate(44 + samples * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + samples * 2)
                .put("WAVE".getBytes(StandardCharsets.US_ASCII)).put("fmt ".getBytes(StandardCharsets.US_ASCII))
                .putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2)
                .putShort((short) 2).putShort((short) 16).put("data".getBytes(StandardCharsets.US_ASCII))
                .putInt(samples * 2);
        return b.array();
    }
}
