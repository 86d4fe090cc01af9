package zg.compute.provider.internal.finetuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token counter in bounded memory: zip bombs and entry floods end in a clear refusal. */
class DatasetTokensTest {

    private static final String JSONL = """
            {"text": "the quick brown fox"}
            {"input": "hello world", "output": "hi there you"}
            {"label": 1, "text": "ok"}
            """;

    @Test
    void aZipWhoseEntryInflatesToOneGibIsRefusedWhileStreaming(@TempDir Path dir) throws Exception {
        Path bomb = dir.resolve("bomb.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(bomb))) {
            zip.setLevel(Deflater.BEST_COMPRESSION);
            zip.putNextEntry(new ZipEntry("data.jsonl"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 1024; i++) {
                zip.write(zeros);
            }
            zip.closeEntry();
        }
        assertThat(Files.size(bomb)).isLessThan(2L << 20);
        long heapBefore = usedHeap();
        assertThatThrownBy(() -> DatasetTokens.count(bomb)).isInstanceOf(DatasetLines.Unreadable.class)
                .hasMessage("dataset inflates to more than 536870912 bytes");
        assertThat(usedHeap() - heapBefore).as("streamed, not inflated into memory").isLessThan(64L << 20);
    }

    @Test
    void aZipWithTooManyEntriesIsRefused(@TempDir Path dir) throws Exception {
        Path flood = dir.resolve("flood.zip");
        try (OutputStream os = Files.newOutputStream(flood); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (int i = 0; i < 11; i++) {
                zip.putNextEntry(new ZipEntry("e" + i + ".jsonl"));
                zip.write(JSONL.getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        assertThatThrownBy(() -> DatasetTokens.count(flood, new DatasetLines.Limits(1 << 20, 10)))
                .isInstanceOf(DatasetLines.Unreadable.class).hasMessage("dataset zip has more than 10 entries");
        assertThat(DatasetTokens.count(flood, new DatasetLines.Limits(1 << 20, 11))).isEqualTo(11 * 10);
    }

    @Test
    void jsonLinesCountTheirFieldsAndOtherTextCountsEveryWord(@TempDir Path dir) throws Exception {
        Path jsonl = Files.writeString(dir.resolve("a.jsonl"), JSONL);
        assertThat(DatasetTokens.count(jsonl)).isEqualTo(4 + 2 + 3 + 1);
        Path text = Files.writeString(dir.resolve("b.txt"), JSONL + "not json at all\n");
        assertThat(DatasetTokens.count(text)).as("every whitespace-separated word").isEqualTo(20);
        // a line too long to parse as JSON makes the file plain text instead of being buffered whole
        Path longLine = Files.writeString(dir.resolve("c.jsonl"), "{\"text\": \"" + "a ".repeat(600_000) + "\"}\n");
        assertThat(DatasetTokens.count(longLine)).isEqualTo(600_002);
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        System.gc();
        return r.totalMemory() - r.freeMemory();
    }
}
