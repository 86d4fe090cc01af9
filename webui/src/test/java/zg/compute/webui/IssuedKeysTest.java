package zg.compute.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.sdk.InvalidRequestException;

class IssuedKeysTest {

    private static final String USER = "0xAbC0000000000000000000000000000000000001";
    private static final String PROVIDER = "0xDef0000000000000000000000000000000000002";

    @TempDir
    Path dir;

    @Test
    void readsTheCliRecordOfBareIdsAndSkipsThoseSlots() throws Exception {
        // what get-secret wrote before slots had labels: ids only, keyed user:provider:generation in lower case
        Files.writeString(dir.resolve("api-keys.json"), "{\"" + USER.toLowerCase() + ":" + PROVIDER.toLowerCase()
                + ":0\": [0, 1]}");
        IssuedKeys keys = new IssuedKeys(dir);

        assertThat(keys.issued(USER, PROVIDER, 0)).extracting(IssuedKeys.Slot::tokenId).containsExactly(0, 1);
        assertThat(keys.firstFree(USER, PROVIDER, 0, BigInteger.ZERO)).isEqualTo(2);
        assertThat(keys.firstFree(USER, PROVIDER, 0, BigInteger.valueOf(0b100))).as("slot 2 revoked on chain").isEqualTo(3);
        assertThat(keys.firstFree(USER, PROVIDER, 1, BigInteger.ZERO)).as("a new generation starts over").isZero();
    }

    @Test
    void recordKeepsTheOtherSlotsAndAddsLabelAndTimes() {
        IssuedKeys keys = new IssuedKeys(dir);
        keys.record(USER, PROVIDER, 0, new IssuedKeys.Slot(0, null, null, null));
        keys.record(USER, PROVIDER, 0, new IssuedKeys.Slot(3, " my script ", 1000L, 0L));

        assertThat(new IssuedKeys(dir).issued(USER.toLowerCase(), PROVIDER, 0)).containsExactly(
                new IssuedKeys.Slot(0, null, null, null), new IssuedKeys.Slot(3, "my script", 1000L, 0L));
        assertThat(keys.firstFree(USER, PROVIDER, 0, BigInteger.ZERO)).isEqualTo(1);
    }

    @Test
    void allSlotsTakenIsAClearError() {
        IssuedKeys keys = new IssuedKeys(dir);
        BigInteger allRevoked = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.ONE);
        assertThatThrownBy(() -> keys.firstFree(USER, PROVIDER, 0, allRevoked))
                .isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("Every token id (0..254)");
    }
}
