package zg.compute.provider.internal.lora;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Unpacks the {@code output_model/} entries of a decrypted model zip (fine-tuning.md §1.9) into a directory, with
 * caps on entries and inflated bytes (a zip bomb stops with a one-line error) and no path outside the directory.
 */
final class AdapterUnpacker {

    static final String PREFIX = "output_model/";
    static final int MAX_ENTRIES = 64;
    static final long MAX_BYTES = 2L << 30;

    private AdapterUnpacker() {
    }

    static void unpack(Path zip, Path dir) throws IOException {
        Files.createDirectories(dir);
        long total = 0;
        int entries = 0;
        byte[] buf = new byte[64 * 1024];
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null;) {
                if (e.isDirectory() || !e.getName().startsWith(PREFIX)) {
                    continue;
                }
                if (++entries > MAX_ENTRIES) {
                    throw new IOException("the adapter archive has more than " + MAX_ENTRIES + " files");
                }
                Path target = dir.resolve(e.getName().substring(PREFIX.length())).normalize();
                if (!target.startsWith(dir) || target.equals(dir)) {
                    throw new IOException("the adapter archive names a path outside output_model/: " + e.getName());
                }
                Files.createDirectories(target.getParent());
                try (OutputStream out = Files.newOutputStream(target)) {
                    for (int n; (n = in.read(buf)) > 0;) {
                        total += n;
                        if (total > MAX_BYTES) {
                            throw new IOException("the adapter archive inflates to more than " + MAX_BYTES + " bytes");
                        }
                        out.write(buf, 0, n);
                    }
                }
            }
        }
        if (!Files.isRegularFile(dir.resolve("adapter_config.json"))) {
            throw new IOException("the adapter archive has no output_model/adapter_config.json");
        }
    }

    /** The base model the adapter's {@code adapter_config.json} names ({@code base_model_name_or_path}). */
    static java.util.Optional<String> baseModel(Path dir) throws IOException {
        var config = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("adapter_config.json")
                .toFile());
        String base = config == null ? "" : config.path("base_model_name_or_path").asText("");
        return base.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(base);
    }
}
