package zg.compute.cli.internal.devnet;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import zg.compute.devnet.DevnetInfo;

/**
 * devnet.json as the CLI reads and extends it. {@code devnet up} adds {@code providers} and {@code user}
 * next to the fields the devnet writes, so reading tolerates keys {@link DevnetInfo} does not know.
 */
public final class DevnetFile {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private DevnetFile() {
    }

    public static DevnetInfo read(Path file) {
        try {
            return JSON.readValue(file.toFile(), DevnetInfo.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * The RPC URL of the devnet that {@code file} describes when something still listens there: a running
     * {@code devnet up} owns that file, and overwriting it would lose that network for every later command.
     */
    public static Optional<String> liveOwner(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        String rpc;
        try {
            rpc = JSON.readTree(file.toFile()).path("rpcUrl").asText("");
        } catch (IOException e) {
            return Optional.empty(); // not a devnet file we can read: nothing to protect
        }
        try (Socket s = new Socket()) {
            URI uri = URI.create(rpc);
            if (uri.getHost() == null || uri.getPort() <= 0) {
                return Optional.empty();
            }
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 500);
            return Optional.of(rpc);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes the devnet's own fields plus {@code providers} (the inference providers), {@code fineTuningProvider}
     * (when one runs) and {@code user}, atomically.
     */
    static void write(Path file, DevnetInfo info, Object providers, Object fineTuningProvider, Object user) {
        ObjectNode root = JSON.valueToTree(info);
        root.set("providers", JSON.valueToTree(providers));
        if (fineTuningProvider != null) {
            root.set("fineTuningProvider", JSON.valueToTree(fineTuningProvider));
        }
        root.set("user", JSON.valueToTree(user));
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, "devnet", ".json");
            JSON.writeValue(tmp.toFile(), root);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
