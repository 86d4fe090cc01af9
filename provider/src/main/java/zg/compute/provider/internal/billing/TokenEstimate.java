package zg.compute.provider.internal.billing;

/**
 * The broker's own token count, used only where the upstream reports no {@code usage} and for the
 * admission estimate: the larger of the whitespace-separated words and a quarter of the UTF-8 bytes
 * (BPE tokenizers average about four bytes of English per token and fewer for other scripts), so a
 * non-empty text is never free. {@link TokenCount} counts the same of a text that arrives in pieces.
 */
public final class TokenEstimate {

    private TokenEstimate() {
    }

    public static long of(CharSequence text) {
        return new TokenCount().append(text).tokens();
    }
}
