package zg.compute.sdk;

import java.math.BigInteger;

/**
 * Generated speech: the WAV bytes, their length in seconds (read from the WAV header), the {@code ZG-Res-Key}
 * (null when absent), the verification of {@code sha256(request):sha256(audio)} and the fee added to the local
 * estimate (neuron).
 */
public record SpeechResult(byte[] audio, double seconds, String chatId, ResponseVerification verification,
        BigInteger fee) {
}
