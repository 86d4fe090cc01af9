package zg.compute.protocol.finetuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BPE token counts of the three dataset line shapes, plain or zipped, and the fee formula of fine-tuning.md §2.3. */
class DatasetTokenCounterTest {

    // cl100k_base: "hello world" is 2 tokens, "Hello, how are you?" 6
    private static final String DATASET = """
            {"text": "hello world"}
            {"messages": [{"role": "user", "content": "hello world"}, {"role": "assistant", "content": "Hello, how are you?"}]}

            {"instruction": "hello world", "input": "", "output": "hello world"}
            """;

    @TempDir
    Path dir;

    @Test
    void countsEveryStringButRoleNamesWithARealBpeVocabulary() throws Exception {
        Path f = Files.writeString(dir.resolve("d.jsonl"), DATASET);
        assertThat(new DatasetTokenCounter().count(f)).isEqualTo(new DatasetTokenCounter.Count(2 + 2 + 6 + 2 + 2, 3));
    }

    @Test
    void aZippedDatasetCountsTheSame() throws Exception {
        Path zip = dir.resolve("d.zip");
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("data/train.jsonl"));
            z.write(DATASET.getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("data/README.md"));
            z.write("not counted".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(new DatasetTokenCounter().count(zip).tokens()).isEqualTo(14);
    }

    @Test
    void aLineThatIsNotAnObjectIsNamed() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"ok\"}\n[1, 2]\n");
        assertThatThrownBy(() -> new DatasetTokenCounter().count(f)).isInstanceOf(DatasetReader.Unreadable.class)
                .hasMessage("bad.jsonl line 2 is not a JSON object");
    }

    @Test
    void theFeeHasTheQwenCoefficientsAndStorageFees() {
        BigInteger price = BigInteger.valueOf(1000);
        assertThat(FineTuningFee.of("0xcb42b5ca9e998c82dd239ef2d20d22a4ae16b3dc0ce0a855c93b52c7c2bab6dc", 14, price, 3))
                .isEqualTo(BigInteger.valueOf(14 * 1000 * 3));
        assertThat(FineTuningFee.of("0xB4F76A886B8655C92BB021922D60B5E4D9271A5C9DA98B6CB10937A06C2C75A7", 14, price, 2))
                .isEqualTo(new BigInteger("10000000000028000"));
        assertThat(FineTuningFee.of("0x2e6f9620c35bdcb2b753cc7aa34e78077a8ed133e36fa36008fd6bdfd29af3a5", 1, price, 1))
                .isEqualTo(new BigInteger("90000000000008000"));
    }
}
