package zg.compute.provider.finetuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zg.compute.provider.ConfigLoader;

/**
 * The official executor interface as a subprocess, with a shell script standing in for a GPU training image
 * (the stand-in: no GPU here); the script checks the layout it is given as a real one would read it.
 */
class CommandTrainerTest {

    private static final String PARAMS = "{\"num_train_epochs\": 1}";

    private static Trainer.Job job(Path dir) throws IOException {
        Path data = Files.writeString(dir.resolve("upload.jsonl"), "{\"text\": \"hello\"}\n");
        Path task = Files.createDirectories(dir.resolve("task"));
        return new Trainer.Job("t1", ConfigLoader.MOCK_MODEL_HASH, "mock-model", data, PARAMS, 1, 1,
                task.resolve("output_model"), task);
    }

    private static List<String> sh(String script) {
        return List.of("sh", "-c", script, "executor", "{data}", "{model}", "{config}", "{output}");
    }

    @Test
    void theExecutorGetsTheOfficialLayoutAndItsOutputIsLogged(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("base-model"));
        Files.writeString(model.resolve("config.json"), "{}");
        Trainer.Job job = job(dir);
        List<String> log = new ArrayList<>();
        new CommandTrainer(sh("""
                test -f data && test -f model/config.json && grep -q num_train_epochs config.json || exit 9
                test "$1" = "$PWD/data" && test "$4" = "$PWD/output_model" || exit 8
                echo 'Step: 1, Logs: {"loss": 1.5}' >> progress.log
                echo trained > output_model/adapter_config.json
                echo 'to stdout'; echo 'to stderr' >&2
                """), model, Duration.ofSeconds(30)).train(job, log::add);
        assertThat(Files.readString(job.outputDir().resolve("adapter_config.json"))).isEqualTo("trained\n");
        assertThat(Files.readString(job.taskDir().resolve("progress.log"))).contains("Step: 1, Logs: {\"loss\": 1.5}");
        assertThat(Files.readString(job.taskDir().resolve("config.json"))).isEqualTo(PARAMS);
        assertThat(log).contains("Container logs:", "to stdout", "to stderr",
                "Training model for task t1 completed successfully");
    }

    @Test
    void aNonZeroExitAnEmptyOutputAndATimeoutFail(@TempDir Path dir) throws Exception {
        Trainer.Job job = job(dir);
        List<String> log = new ArrayList<>();
        assertThatThrownBy(() -> new CommandTrainer(sh("echo 'CUDA out of memory'; exit 3"), null,
                Duration.ofSeconds(30)).train(job, log::add)).isInstanceOf(IOException.class)
                .hasMessage("=== Container Failed === container exited with non-zero status code: 3");
        assertThat(log).contains("CUDA out of memory");
        assertThatThrownBy(() -> new CommandTrainer(sh("exit 0"), null, Duration.ofSeconds(30)).train(job, s -> { }))
                .hasMessage("the executor exited 0 but wrote nothing to output_model/");
        long start = System.nanoTime();
        assertThatThrownBy(() -> new CommandTrainer(sh("sleep 60 & wait"), null, Duration.ofSeconds(1))
                .train(job, s -> { })).hasMessage("=== Container Failed === the executor ran longer than 1 s and was"
                        + " killed");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }
}
