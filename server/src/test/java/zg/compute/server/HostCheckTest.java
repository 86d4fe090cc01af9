package zg.compute.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostCheckTest {

    final HostCheck check = new HostCheck(List.of("My-Box.lan", " "), "--allowed-host");

    @Test
    void localhostAndIpLiteralsAreAllowedWithOrWithoutPort() {
        for (String h : List.of("localhost", "localhost:8080", "LOCALHOST", "localhost.", "app.localhost:1",
                "127.0.0.1", "127.0.0.1:3090", "0.0.0.0", "192.168.1.20:80", "[::1]", "[::1]:8080",
                "[fe80::1%25eth0]:1", "[::ffff:127.0.0.1]")) {
            assertThat(check.allows(h)).as(h).isTrue();
        }
    }

    @Test
    void givenNamesAreAllowedCaseInsensitively() {
        assertThat(check.allows("my-box.lan:3090")).isTrue();
        assertThat(check.allows("MY-BOX.LAN")).isTrue();
    }

    @Test
    void anyOtherNameIsRefused() {
        for (String h : List.of("evil.example", "evil.example:3090", "localhost.evil.example", "127.0.0.1.evil.example",
                "cafe.be", "256.1.1.1", "1.2.3", "", "::1", "[::1", "[evil.example]", "my-box.lan.evil", "[::1]x")) {
            assertThat(check.allows(h)).as(h).isFalse();
        }
    }

    @Test
    void noHostHeaderIsHttp10AndAllowed() {
        assertThat(check.allows(null)).isTrue();
    }
}
