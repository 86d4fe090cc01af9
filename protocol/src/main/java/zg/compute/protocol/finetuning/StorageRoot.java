package zg.compute.protocol.finetuning;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.jcajce.provider.digest.Keccak;
import org.web3j.utils.Numeric;

/**
 * The 0G Storage merkle root of a file, as the storage SDK ({@code ZgFile.merkleTree()}) computes it: the file is
 * cut into 256-byte chunks, the chunk count padded for the flow ({@link #paddedChunks}), zero-filled, grouped into
 * segments of 1024 chunks; a segment's root is the merkle root of keccak256(chunk), the file's root the merkle root
 * of the segment roots. A merkle level pairs neighbours left to right and carries an odd last node up unchanged.
 * Official providers publish this root as a model's {@code modelRootHash} when they upload it to storage.
 */
public final class StorageRoot {

    static final int CHUNK = 256;
    static final int SEGMENT_CHUNKS = 1024;

    private StorageRoot() {
    }

    /** {@code 0x} + 64 hex digits; empty for an empty file (the storage SDK builds no tree for it). */
    public static Optional<String> of(Path file) throws IOException {
        long size = Files.size(file);
        if (size == 0) {
            return Optional.empty();
        }
        long padded = paddedChunks((size + CHUNK - 1) / CHUNK);
        List<byte[]> segmentRoots = new ArrayList<>();
        byte[] segment = new byte[CHUNK * SEGMENT_CHUNKS];
        try (InputStream in = Files.newInputStream(file)) {
            for (long done = 0; done < padded; done += SEGMENT_CHUNKS) {
                int chunks = (int) Math.min(SEGMENT_CHUNKS, padded - done);
                int length = chunks * CHUNK;
                int read = in.readNBytes(segment, 0, length);
                Arrays.fill(segment, read, length, (byte) 0);
                List<byte[]> leaves = new ArrayList<>(chunks);
                for (int c = 0; c < chunks; c++) {
                    leaves.add(keccak(segment, c * CHUNK, CHUNK));
                }
                segmentRoots.add(root(leaves));
            }
        }
        return Optional.of(Numeric.toHexString(root(segmentRoots)));
    }

    /**
     * Chunks after flow padding: a power of two stays; otherwise the count is rounded up to a multiple of
     * nextPow2/16 (at least 1).
     */
    static long paddedChunks(long chunks) {
        long next = chunks <= 1 ? chunks : Long.highestOneBit(chunks - 1) << 1;
        if (next == chunks) {
            return chunks;
        }
        long min = next >= 16 ? next / 16 : 1;
        return (chunks + min - 1) / min * min;
    }

    private static byte[] root(List<byte[]> leaves) {
        List<byte[]> level = leaves;
        while (level.size() > 1) {
            List<byte[]> up = new ArrayList<>((level.size() + 1) / 2);
            for (int i = 0; i + 1 < level.size(); i += 2) {
                byte[] pair = new byte[64];
                System.arraycopy(level.get(i), 0, pair, 0, 32);
                System.arraycopy(level.get(i + 1), 0, pair, 32, 32);
                up.add(keccak(pair, 0, 64));
            }
            if (level.size() % 2 == 1) {
                up.add(level.get(level.size() - 1));
            }
            level = up;
        }
        return level.get(0);
    }

    private static byte[] keccak(byte[] data, int offset, int length) {
        Keccak.Digest256 digest = new Keccak.Digest256();
        digest.update(data, offset, length);
        return digest.digest();
    }
}
