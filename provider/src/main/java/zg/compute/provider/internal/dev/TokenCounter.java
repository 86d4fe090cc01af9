package zg.compute.provider.internal.dev;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The development backend's tokenizer: a token is a run of letters, a run of digits, or any single
 * other non-space character ("Hello, world!" = 4 tokens). Real models tokenize differently; this is
 * only meant to be simple, deterministic and countable by hand.
 */
public final class TokenCounter {

    private static final Pattern TOKEN = Pattern.compile("\\p{L}+|\\p{N}+|[^\\s\\p{L}\\p{N}]");

    private TokenCounter() {
    }

    public static int count(String text) {
        Matcher m = TOKEN.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /**
     * The text cut into pieces, one per token, each piece carrying the whitespace before its token, so
     * that concatenating the first k pieces gives the text's first k tokens verbatim.
     */
    public static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = TOKEN.matcher(text);
        int start = 0;
        while (m.find()) {
            out.add(text.substring(start, m.end()));
            start = m.end();
        }
        return out;
    }
}
