package zg.compute.webui.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class ChatRelayTest {

    /** The "cannot reach provider …: null": Java's connect failure carries no message. */
    @Test
    void anUnreachableProviderIsNamedWithWhatToDo() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/v1/proxy";
        IOException refused;
        try {
            HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.discarding());
            throw new AssertionError("nothing listens on " + port);
        } catch (ConnectException e) {
            refused = e;
        }
        String text = ChatRelay.unreachable("0xP", url, refused);
        assertThat(text).isEqualTo("cannot reach provider 0xP at " + url
                + ": connection refused — is it running? Send again once it is back.").doesNotContain("null");
        assertThat(ChatRelay.describe(new IOException())).isEqualTo("connection lost (IOException)");
    }
}
