package zg.compute.provider.internal.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

class TokenCountTest {

    /** The estimate's definition on the text held whole: max(words, ⌈UTF-8 bytes of the stripped text / 4⌉). */
    private static long reference(String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            return 0;
        }
        return Math.max(t.split("\\s+").length, (t.getBytes(StandardCharsets.UTF_8).length + 3) / 4);
    }

    @Property(tries = 500)
    void piecesCountAsTheWholeText(@ForAll @Chars({'a', 'b', ' ', '\t', '\n', 'é', '中', '\uD83D', '\uDE00'})
            @StringLength(max = 60) String text, @ForAll @IntRange(min = 1, max = 9) int piece) {
        TokenCount c = new TokenCount();
        for (int i = 0; i < text.length(); i += piece) {
            c.append(text.substring(i, Math.min(text.length(), i + piece)));
        }
        assertThat(c.tokens()).isEqualTo(reference(text));
        assertThat(TokenEstimate.of(text)).isEqualTo(reference(text));
    }
}
