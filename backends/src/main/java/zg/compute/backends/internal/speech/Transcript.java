package zg.compute.backends.internal.speech;

import java.util.List;
import java.util.stream.Collectors;

/** What the recogniser heard in one file: its segments (with word times) and the audio's real length. */
public record Transcript(List<Segment> segments, double durationSeconds) {

    /** One recognised word, times in seconds from the start of the audio, {@code confidence} its posterior. */
    public record Word(String word, double start, double end, double confidence) {
    }

    /** A stretch of speech (an utterance between pauses, split further when long). */
    public record Segment(int id, double start, double end, String text, List<Word> words) {

        /** Mean natural log of the word posteriors (0 when there are no words). */
        public double avgLogprob() {
            return words.isEmpty() ? 0 : words.stream()
                    .mapToDouble(w -> Math.log(Math.max(w.confidence(), 1e-10))).average().orElse(0);
        }
    }

    /** The segments' texts joined with single spaces. */
    public String text() {
        return segments.stream().map(Segment::text).filter(t -> !t.isEmpty()).collect(Collectors.joining(" "));
    }

    /** Every word of every segment, in order. */
    public List<Word> words() {
        return segments.stream().flatMap(s -> s.words().stream()).toList();
    }
}
