package zg.compute.provider;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a fine-tuning provider leaves encrypted models for inference providers to fetch (fine-tuning.md §1.10
 * "Feed"), addressed by the 0G Storage merkle root of the bytes. On testnet/mainnet this is 0G Storage; that client
 * is not built here. {@link DevnetStorage} is the local stand-in.
 */
public interface ModelStorage {

    /** Stores {@code file}; returns its root ({@code 0x} + 64 hex). */
    String put(Path file) throws IOException;

    /**
     * Copies the object of {@code root} to {@code out}, verified: its bytes must have that root.
     *
     * @throws IOException not found, or the stored bytes do not match the root (one-line message)
     */
    void get(String root, Path out) throws IOException;
}
