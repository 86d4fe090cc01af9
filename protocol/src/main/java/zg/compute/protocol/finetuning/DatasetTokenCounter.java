package zg.compute.protocol.finetuning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * Counts the training tokens of a dataset with a real BPE tokenizer that ships with its vocabulary (jtokkit's
 * {@code cl100k_base}): every string value of every JSONL line ({@code instruction}/{@code input}/{@code output},
 * {@code messages[].content}, {@code text}; not the {@code role} names); in a {@code .zip} (the other form providers
 * take) the {@code .jsonl}/{@code .json} entries. It is THE count of this build: {@code calculate-token} shows it and
 * the provider charges for it, so the estimate is the fee. Read while streaming with {@link DatasetReader}'s caps.
 * The official {@code calculate-token} downloads a model-specific tokenizer from 0G Storage instead, which cannot
 * work offline. Thread-safe; loading the vocabulary takes a moment, so keep one instance.
 */
public final class DatasetTokenCounter {

    /** @param lines non-blank JSONL lines counted */
    public record Count(long tokens, long lines) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    private final DatasetReader reader;

    public DatasetTokenCounter(DatasetReader reader) {
        this.reader = reader;
    }

    public DatasetTokenCounter() {
        this(new DatasetReader());
    }

    public String tokenizer() {
        return "cl100k_base (BPE)";
    }

    /**
     * @throws DatasetReader.Unreadable a line that is not a JSON object or is too long, or a zip over the caps:
     *                                  the message names the file and line
     */
    public Count count(Path dataset) throws IOException, DatasetReader.Unreadable {
        long[] sum = new long[2];
        boolean[] counted = {true};
        reader.read(dataset, new DatasetReader.Visitor() {
            String file;

            @Override
            public void fileStart(String entry) {
                file = entry == null ? dataset.getFileName().toString() : entry;
                counted[0] = entry == null || entry.endsWith(".jsonl") || entry.endsWith(".json");
            }

            @Override
            public void line(String line, long number) throws DatasetReader.Unreadable {
                if (!counted[0] || (line != null && line.isBlank())) {
                    return;
                }
                if (line == null) {
                    throw new DatasetReader.Unreadable(file + " line " + number + " is longer than "
                            + DatasetReader.MAX_LINE + " bytes");
                }
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    n = null;
                }
                if (n == null || !n.isObject()) {
                    throw new DatasetReader.Unreadable(file + " line " + number + " is not a JSON object");
                }
                sum[0] += tokens(n);
                sum[1]++;
            }
        });
        return new Count(sum[0], sum[1]);
    }

    private long tokens(JsonNode n) {
        if (n.isTextual()) {
            return encoding.countTokensOrdinary(n.asText());
        }
        long sum = 0;
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (!f.getKey().equals("role")) {
                    sum += tokens(f.getValue());
                }
            }
        } else if (n.isArray()) {
            for (JsonNode c : n) {
                sum += tokens(c);
            }
        }
        return sum;
    }
}
