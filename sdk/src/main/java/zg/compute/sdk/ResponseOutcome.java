package zg.compute.sdk;

import java.math.BigInteger;

/**
 * What {@link InferenceBroker#processExchange} found for one answer: the chat id it was checked under
 * ({@code ZG-Res-Key}, else the completion id; null when there was neither), the verification of the TEE signature
 * over exactly the bytes exchanged, and the fee added to the local estimate (neuron).
 */
public record ResponseOutcome(String chatId, ResponseVerification verification, BigInteger fee) {
}
