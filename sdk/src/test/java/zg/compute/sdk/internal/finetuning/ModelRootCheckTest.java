package zg.compute.sdk.internal.finetuning;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.utils.Numeric;
import zg.compute.protocol.finetuning.FileDigest;
import zg.compute.protocol.finetuning.StorageRoot;
import zg.compute.sdk.AcknowledgedModel.RootMatch;

/** A downloaded model against the deliverable's root: either root counts, a mismatch is only a warning. */
class ModelRootCheckTest {

    @TempDir
    Path dir;

    private Path model() throws Exception {
        byte[] bytes = new byte[300_000]; // more than one storage segment
        new Random(7).nextBytes(bytes);
        return Files.write(dir.resolve("model.bin"), bytes);
    }

    @Test
    void theRawKeccak256OfTheFileMatches() throws Exception {
        Path f = model();
        var r = ModelRootCheck.check("t1", f, Numeric.hexStringToByteArray(FileDigest.keccak256(f)));
        assertThat(r.match()).isEqualTo(RootMatch.KECCAK256);
        assertThat(r.warning()).isEmpty();
    }

    @Test
    void theRaw0gStorageRootMatches() throws Exception {
        Path f = model();
        var r = ModelRootCheck.check("t1", f, Numeric.hexStringToByteArray(StorageRoot.of(f).orElseThrow()));
        assertThat(r.match()).isEqualTo(RootMatch.STORAGE_ROOT);
        assertThat(r.warning()).isEmpty();
    }

    @Test
    void theLegacyAsciiRootStillMatches() throws Exception {
        Path f = model();
        var r = ModelRootCheck.check("t1", f, FileDigest.keccak256(f).getBytes(StandardCharsets.US_ASCII));
        assertThat(r.match()).isEqualTo(RootMatch.KECCAK256);
    }

    @Test
    void neitherRootWarnsAsTheOfficialSdkDoes() throws Exception {
        Path f = model();
        byte[] other = new byte[32];
        other[0] = 1;
        var r = ModelRootCheck.check("t1", f, other);
        assertThat(r.match()).isEqualTo(RootMatch.NONE);
        assertThat(r.warning()).contains("Hash mismatch for task t1: expected " + Numeric.toHexString(other)
                + ", got " + FileDigest.keccak256(f) + " (0G Storage root " + StorageRoot.of(f).orElseThrow() + ")");
        assertThat(f).exists();
    }
}
