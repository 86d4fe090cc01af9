package zg.compute.sdk;

import java.math.BigInteger;
import java.util.List;

/**
 * The pictures of an images answer (decoded from {@code b64_json}, or fetched from the broker-hosted {@code urls}),
 * the {@code ZG-Res-Key} (null when the provider sent none), whether the TEE signature covers the request and
 * exactly these pictures, and the fee added to the local estimate (images delivered × outputPrice, neuron).
 * {@code urls} is empty for {@code b64_json} answers.
 */
public record ImageResult(List<byte[]> images, String chatId, ResponseVerification verification, BigInteger fee,
        List<String> urls) {

    public ImageResult(List<byte[]> images, String chatId, ResponseVerification verification, BigInteger fee) {
        this(images, chatId, verification, fee, List.of());
    }
}
