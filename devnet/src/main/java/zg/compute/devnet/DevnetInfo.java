package zg.compute.devnet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code devnet.json} holds: how to reach the chain and where everything is. The accounts are
 * the public development keys of the devnet mnemonic (funded only on this local chain).
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true) // devnet up adds providers/user
public record DevnetInfo(String rpcUrl, long chainId, String deployer, Contracts contracts,
        Services services, long lockTime, long penaltyPercentage, List<Account> accounts) {

    public record Contracts(String ledger, String inference, String fineTuning, DeployedSystem ledgerSystem,
            DeployedSystem inferenceSystem, DeployedSystem fineTuningSystem) {
    }

    public record Services(String inference, String fineTuning) {
    }

    public record Account(String address, String privateKey) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public void write(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, "devnet", ".json");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static DevnetInfo read(Path file) {
        try {
            return JSON.readValue(file.toFile(), DevnetInfo.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
