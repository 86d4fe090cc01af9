package zg.compute.provider.finetuning;

import java.nio.file.Path;
import java.time.Duration;

/** The trainer {@code fineTuning.trainer} names. */
final class Trainers {

    private Trainers() {
    }

    /** @param lockTimeSeconds the contract's lockTime: an executor's default timeout is half of it (as official) */
    static Trainer fromConfig(String kind, FineTuningConfig.Executor executor, long lockTimeSeconds) {
        if (!"command".equals(kind)) {
            return new DevTrainer();
        }
        Duration timeout = executor.timeout().isZero() ? Duration.ofSeconds(Math.max(60, lockTimeSeconds / 2))
                : executor.timeout();
        return new CommandTrainer(executor.command(), executor.model().isEmpty() ? null : Path.of(executor.model()),
                timeout);
    }
}
