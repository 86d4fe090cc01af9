package zg.compute.provider.internal.billing;

import java.nio.charset.StandardCharsets;

/**
 * The broker's own token count, used only where the upstream reports no {@code usage} and for the
 * admission estimate: the larger of the whitespace-separated words and a quarter of the UTF-8 bytes
 * (BPE tokenizers average about four bytes of English per token and fewer for other scripts), so a
 * non-empty text is never free.
 */
public final class TokenEstimate {

    private TokenEstimate() {
    }

    public static long of(CharSequence text) {
        String t = text.toString().strip();
        if (t.isEmpty()) {
            return 0;
        }
        long words = t.split("\\s+").length;
        long quarterBytes = (t.getBytes(StandardCharsets.UTF_8).length + 3) / 4;
        return Math.max(words, quarterBytes);
    }
}
