package zg.compute.provider.finetuning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.web3j.utils.Numeric;
import zg.compute.protocol.finetuning.DatasetReader;
import zg.compute.provider.internal.finetuning.training.ByteLoraModel;
import zg.compute.provider.internal.finetuning.training.Safetensors;

/**
 * The DEVELOPMENT TRAINER, built in (no GPU, no download): real gradient descent in pure Java on a tiny
 * byte-level model ({@link ByteLoraModel}: a frozen base generated from the base model's hash, a LoRA
 * adapter on its output projection), next-byte cross-entropy and Adam with the task's
 * {@code learning_rate}, {@code per_device_train_batch_size}, {@code num_train_epochs} and
 * {@code max_steps}. The loss falls as it learns the dataset's byte statistics; it is no claim of LLM
 * quality. Writes a PEFT-style {@code adapter_config.json} + {@code adapter_model.safetensors} and
 * {@code training_metrics.json}; reports {@code Step: N, Logs: {…}} lines with loss and progress.
 */
public final class DevTrainer implements Trainer {

    /** Hidden size, LoRA rank and alpha (the official script's r 8, α 32). */
    public static final int DIM = 32;
    public static final int RANK = 8;
    public static final int ALPHA = 32;
    /** Bounds that keep a CPU run short: examples per epoch and bytes per example (the official seq 512). */
    static final int MAX_EXAMPLES = 2048;
    static final int MAX_BYTES = 512;
    static final double DEFAULT_LEARNING_RATE = 2e-4;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void train(Job job, Consumer<String> progress) throws IOException {
        JsonNode params = JSON.readTree(job.trainingParams());
        double lr = params.path("learning_rate").asDouble(DEFAULT_LEARNING_RATE);
        int batchSize = Math.max(1, params.path("per_device_train_batch_size").asInt(1));
        long maxSteps = params.path("max_steps").asLong(-1);
        List<byte[]> examples = examples(job);
        if (examples.isEmpty()) {
            throw new IOException("the dataset holds no training text");
        }
        int perEpoch = (examples.size() + batchSize - 1) / batchSize;
        long total = perEpoch * job.epochs();
        if (maxSteps > 0) {
            total = Math.min(total, maxSteps);
        }
        ByteLoraModel model = ByteLoraModel.fresh(seed(job.baseModelHash()), DIM, RANK, ALPHA);
        double before = model.loss(examples);
        progress.accept(String.format(Locale.ROOT, "development trainer (byte-level LoRA, not an LLM): %d examples,"
                + " %d steps, batch %d, learning rate %s, loss before %.4f", examples.size(), total, batchSize,
                lr, before));
        long every = Math.max(1, total / 100);
        Random order = new Random(42);
        List<byte[]> shuffled = new ArrayList<>(examples);
        long step = 0;
        for (long epoch = 0; step < total; epoch++) {
            Collections.shuffle(shuffled, order);
            for (int i = 0; i < shuffled.size() && step < total; i += batchSize) {
                if (Thread.interrupted()) {
                    throw new InterruptedIOException("training interrupted at step " + step);
                }
                double loss = model.step(shuffled.subList(i, Math.min(i + batchSize, shuffled.size())), lr);
                step++;
                if (step % every == 0 || step == total) {
                    progress.accept(String.format(Locale.ROOT, "Step: %d, Logs: {\"loss\": %.4f, \"learning_rate\":"
                            + " %s, \"epoch\": %.2f, \"progress\": \"%d/%d\"}", step, loss, lr,
                            (double) step / perEpoch, step, total));
                }
            }
        }
        double after = model.loss(examples);
        progress.accept(String.format(Locale.ROOT, "training done: loss %.4f -> %.4f over %d steps", before, after,
                total));
        write(job, model, examples, before, after, total);
    }

    private void write(Job job, ByteLoraModel model, List<byte[]> examples, double before, double after, long steps)
            throws IOException {
        Files.createDirectories(job.outputDir());
        ObjectNode config = JSON.createObjectNode();
        config.put("peft_type", "LORA");
        config.put("task_type", "CAUSAL_LM");
        config.put("base_model_name_or_path", job.baseModelName());
        config.put("r", model.rank());
        config.put("lora_alpha", model.alpha());
        config.put("lora_dropout", 0.0);
        config.put("bias", "none");
        config.put("inference_mode", true);
        config.putArray("target_modules").add("lm_head");
        config.put("base_model_hash", job.baseModelHash());
        config.put("zg_dev_trainer", "byte-level development model (hidden " + DIM + ", base seeded from"
                + " base_model_hash), not an LLM");
        Files.writeString(job.outputDir().resolve("adapter_config.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        Safetensors.write(job.outputDir().resolve("adapter_model.safetensors"), model.adapterTensors(),
                Map.of("format", "pt"));
        ObjectNode metrics = JSON.createObjectNode();
        metrics.put("loss_before", before);
        metrics.put("loss_after", after);
        metrics.put("steps", steps);
        metrics.put("examples", examples.size());
        metrics.put("tokens", examples.stream().mapToLong(e -> e.length - 1).sum());
        metrics.put("epochs", job.epochs());
        Files.writeString(job.outputDir().resolve("training_metrics.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(metrics));
    }

    /** The base model's "weights": its hash seeds the frozen base, so one hash is always one base. */
    public static long seed(String baseModelHash) {
        byte[] h = Numeric.hexStringToByteArray(baseModelHash);
        long s = 0;
        for (int i = 0; i < Math.min(8, h.length); i++) {
            s = s << 8 | (h[i] & 0xff);
        }
        return s;
    }

    /** One byte sequence per line: '\n' + the line's training text, at most {@value #MAX_BYTES} bytes. */
    private static List<byte[]> examples(Job job) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try {
            new DatasetReader().read(job.dataset(), (line, number) -> {
                if (line == null || line.isBlank() || out.size() >= MAX_EXAMPLES) {
                    return;
                }
                byte[] text = ("\n" + text(line)).getBytes(StandardCharsets.UTF_8);
                out.add(text.length > MAX_BYTES ? java.util.Arrays.copyOf(text, MAX_BYTES) : text);
            });
        } catch (DatasetReader.Unreadable e) {
            throw new IOException(e.getMessage(), e);
        }
        return out;
    }

    /** The text a line trains on: chat messages, instruction/input/output, or {@code text}; else the line. */
    static String text(String line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (IOException e) {
            return line;
        }
        if (n == null || !n.isObject()) {
            return line;
        }
        StringBuilder sb = new StringBuilder();
        if (n.path("messages").isArray()) {
            n.get("messages").forEach(m -> sb.append(m.path("role").asText()).append(": ")
                    .append(m.path("content").asText()).append('\n'));
        }
        for (String field : new String[] {"instruction", "input", "output", "text"}) {
            if (n.path(field).isTextual() && !n.get(field).asText().isEmpty()) {
                sb.append(n.get(field).asText()).append('\n');
            }
        }
        return sb.length() == 0 ? line : sb.toString();
    }
}
