package zg.compute.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import zg.compute.sdk.EmbeddingResult;
import zg.compute.sdk.InferenceBroker;

/**
 * A LangChain4j {@link EmbeddingModel} answered by a 0G embedding provider (the SDK's {@code embeddings().create}:
 * fresh auth, signature checked over the exact bytes, fee counted). The {@link ZgMetadata} keys of each response's
 * {@code metadata()} hold the verification and the fee. {@link #dimension()} asks the provider once (a paid call)
 * and remembers the answer.
 */
public final class ZgEmbeddingModel implements EmbeddingModel {

    private final InferenceBroker inference;
    private final String provider;
    private volatile Integer dimension;

    public ZgEmbeddingModel(InferenceBroker inference, String provider) {
        this.inference = inference;
        this.provider = provider;
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        List<String> texts = segments.stream().map(TextSegment::text).toList();
        EmbeddingResult r = inference.embeddings().create(provider, texts);
        List<Embedding> out = new ArrayList<>(r.vectors().size());
        for (double[] v : r.vectors()) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            out.add(Embedding.from(f));
        }
        if (!out.isEmpty()) {
            dimension = out.get(0).dimension();
        }
        Map<String, Object> meta = new HashMap<>();
        meta.put(ZgMetadata.PROVIDER, provider);
        if (r.chatId() != null) {
            meta.put(ZgMetadata.CHAT_ID, r.chatId());
        }
        meta.put(ZgMetadata.VERIFICATION, r.verification());
        meta.put(ZgMetadata.FEE, r.fee());
        TokenUsage usage = r.promptTokens() >= 0 ? new TokenUsage((int) r.promptTokens()) : null;
        return Response.from(out, usage, null, meta);
    }

    @Override
    public int dimension() {
        Integer d = dimension;
        return d != null ? d : embed("dimension").content().dimension();
    }

    @Override
    public String modelName() {
        return inference.getServiceMetadata(provider).model();
    }
}
