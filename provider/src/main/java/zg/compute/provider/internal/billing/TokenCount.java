package zg.compute.provider.internal.billing;

/**
 * The broker's own token count of a text fed in pieces ({@link TokenEstimate} of their concatenation, without
 * holding it): the larger of the whitespace-separated words and a quarter of the UTF-8 bytes, leading and
 * trailing whitespace not counted.
 */
public final class TokenCount {

    private long words;
    private long bytes;
    /** UTF-8 bytes of the whitespace since the last non-whitespace character: counted once text follows. */
    private long pendingWhitespace;
    private boolean inWord;
    private boolean started;
    /** A high surrogate whose low half comes with the next piece. */
    private char highSurrogate;

    public TokenCount append(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (highSurrogate != 0) {
                char high = highSurrogate;
                highSurrogate = 0;
                if (Character.isLowSurrogate(c)) {
                    codePoint(Character.toCodePoint(high, c));
                    continue;
                }
                codePoint(high); // unpaired: counted as the encoder replaces it
            }
            if (Character.isHighSurrogate(c)) {
                highSurrogate = c;
            } else {
                codePoint(c);
            }
        }
        return this;
    }

    /** Counts raw bytes of undecodable text (e.g. an over-long event) as non-whitespace. */
    public TokenCount appendOpaque(long byteCount) {
        if (byteCount > 0) {
            nonWhitespace(byteCount);
        }
        return this;
    }

    private void codePoint(int cp) {
        int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? (Character.isSurrogate((char) cp) ? 1 : 3) : 4;
        if (Character.isWhitespace(cp)) {
            inWord = false;
            if (started) {
                pendingWhitespace += size;
            }
        } else {
            nonWhitespace(size);
        }
    }

    private void nonWhitespace(long size) {
        if (!inWord) {
            words++;
            inWord = true;
        }
        bytes += pendingWhitespace + size;
        pendingWhitespace = 0;
        started = true;
    }

    /** The estimate of everything appended so far. */
    public long tokens() {
        long b = bytes + (highSurrogate != 0 ? pendingWhitespace + 1 : 0); // a trailing lone half: one byte
        long w = words + (highSurrogate != 0 && !inWord ? 1 : 0);
        return Math.max(w, (b + 3) / 4);
    }
}
