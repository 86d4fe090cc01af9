package zg.compute.protocol.finetuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our 0G Storage root against the OFFICIAL storage SDK's ({@code interop/storage-root.mjs}, {@code ZgFile}) for
 * file sizes around every boundary: chunk (256 B), flow padding (non-powers of two), segment (256 KiB) and
 * several segments with an odd tail.
 */
class StorageRootInteropTest {

    private static final long[] SIZES = {1, 255, 256, 257, 1000, 4096, 17 * 256 + 3, 262_143, 262_144, 262_145,
            1_048_576 + 77, 3 * 262_144 + 12_345};

    @TempDir
    static Path dir;

    private static final List<Path> FILES = new ArrayList<>();
    private static JsonNode official;

    @BeforeAll
    static void runOfficialSdk() throws Exception {
        Random random = new Random(13);
        FILES.add(Files.write(dir.resolve("empty"), new byte[0]));
        for (long size : SIZES) {
            byte[] data = new byte[(int) size];
            random.nextBytes(data);
            FILES.add(Files.write(dir.resolve("f" + size), data));
        }
        official = run();
    }

    @Test
    void everySizeHasTheOfficialRoot() throws IOException {
        for (Path f : FILES.subList(1, FILES.size())) {
            assertThat(StorageRoot.of(f)).as("root of %d bytes", Files.size(f))
                    .contains(official.get(f.toString()).asText());
        }
    }

    @Test
    void anEmptyFileHasNoRootOnEitherSide() throws IOException {
        assertThat(official.get(FILES.get(0).toString()).isNull()).isTrue();
        assertThat(StorageRoot.of(FILES.get(0))).isEmpty();
    }

    @Test
    void paddingRoundsToASixteenthOfTheNextPowerOfTwo() {
        assertThat(StorageRoot.paddedChunks(1)).isEqualTo(1);
        assertThat(StorageRoot.paddedChunks(3)).isEqualTo(3);
        assertThat(StorageRoot.paddedChunks(17)).isEqualTo(18);
        assertThat(StorageRoot.paddedChunks(1025)).isEqualTo(1152);
        assertThat(StorageRoot.paddedChunks(4096)).isEqualTo(4096);
    }

    private static JsonNode run() throws IOException, InterruptedException {
        String repo = System.getProperty("zg.repo.dir");
        if (repo == null || repo.isBlank()) {
            fail("system property zg.repo.dir is not set (the Maven build sets it to the repository root)");
        }
        Path interop = Path.of(repo, "interop");
        if (!Files.isDirectory(interop.resolve("node_modules/@0glabs/0g-ts-sdk"))) {
            fail("the official storage SDK is not installed in " + interop + "/node_modules; run "
                    + "`(cd interop && npm ci --ignore-scripts --no-audit --no-fund)` (./zg-test does it)");
        }
        List<String> command = new ArrayList<>(List.of("node", "storage-root.mjs"));
        FILES.forEach(f -> command.add(f.toString()));
        Path stdout = dir.resolve("stdout.txt");
        Path stderr = dir.resolve("stderr.txt");
        Process node = new ProcessBuilder(command).directory(interop.toFile()).redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile()).start();
        try {
            if (!node.waitFor(60, TimeUnit.SECONDS)) {
                fail("storage-root.mjs did not finish within 60 s:\n" + Files.readString(stderr));
            }
        } finally {
            node.destroyForcibly();
        }
        if (node.exitValue() != 0) {
            fail("storage-root.mjs exited " + node.exitValue() + ":\n" + Files.readString(stderr));
        }
        return new ObjectMapper().readTree(Files.readString(stdout, StandardCharsets.UTF_8));
    }
}
