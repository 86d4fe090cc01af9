package zg.compute.sdk;

import java.math.BigInteger;
import java.util.List;

/**
 * The decoded pictures of an images answer, the {@code ZG-Res-Key} (null when the provider sent none), whether
 * the TEE signature covers the request and exactly these pictures, and the fee added to the local estimate
 * (images delivered × outputPrice, neuron).
 */
public record ImageResult(List<byte[]> images, String chatId, ResponseVerification verification, BigInteger fee) {
}
