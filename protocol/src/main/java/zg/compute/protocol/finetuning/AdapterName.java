package zg.compute.protocol.finetuning;

/**
 * The name an inference provider serves a fine-tuned LoRA adapter under (fine-tuning.md §1.10, the broker's
 * {@code MakeAdapterName()}): {@code ft-} + the base model with {@code /}, {@code .} and spaces as {@code -}
 * (dashes at the ends trimmed) + {@code -} + the first 12 characters of the task id. SDK, CLI and provider all
 * use this one rule.
 */
public final class AdapterName {

    private AdapterName() {
    }

    public static String of(String baseModel, String taskId) {
        String sanitized = baseModel.replace('/', '-').replace('.', '-').replace(' ', '-')
                .replaceAll("^-+|-+$", "");
        return "ft-" + sanitized + "-" + (taskId.length() > 12 ? taskId.substring(0, 12) : taskId);
    }
}
