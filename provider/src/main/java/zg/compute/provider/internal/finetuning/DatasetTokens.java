package zg.compute.provider.internal.finetuning;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * An APPROXIMATION of the official Python token counter (provider spec §7.5, which runs a HuggingFace
 * tokenizer over the dataset): whitespace-separated words of the {@code text}, {@code input} and
 * {@code output} fields of every JSON line, or of the whole text when a file is not JSON lines. A zip
 * dataset is counted entry by entry. Epochs come from {@code num_train_epochs} of the training
 * parameters (default 3). The fee is {@code tokens × epochs × pricePerToken}.
 */
public final class DatasetTokens {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final long DEFAULT_EPOCHS = 3;

    private DatasetTokens() {
    }

    public static long count(Path dataset) throws IOException {
        byte[] bytes = Files.readAllBytes(dataset);
        if (bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4) {
            long total = 0;
            try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
                ZipEntry e;
                while ((e = zip.getNextEntry()) != null) {
                    if (!e.isDirectory()) {
                        total += countText(new String(zip.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
            }
            return total;
        }
        return countText(new String(bytes, StandardCharsets.UTF_8));
    }

    /** JSON lines: the text/input/output fields; anything else: every word. */
    static long countText(String text) {
        long fields = 0;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                return words(text);
            }
            if (n == null || !n.isObject()) {
                return words(text);
            }
            for (String field : new String[] {"text", "input", "output"}) {
                if (n.path(field).isTextual()) {
                    fields += words(n.get(field).asText());
                }
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
