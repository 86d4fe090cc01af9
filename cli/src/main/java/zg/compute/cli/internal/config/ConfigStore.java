package zg.compute.cli.internal.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import zg.compute.cli.CliException;

/**
 * Reads and writes {@code <config dir>/network.json} (the network settings). Not {@code config.json}: the
 * official CLI keeps its own (plaintext-key) {@code config.json} in the same directory, and the two must not
 * overwrite or misread each other.
 */
public final class ConfigStore {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;

    public ConfigStore(Path dir) {
        this.dir = dir;
    }

    public Path file() {
        return dir.resolve("network.json");
    }

    public Optional<NetworkConfig> load() {
        Path f = file();
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), NetworkConfig.class));
        } catch (IOException e) {
            throw new CliException("Cannot read the configuration " + f + ": " + e.getMessage()
                    + ". Run \"0g-compute-cli setup-network\" to write a new one.", e);
        }
    }

    public void save(NetworkConfig config) {
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "config", ".json");
            JSON.writeValue(tmp.toFile(), config);
            Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CliException("Cannot write the configuration " + file() + ": " + e.getMessage(), e);
        }
    }
}
