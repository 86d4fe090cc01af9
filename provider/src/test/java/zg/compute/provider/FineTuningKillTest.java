package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.web3j.crypto.Credentials;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.provider.finetuning.DevTrainer;
import zg.compute.provider.finetuning.FineTuningConfig;
import zg.compute.provider.finetuning.FineTuningProviderBroker;
import zg.compute.provider.internal.finetuning.TaskPipeline;

/**
 * The provider dies in each state of a task — at rest between passes and in the middle of every step,
 * including just after a transaction was mined and before the database heard of it — and a restart on the
 * same database and work directory carries the task to Finished, with one deliverable on chain and the fee
 * charged exactly once.
 */
@ExtendWith(DevnetExtension.class)
class FineTuningKillTest {

    /** The process dies here: the pipeline lets a ThreadDeath through, the test then closes the broker. */
    private static final class Killed extends ThreadDeath {
        @java.io.Serial
        private static final long serialVersionUID = 1L;
    }

    @ParameterizedTest(name = "killed at {0}")
    @ValueSource(strings = {"Init", "claimed:SettingUp", "claimed:Training", "claimed:Delivering",
            "added-deliverable", "Delivered", "settling", "settled-on-chain"})
    void aRestartResumesTheTaskAndChargesOnce(String killAt, Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        FineTuningConfig config = f.config(FineTuningFixture.PRICE, 5, 21_600);
        Credentials user = d.account(2);
        AtomicBoolean killed = new AtomicBoolean();
        TaskPipeline.Checkpoints kill = (taskId, point) -> {
            if (point.equals(killAt) && killed.compareAndSet(false, true)) {
                throw new Killed();
            }
        };
        String id;
        BigInteger before;
        try (FineTuningProviderBroker b = FineTuningProviderBroker.start(config,
                new FineTuningProviderBroker.Options(Clock.systemUTC(), false, new DevTrainer(), kill))) {
            d.fineTuning(d.account(0)).acknowledgeTEESignerByOwner(f.provider()).send();
            f.fund(user, 5, 2);
            id = f.createOk(b, user, f.uploadOk(b, user, FineTuningServerTest.DATASET), false);
            before = f.account(user).balance;
            for (int pass = 0; pass < 4 && !killed.get() && !killAt.equals("Init"); pass++) {
                try {
                    b.runPollersNow();
                } catch (Killed e) {
                    break;
                }
                String progress = f.task(b, user, id).get("progress").asText();
                if (progress.equals(killAt)) {
                    break; // killed at rest between two passes
                }
                acknowledgeIfDelivered(d, f, user, id, progress);
            }
        }
        try (FineTuningProviderBroker b = f.start(config)) {
            String progress = f.task(b, user, id).get("progress").asText();
            for (int pass = 0; pass < 5 && !progress.equals("Finished"); pass++) {
                acknowledgeIfDelivered(d, f, user, id, progress);
                b.runPollersNow();
                progress = f.task(b, user, id).get("progress").asText();
            }
            assertThat(progress).isEqualTo("Finished");
            var deliverables = d.fineTuning(user).getDeliverables(user.getAddress(), f.provider()).send();
            assertThat(deliverables).hasSize(1);
            var deliverable = f.deliverable(user, id);
            assertThat(deliverable.settled).isTrue();
            assertThat(deliverable.encryptedSecret).isNotEmpty();
            BigInteger fee = FineTuningFixture.PRICE.multiply(BigInteger.valueOf(FineTuningServerTest.TOKENS * 2));
            assertThat(f.account(user).balance).as("charged once").isEqualTo(before.subtract(fee));
        }
    }

    private static void acknowledgeIfDelivered(Devnet d, FineTuningFixture f, Credentials user, String id,
            String progress) throws Exception {
        if (progress.equals("Delivered") && !f.deliverable(user, id).acknowledged) {
            d.fineTuning(user).acknowledgeDeliverable(f.provider(), id).send();
        }
    }
}
