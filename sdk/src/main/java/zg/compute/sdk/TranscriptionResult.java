package zg.compute.sdk;

import java.math.BigInteger;

/**
 * A transcription: the text (the JSON {@code text}, or the whole answer for text/srt/vtt), the raw answer, the
 * {@code ZG-Res-Key} (null when absent), the verification of {@code sha256(request):sha256(answer)} and the fee
 * added to the local estimate (neuron; 0 when the answer carries no usage or duration).
 */
public record TranscriptionResult(String text, String body, String chatId, ResponseVerification verification,
        BigInteger fee) {
}
