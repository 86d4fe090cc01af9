package zg.compute.protocol.finetuning;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bouncycastle.jcajce.provider.digest.Keccak;
import org.web3j.utils.Numeric;

/**
 * keccak256 of a file, streamed (datasets and models can be large). Both sides use it: the provider names an
 * uploaded dataset and an encrypted model by it (the model's on-chain root hash is these 32 bytes, raw), and
 * the user checks a downloaded model against that root.
 */
public final class FileDigest {

    private FileDigest() {
    }

    /** {@code 0x} + 64 lower-case hex digits. */
    public static String keccak256(Path file) throws IOException {
        Keccak.Digest256 digest = new Keccak.Digest256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
        }
        return Numeric.toHexString(digest.digest());
    }
}
