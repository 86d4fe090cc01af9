package zg.compute.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void aTakenPortIsNamedWithTheAdvice() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> Ports.requireFree("127.0.0.1", port, ": pick another with --port"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("port " + port + " on 127.0.0.1 is already in use: pick another with --port");
        }
    }

    @Test
    void portZeroAndAFreePortPass() throws Exception {
        Ports.requireFree("127.0.0.1", 0, "");
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        Ports.requireFree("127.0.0.1", free, "");
    }

    @Test
    void anAddressThatIsNotLocalSaysWhy() {
        assertThatThrownBy(() -> Ports.requireFree("203.0.113.7", 1, ""))
                .hasMessageStartingWith("cannot listen on 203.0.113.7:1: ");
    }
}
