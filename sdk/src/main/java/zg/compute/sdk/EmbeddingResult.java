package zg.compute.sdk;

import java.math.BigInteger;
import java.util.List;

/**
 * Embeddings in input order, the provider's {@code usage.prompt_tokens} (-1 when absent), the {@code ZG-Res-Key}
 * (null when absent), the verification of {@code sha256(request):sha256(answer)} and the fee added to the local
 * estimate (prompt tokens × inputPrice, neuron).
 */
public record EmbeddingResult(List<double[]> vectors, long promptTokens, String chatId,
        ResponseVerification verification, BigInteger fee) {
}
