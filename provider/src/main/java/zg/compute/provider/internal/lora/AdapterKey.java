package zg.compute.provider.internal.lora;

/**
 * What a trusted fine-tuning provider fed for one task: where the encrypted model is stored and its AES key,
 * ECIES-encrypted to this provider's wallet.
 */
public record AdapterKey(String taskId, String fineTuningProvider, String storageHash, String providerEncKey) {
}
