package zg.compute.sdk;

/**
 * A customized model a fine-tuning provider trains ({@code GET {url}/v1/model}, fine-tuning.md §1.3).
 *
 * @param hash the model's root hash: what a task names as its pre-trained model
 */
public record FineTuningProviderModel(String provider, String name, String hash, String description, String dataType,
        String tokenizer) {
}
