package zg.compute.backends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The word error rate the speech tests report is the usual one: word Levenshtein over reference length. */
class WerTest {

    @Test
    void identicalTextsAfterNormalisationHaveNoErrors() {
        assertThat(SpeechFixtures.wer("The quick, brown fox!", "the quick brown fox")).isZero();
        assertThat(SpeechFixtures.words("Don't stop -- it's 'fine'.")).containsExactly("don't", "stop", "it's", "fine");
    }

    @Test
    void countsSubstitutionsDeletionsAndInsertions() {
        // one substitution (jumps → jumped) out of 4 reference words
        assertThat(SpeechFixtures.wer("the fox jumps high", "the fox jumped high")).isCloseTo(0.25, within(1e-9));
        // one deletion
        assertThat(SpeechFixtures.wordErrors(List.of("a", "b", "c"), List.of("a", "c"))).isEqualTo(1);
        // two insertions
        assertThat(SpeechFixtures.wordErrors(List.of("a", "b"), List.of("x", "a", "b", "y"))).isEqualTo(2);
        // everything wrong and longer: WER can exceed 1
        assertThat(SpeechFixtures.wer("a b", "c d e")).isCloseTo(1.5, within(1e-9));
        assertThat(SpeechFixtures.wer("", "")).isZero();
        assertThat(SpeechFixtures.wer("", "noise")).isEqualTo(1.0);
    }
}
