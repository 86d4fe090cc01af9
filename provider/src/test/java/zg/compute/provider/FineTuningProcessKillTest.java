package zg.compute.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.DefaultBlockParameterName;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.DevnetExtension;
import zg.compute.protocol.finetuning.DatasetTokenCounter;
import zg.compute.protocol.finetuning.FineTuningFee;

/**
 * The fine-tuning provider as its own JVM ({@code ProviderMain start}, {@link BrokerJvm}) is SIGKILLed once in each
 * state of one task — SettingUp, Training, Delivering, Delivered, and UserAcknowledged with its settlement
 * transaction sent but not yet mined — and restarted on the same database and work directory each time. The task
 * ends Finished with one deliverable, and the user's sub-account and the provider's wallet moved by the task's fee
 * exactly once. The states last long enough to be seen from outside: a dataset of a few MB (BPE counting at Setup),
 * a shell script standing in for a GPU training image (no GPU here) that trains for 1 s and writes a 16 MB
 * adapter (zipped, encrypted and hashed at delivery), and a chain that stops mining before the settlement. Like a
 * training container, the script outlives a killed provider; the restarted provider must stop it.
 */
@ExtendWith(DevnetExtension.class)
class FineTuningProcessKillTest {

    private static final List<String> ORDER = List.of("Init", "SettingUp", "SetUp", "Training", "Trained",
            "Delivering", "Delivered", "UserAcknowledged", "Finished");
    private static final Duration START_DEADLINE = Duration.ofSeconds(40);
    private static final Duration STATE_DEADLINE = Duration.ofSeconds(30);

    /**
     * The executor: trains 1 s, then writes its adapter. Like a training container it outlives the provider that
     * started it (here for 30 s), until the restarted provider stops it. It notes its pid in {@code PIDS}.
     */
    private static final String TRAINER = """
            echo $$ >> "PIDS"
            for i in 1 2 3 4 5 6 7 8 9 10; do
              sleep 0.1
              kill -0 "$PPID" 2>/dev/null || { sleep 30; exit 1; }
            done
            echo 'Step: 1, Logs: {"loss": 1.0}' >> progress.log
            echo '{"peft_type": "LORA", "r": 8}' > output_model/adapter_config.json
            head -c 16000000 /dev/urandom > output_model/adapter_model.safetensors
            """;

    /** Alive and not a zombie (killed, waiting for its new parent, init, to reap it). */
    private static boolean running(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + h.pid() + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (java.io.IOException | RuntimeException gone) {
            return false;
        }
    }

    @Test
    void sigkillInEachStateResumesTheTaskAndChargesItsFeeOnce(Devnet d, @TempDir Path dir) throws Exception {
        FineTuningFixture f = new FineTuningFixture(d, dir);
        Path pids = dir.resolve("executor-pids");
        Path script = Files.writeString(dir.resolve("train.sh"), TRAINER.replace("PIDS", pids.toString()));
        Path config = Files.writeString(dir.resolve("fine-tuning.yaml"), f.configYaml(FineTuningFixture.PRICE, 5,
                21_600) + """
                  pollIntervalSeconds: 1
                  trainer: command
                  trainerCommand: ["sh", "%s"]
                """.formatted(script));
        Path logback = Files.writeString(dir.resolve("logback.xml"), BrokerJvm.LOGBACK);
        BrokerJvm jvm = new BrokerJvm(config, f.base.env(), logback, dir.resolve("no-class-archive.jsa"),
                System.getProperty("java.class.path"));
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Credentials user = d.account(2);
        byte[] data = dataset();
        long tokens = new DatasetTokenCounter().count(Files.write(dir.resolve("data.jsonl"), data)).tokens();
        BigInteger fee = FineTuningFee.of(FineTuningFixture.MOCK_MODEL, tokens, FineTuningFixture.PRICE, 2);

        BrokerJvm.BrokerProcess p = jvm.spawn(logs.resolve("1.log"), false);
        String base = p.awaitReady(START_DEADLINE);
        d.fineTuning(d.account(0)).acknowledgeTEESignerByOwner(f.provider()).send();
        f.fund(user, 5, 2);
        BigInteger userBefore = f.account(user).balance;
        BigInteger providerBefore = f.base.balance(f.provider());
        long block = f.base.blockNumber();
        String id = f.createOk(base, user, f.uploadOk(base, user, data), false);

        killIn("SettingUp", p, f, base, user, id);
        p = jvm.spawn(logs.resolve("2.log"), false);
        base = p.awaitReady(START_DEADLINE);
        awaitProgress(f, base, user, id, "Training");
        long deadline = System.nanoTime() + STATE_DEADLINE.toNanos();
        while (!Files.exists(pids) || Files.size(pids) == 0) { // the executor is running
            assertThat(System.nanoTime()).as("the executor starts").isLessThan(deadline);
            Thread.sleep(5);
        }
        killIn("Training", p, f, base, user, id);
        p = jvm.spawn(logs.resolve("3.log"), false);
        killIn("Delivering", p, f, p.awaitReady(START_DEADLINE), user, id);
        List<ProcessHandle> executors = Files.readAllLines(pids).stream()
                .flatMap(pid -> ProcessHandle.of(Long.parseLong(pid.strip())).stream()).toList();
        try {
            // stopped and reaped: an orphan's exit is reaped by init, which may take a moment on a loaded machine
            // (the leftover, if never stopped, would sleep 30 s)
            long reaped = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (executors.stream().anyMatch(FineTuningProcessKillTest::running) && System.nanoTime() < reaped) {
                Thread.sleep(50);
            }
            assertThat(executors).as("the executor the killed provider left running was stopped on restart")
                    .noneMatch(FineTuningProcessKillTest::running);
        } finally {
            executors.forEach(ProcessHandle::destroyForcibly);
        }
        p = jvm.spawn(logs.resolve("4.log"), false);
        killIn("Delivered", p, f, p.awaitReady(START_DEADLINE), user, id);

        // acknowledged while the provider is down; its settlement transaction then waits in the pool
        d.fineTuning(user).acknowledgeDeliverable(f.provider(), id).send();
        d.chain().setAutomine(false);
        try {
            p = jvm.spawn(logs.resolve("5.log"), false);
            base = p.awaitReady(START_DEADLINE);
            awaitProgress(f, base, user, id, "UserAcknowledged");
            deadline = System.nanoTime() + STATE_DEADLINE.toNanos();
            while (nonce(d, f, DefaultBlockParameterName.PENDING) == nonce(d, f, DefaultBlockParameterName.LATEST)) {
                assertThat(System.nanoTime()).as("the settlement transaction is sent").isLessThan(deadline);
                Thread.sleep(5);
            }
            p.kill();
        } finally {
            d.chain().setAutomine(true);
            d.chain().mine(); // the settlement sent before the kill lands: the database never heard of it
        }
        assertThat(f.deliverable(user, id).settled).isTrue();

        p = jvm.spawn(logs.resolve("6.log"), false);
        base = p.awaitReady(START_DEADLINE);
        assertThat(awaitProgress(f, base, user, id, "Finished")).isEqualTo("Finished");
        assertThat(f.task(base, user, id).get("fee").asText()).as("the fee of calculate-token's count")
                .isEqualTo(fee.toString());
        // each kill landed where it was aimed: the restarts resumed those steps
        assertThat(BrokerFixture.text(f.get(base, "/v1/user/" + FineTuningFixture.checksum(user) + "/task/" + id
                + "/log"))).contains("server restarted during SettingUp: resuming from Init",
                "server restarted during Training: resuming from SetUp",
                "server restarted during Delivering: resuming from Trained", "already settled on chain");
        p.stop();

        assertThat(d.fineTuning(user).getDeliverables(user.getAddress(), f.provider()).send()).hasSize(1);
        assertThat(f.deliverable(user, id).encryptedSecret).isNotEmpty();
        assertThat(f.account(user).balance).as("charged once").isEqualTo(userBefore.subtract(fee));
        BigInteger gas = f.base.gasPaid(f.provider(), block, f.base.blockNumber());
        assertThat(f.base.balance(f.provider()).subtract(providerBefore).add(gas)).as("paid once").isEqualTo(fee);
    }

    /** Waits until the task is in {@code state} (failing if it went past it unseen), then SIGKILLs the provider. */
    private static void killIn(String state, BrokerJvm.BrokerProcess p, FineTuningFixture f, String base,
            Credentials user, String id) throws Exception {
        awaitProgress(f, base, user, id, state);
        p.kill();
        p.note("test: SIGKILL in " + state);
    }

    private static String awaitProgress(FineTuningFixture f, String base, Credentials user, String id,
            String state) throws Exception {
        long deadline = System.nanoTime() + STATE_DEADLINE.toNanos();
        while (true) {
            var task = f.task(base, user, id);
            String now = task.get("progress").asText();
            if (now.equals(state)) {
                return now;
            }
            assertThat(ORDER.indexOf(now)).as("task went past %s unseen: %s", state, task)
                    .isLessThan(ORDER.indexOf(state)).isNotNegative();
            assertThat(System.nanoTime()).as("task still %s, not %s", now, state).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private static long nonce(Devnet d, FineTuningFixture f, DefaultBlockParameterName at) throws Exception {
        return d.chain().web3j().ethGetTransactionCount(f.provider(), at).send().getTransactionCount().longValueExact();
    }

    /** About 3 MB of instruction lines: counting them keeps Setup busy for a moment. */
    private static byte[] dataset() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 24_000; i++) {
            sb.append("{\"instruction\": \"Summarise record ").append(i).append(" of the ledger.\", \"input\": \"\", ")
                    .append("\"output\": \"Record ").append(i).append(" moved ").append(i * 7 % 1000)
                    .append(" units between two accounts, settled once.\"}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
