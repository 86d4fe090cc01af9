package zg.compute.protocol.finetuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dataset reader (and so the token counter) in bounded memory: zip bombs, entry floods and endless lines end in a clear refusal. */
class DatasetReaderTest {

    // cl100k_base: 4 + (2 + 3) + 1 tokens (the number is no string, so not counted)
    private static final String JSONL = """
            {"text": "the quick brown fox"}
            {"input": "hello world", "output": "hi there you"}
            {"label": 1, "text": "ok"}
            """;

    @Test
    void aZipWhoseEntryInflatesToOneGibIsRefusedWhileStreaming(@TempDir Path dir) throws Exception {
        Path bomb = zipOfZeros(dir.resolve("bomb.jsonl.zip"), 1024);
        assertThat(Files.size(bomb)).isLessThan(2L << 20);
        long heapBefore = usedHeap();
        assertThatThrownBy(() -> new DatasetTokenCounter().count(bomb)).isInstanceOf(DatasetReader.Unreadable.class)
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
        assertThatThrownBy(() -> counter(10).count(flood)).isInstanceOf(DatasetReader.Unreadable.class)
                .hasMessage("dataset zip has more than 10 entries");
        assertThat(counter(11).count(flood)).isEqualTo(new DatasetTokenCounter.Count(11 * 10, 11 * 3));
    }

    @Test
    void aLineLongerThanOneMibIsRefusedWithoutBeingBufferedWhole(@TempDir Path dir) throws Exception {
        Path longLine = Files.writeString(dir.resolve("c.jsonl"),
                "{\"text\": \"ok\"}\n{\"text\": \"" + "a ".repeat(600_000) + "\"}\n");
        assertThatThrownBy(() -> new DatasetTokenCounter().count(longLine))
                .isInstanceOf(DatasetReader.Unreadable.class).hasMessage("c.jsonl line 2 is longer than 1048576 bytes");
        Path fits = Files.writeString(dir.resolve("d.jsonl"), "{\"text\": \"" + "a ".repeat(400_000) + "\"}");
        assertThat(new DatasetTokenCounter().count(fits).lines()).isEqualTo(1);
    }

    private static DatasetTokenCounter counter(int maxEntries) {
        return new DatasetTokenCounter(new DatasetReader(new DatasetReader.Limits(1 << 20, maxEntries)));
    }

    /**
     * A zip of one entry of {@code mib} MiB of zeros, written without deflating them all: a full flush resets
     * the compressor, so every further MiB compresses to the same bytes, which are repeated.
     */
    static Path zipOfZeros(Path zip, int mib) throws Exception {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        byte[] zeros = new byte[1 << 20];
        byte[] buf = new byte[1 << 16];
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        ByteArrayOutputStream next = new ByteArrayOutputStream();
        for (ByteArrayOutputStream chunk : List.of(first, next)) {
            d.setInput(zeros);
            int n;
            while ((n = d.deflate(buf, 0, buf.length, Deflater.FULL_FLUSH)) > 0) {
                chunk.write(buf, 0, n);
            }
        }
        d.end();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(first.toByteArray());
        CRC32 crc = new CRC32();
        crc.update(zeros);
        for (int i = 1; i < mib; i++) {
            data.writeBytes(next.toByteArray());
            crc.update(zeros);
        }
        data.write(new byte[] {3, 0}); // the final (empty) block
        byte[] body = data.toByteArray();
        int size = (int) ((long) mib << 20); // below 4 GiB: no zip64 (the int keeps the low 32 bits)
        ByteBuffer local = ByteBuffer.allocate(31).order(ByteOrder.LITTLE_ENDIAN).putInt(0x04034b50)
                .putShort((short) 20).putShort((short) 0).putShort((short) 8).putInt(0).putInt((int) crc.getValue())
                .putInt(body.length).putInt(size).putShort((short) 1).putShort((short) 0).put((byte) 'd');
        ByteBuffer central = ByteBuffer.allocate(47).order(ByteOrder.LITTLE_ENDIAN).putInt(0x02014b50)
                .putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 8).putInt(0)
                .putInt((int) crc.getValue()).putInt(body.length).putInt(size).putShort((short) 1)
                .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0).putInt(0)
                .put((byte) 'd');
        ByteBuffer end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN).putInt(0x06054b50)
                .putShort((short) 0).putShort((short) 0).putShort((short) 1).putShort((short) 1).putInt(47)
                .putInt(31 + body.length).putShort((short) 0);
        try (OutputStream out = Files.newOutputStream(zip)) {
            out.write(local.array());
            out.write(body);
            out.write(central.array());
            out.write(end.array());
        }
        return zip;
    }

    @Test
    void theHandWrittenBombIsAValidZip(@TempDir Path dir) throws Exception {
        Path zip = zipOfZeros(dir.resolve("small.zip"), 3);
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(zip))) {
            assertThat(in.getNextEntry().getName()).isEqualTo("d");
            byte[] all = in.readAllBytes();
            assertThat(all).hasSize(3 << 20).containsOnly(0);
            assertThat(in.getNextEntry()).isNull();
        }
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        System.gc();
        return r.totalMemory() - r.freeMemory();
    }
}
