package zg.compute.provider.internal.finetuning;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * An APPROXIMATION of the official Python token counter (provider spec §7.5, which runs a HuggingFace
 * tokenizer over the dataset): whitespace-separated words of the {@code text}, {@code input} and
 * {@code output} fields of every JSON line, or of the whole text when a file is not JSON lines. A zip
 * dataset is counted entry by entry. Epochs come from {@code num_train_epochs} of the training
 * parameters (default 3). The fee is {@code tokens × epochs × pricePerToken}. Counted while streaming
 * ({@link DatasetLines}, with its caps); a line too long to parse makes its file plain text.
 */
public final class DatasetTokens {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final long DEFAULT_EPOCHS = 3;

    private DatasetTokens() {
    }

    public static long count(Path dataset) throws IOException, DatasetLines.Unreadable {
        return count(dataset, DatasetLines.Limits.DEFAULT);
    }

    public static long count(Path dataset, DatasetLines.Limits limits) throws IOException, DatasetLines.Unreadable {
        Counter c = new Counter();
        DatasetLines.read(dataset, limits, c);
        c.fileStart();
        return c.total;
    }

    /** Per file: JSON-lines fields if every non-blank line is a JSON object, else every word. */
    private static final class Counter implements DatasetLines.Visitor {
        long total;
        boolean started;
        boolean jsonLines;
        boolean inWord;
        long words;
        long fields;

        @Override
        public void fileStart() {
            if (started) {
                total += jsonLines ? fields : words;
            }
            started = true;
            jsonLines = true;
            inWord = false;
            words = 0;
            fields = 0;
        }

        @Override
        public void bytes(byte[] buf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                byte b = buf[i];
                boolean space = b == ' ' || b == '\t' || b == '\n' || b == 0x0B || b == '\f' || b == '\r';
                if (!space && !inWord) {
                    words++;
                }
                inWord = !space;
            }
        }

        @Override
        public void line(String line) {
            if (!jsonLines) {
                return;
            }
            long f = jsonFields(line);
            jsonLines = f >= 0;
            fields += Math.max(f, 0);
        }
    }

    /** Words in the text/input/output fields of one line; 0 for a blank line; -1 if it is not a JSON object. */
    private static long jsonFields(String text) {
        if (text == null) {
            return -1;
        }
        if (text.isBlank()) {
            return 0;
        }
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return -1;
        }
        if (n == null || !n.isObject()) {
            return -1;
        }
        long fields = 0;
        for (String field : new String[] {"text", "input", "output"}) {
            if (n.path(field).isTextual()) {
                fields += words(n.get(field).asText());
            }
        }
        return fields;
    }

    private static long words(String s) {
        String t = s.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    /**
     * {@code num_train_epochs} of the training parameters (a positive whole number, as a number or a
     * string), default {@value #DEFAULT_EPOCHS}.
     *
     * @throws IllegalArgumentException with a message for the user when the parameters are unusable
     */
    public static long epochs(String trainingParams) {
        JsonNode n;
        try {
            n = JSON.readTree(trainingParams);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("trainingParams is not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("trainingParams must be a JSON object");
        }
        JsonNode e = n.path("num_train_epochs");
        if (e.isMissingNode() || e.isNull()) {
            return DEFAULT_EPOCHS;
        }
        String s = e.asText().trim();
        if (!(e.isIntegralNumber() || e.isTextual() || (e.isNumber() && e.asDouble() == Math.rint(e.asDouble())))
                || !s.matches("\\d{1,6}(\\.0+)?") || Double.parseDouble(s) < 1) {
            throw new IllegalArgumentException("trainingParams.num_train_epochs must be a positive whole number, got "
                    + e);
        }
        return (long) Double.parseDouble(s);
    }
}
