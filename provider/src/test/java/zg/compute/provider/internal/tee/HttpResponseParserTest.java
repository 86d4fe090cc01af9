package zg.compute.provider.internal.tee;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HttpResponseParserTest {

    private static Optional<HttpResponseParser.Response> parse(String s, boolean eof) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return HttpResponseParser.parse(b, b.length, eof);
    }

    private static final String CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
            + "5;name=value\r\n{\"a\":\r\n"
            + "10\r\n\"0123456789abc\"}\r\n"
            + "0\r\nX-Trailer: t\r\n\r\n";

    @Test
    void chunkedBodiesAreJoinedAndExtensionsAndTrailersSkipped() throws IOException {
        HttpResponseParser.Response r = parse(CHUNKED, false).orElseThrow();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers()).containsEntry("content-type", "application/json");
        assertThat(r.text()).isEqualTo("{\"a\":\"0123456789abc\"}");
    }

    @Test
    void aChunkedBodyIsIncompleteUntilItsLastChunkArrives() throws IOException {
        // Every prefix short of the final empty line waits for more bytes instead of returning a partial body.
        for (int cut = CHUNKED.indexOf("\r\n\r\n") + 4; cut < CHUNKED.length(); cut++) {
            assertThat(parse(CHUNKED.substring(0, cut), false)).as("prefix of " + cut).isEmpty();
        }
        assertThatThrownBy(() -> parse(CHUNKED.substring(0, CHUNKED.length() - 10), true))
                .hasMessage("connection closed in the middle of a chunked response body");
    }

    @Test
    void malformedChunksAreErrors() {
        assertThatThrownBy(() -> parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false))
                .hasMessage("malformed chunk size line: zz");
        assertThatThrownBy(() -> parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", false))
                .hasMessage("chunk of 2 bytes is not followed by CRLF");
    }

    @Test
    void contentLengthAndReadUntilClose() throws IOException {
        String head = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\n";
        assertThat(parse(head + "ab", false)).isEmpty();
        assertThat(parse(head + "abcd", false).orElseThrow().text()).isEqualTo("abcd");
        assertThat(parse(head + "abcd", false).orElseThrow().status()).isEqualTo(500);
        assertThatThrownBy(() -> parse(head + "ab", true)).hasMessage("connection closed after 2 of 4 body bytes");

        String noLength = "HTTP/1.0 200 OK\r\n\r\nall of it";
        assertThat(parse(noLength, false)).isEmpty();
        assertThat(parse(noLength, true).orElseThrow().text()).isEqualTo("all of it");
    }

    @Test
    void notHttpIsAnError() {
        assertThatThrownBy(() -> parse("SSH-2.0-OpenSSH\r\n\r\n", false)).hasMessage("not an HTTP/1.x response: SSH-2.0-OpenSSH");
        assertThatThrownBy(() -> parse("", true)).hasMessage("connection closed without a response");
        assertThatThrownBy(() -> parse("HTTP/1.1 200", true))
                .hasMessage("connection closed in the middle of the response headers");
    }
}
