package zg.compute.provider.finetuning;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Trains one task: reads the dataset, writes the fine-tuned adapter's files into
 * {@link Job#outputDir()} and reports progress lines. The real one runs the training container on a
 * GPU host (provider spec §7.6) — {@link CommandTrainer} runs such an executor; {@link DevTrainer} is the
 * built-in development trainer.
 */
public interface Trainer {

    /**
     * @param baseModelHash  the pre-trained model's root hash as the user sent it
     * @param baseModelName  its configured name
     * @param dataset        the uploaded dataset file
     * @param trainingParams the user's training parameters (JSON text)
     * @param tokenCount     the counted dataset tokens (one epoch)
     * @param epochs         epochs to train
     * @param outputDir      an empty directory that receives the model files ({@code taskDir/output_model})
     * @param taskDir        the task's directory: {@code progress.log} lives there (the official executor
     *                       layout, see {@link CommandTrainer})
     */
    record Job(String taskId, String baseModelHash, String baseModelName, Path dataset, String trainingParams,
            long tokenCount, long epochs, Path outputDir, Path taskDir) {
    }

    /** Trains; a thrown exception fails the attempt (the task is retried up to the configured limit). */
    void train(Job job, Consumer<String> progress) throws IOException;
}
