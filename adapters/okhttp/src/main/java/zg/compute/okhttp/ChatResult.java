package zg.compute.okhttp;

import zg.compute.sdk.ResponseOutcome;

/**
 * A chat completion from a 0G provider, streamed or not: the text, the OpenAI {@code finish_reason}, the token
 * counts of its {@code usage} (-1 when absent), the completion id and model, and the verification outcome.
 */
public record ChatResult(String text, String finishReason, long promptTokens, long completionTokens, String id,
        String model, ResponseOutcome outcome) {
}
