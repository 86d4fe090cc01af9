package zg.compute.cli.internal.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Usage and completion id from a JSON body or an SSE stream, as received (gzip included). */
class ResponseFactsTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void jsonBody() {
        ResponseFacts f = ResponseFacts.read(utf8("{\"id\":\"c1\",\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5}}"),
                null, false);
        assertThat(f.completionId()).isEqualTo("c1");
        assertThat(f.usageJson()).isEqualTo("{\"prompt_tokens\":3,\"completion_tokens\":5}");
    }

    @Test
    void theLastSseChunkWithUsageWinsAndCommentsAreSkipped() {
        String sse = ": keep-alive\n\nevent: message\ndata: {\"id\":\"c2\",\"choices\":[]}\n\n"
                + "data: {\"id\":\"c2\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\n"
                + "data: not json\n\n"
                + "data: {\"id\":\"c2\",\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":7}}\n\ndata: [DONE]\n\n";
        ResponseFacts f = ResponseFacts.read(utf8(sse), "identity", true);
        assertThat(f.completionId()).isEqualTo("c2");
        assertThat(f.usageJson()).isEqualTo("{\"prompt_tokens\":2,\"completion_tokens\":7}");
    }

    @Test
    void gzipIsDecodedAndUnknownEncodingsYieldNothing() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(utf8("{\"id\":\"c3\",\"usage\":{\"prompt_tokens\":1}}"));
        }
        assertThat(ResponseFacts.read(b.toByteArray(), "gzip", false).completionId()).isEqualTo("c3");
        assertThat(ResponseFacts.read(b.toByteArray(), "br", false)).isEqualTo(new ResponseFacts(null, null));
        assertThat(ResponseFacts.read(utf8("<html>"), null, false)).isEqualTo(new ResponseFacts(null, null));
    }
}
