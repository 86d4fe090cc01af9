package zg.compute.sdk;

/**
 * A dataset uploaded straight to the provider's TEE.
 *
 * @param datasetHash what {@code createTask} takes as the dataset (keccak256 of the file, 0x hex)
 * @param message     the provider's words
 */
public record DatasetUpload(String datasetHash, String message) {
}
