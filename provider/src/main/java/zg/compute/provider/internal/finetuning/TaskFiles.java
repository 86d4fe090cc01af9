package zg.compute.provider.internal.finetuning;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The server's files under {@code workDir}: uploaded datasets ({@code datasets/<user>/<hash>}, so a
 * dataset is only usable by the user who uploaded it) and one directory per task
 * ({@code tasks/<id>/}: {@code progress.log}, {@code output_model/}, {@code model.zip}, {@code model.enc}).
 */
public final class TaskFiles {

    private final Path workDir;
    private final Clock clock;

    public TaskFiles(Path workDir, Clock clock) {
        this.workDir = workDir.toAbsolutePath();
        this.clock = clock;
        try {
            Files.createDirectories(uploads());
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the fine-tuning work directory " + workDir + ": " + e, e);
        }
    }

    /** Where multipart uploads land before they are checked. */
    public Path uploads() {
        return workDir.resolve("uploads");
    }

    /** A 32-byte hex hash: the only dataset names that ever reach the file system. */
    public static boolean isHash(String s) {
        return s != null && s.matches("0x[0-9a-fA-F]{64}");
    }

    /** All users' datasets, one directory per lower-case user address. */
    public Path datasets() {
        return workDir.resolve("datasets");
    }

    public Path dataset(String user, String datasetHash) {
        if (!isHash(datasetHash) || !user.matches("0x[0-9a-fA-F]{40}")) {
            throw new IllegalArgumentException("not a dataset reference: " + user + "/" + datasetHash);
        }
        return datasets().resolve(user.toLowerCase()).resolve(datasetHash.toLowerCase());
    }

    /** A task was created on this dataset: it counts as used now (datasets expire unused, see DatasetQuota). */
    public void touch(Path dataset) {
        try {
            Files.setLastModifiedTime(dataset, java.nio.file.attribute.FileTime.from(clock.instant()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Moves a checked upload into place as the user's dataset {@code hash}. */
    public void storeDataset(Path upload, String user, String hash) throws IOException {
        Path target = dataset(user, hash);
        Files.createDirectories(target.getParent());
        Files.move(upload, target, StandardCopyOption.REPLACE_EXISTING);
    }

    public Path taskDir(String id) {
        return workDir.resolve("tasks").resolve(id);
    }

    public Path outputDir(String id) {
        return taskDir(id).resolve("output_model");
    }

    public Path modelZip(String id) {
        return taskDir(id).resolve("model.zip");
    }

    /** The encrypted model, as served by the {@code /lora} route. */
    public Path encryptedModel(String id) {
        return taskDir(id).resolve("model.enc");
    }

    public Path log(String id) {
        return taskDir(id).resolve("progress.log");
    }

    /** Appends {@code [RFC3339] line} to the task's progress log. */
    public void log(String id, String line) {
        try {
            Files.createDirectories(taskDir(id));
            String text = "[" + Instant.now(clock).truncatedTo(ChronoUnit.SECONDS) + "] " + line + "\n";
            Files.writeString(log(id), text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the progress log of task " + id + ": " + e, e);
        }
    }

    /** Zips {@code output_model/} as {@code output_model/<relative path>} entries into {@link #modelZip}. */
    public Path zipOutput(String id) throws IOException {
        Path src = outputDir(id);
        Path zip = modelZip(id);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(src)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (OutputStream os = Files.newOutputStream(zip); ZipOutputStream out = new ZipOutputStream(os)) {
            for (Path f : files) {
                out.putNextEntry(new ZipEntry("output_model/" + src.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return zip;
    }
}
