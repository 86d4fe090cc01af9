package zg.compute.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The official facts the tests compare against (deployed ABIs, wire vectors, selector tables), kept as test
 * resources under {@code official/} so the repository's tests need nothing outside it; see
 * {@code official/SOURCES.md} for where each came from.
 */
public final class OfficialFacts {

    private OfficialFacts() {
    }

    public static byte[] bytes(String relative) {
        String name = "/official/" + relative;
        try (InputStream in = OfficialFacts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + name + " missing (see official/SOURCES.md)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(String relative) {
        return new String(bytes(relative), StandardCharsets.UTF_8);
    }
}
