package zg.compute.cli.internal.keys;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.web3j.crypto.exception.CipherException;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Wallet;
import org.web3j.crypto.WalletFile;
import zg.compute.cli.CliException;

/**
 * The login key as a standard web3 secret-storage file (scrypt + AES-128-CTR), at
 * {@code <config dir>/keystore.json}, readable by the owner only. Unlike the official CLI no plaintext key
 * is ever written.
 */
public final class KeyStoreFile {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path file;

    public KeyStoreFile(Path configDir) {
        this.file = configDir.resolve("keystore.json");
    }

    public Path path() {
        return file;
    }

    public boolean exists() {
        return Files.exists(file);
    }

    /**
     * Encrypts and writes the key.
     *
     * @param light scrypt N = 4096 instead of 262144 (geth's --lightkdf): fast, but much cheaper to brute-force
     */
    public String save(ECKeyPair key, char[] passphrase, boolean light) {
        try {
            String pass = new String(passphrase);
            WalletFile w = light ? Wallet.createLight(pass, key) : Wallet.createStandard(pass, key);
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "keystore", ".tmp");
            restrict(tmp);
            JSON.writeValue(tmp.toFile(), w);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return Keys.toChecksumAddress(w.getAddress());
        } catch (CipherException | IOException e) {
            throw new CliException("Cannot write the keystore " + file + ": " + e.getMessage());
        }
    }

    /** The address stored in the file (no passphrase needed), if there is a keystore. */
    public Optional<String> address() {
        if (!exists()) {
            return Optional.empty();
        }
        return Optional.of(Keys.toChecksumAddress(read().getAddress()));
    }

    public Credentials unlock(char[] passphrase) {
        WalletFile w = read();
        try {
            return Credentials.create(Wallet.decrypt(new String(passphrase), w));
        } catch (CipherException e) {
            throw new CliException("Wrong keystore passphrase for " + file
                    + " (check ZG_KEYSTORE_PASSWORD, or run \"0g-compute-cli login --force\" to store the key again).");
        }
    }

    public boolean delete() {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new CliException("Cannot delete the keystore " + file + ": " + e.getMessage());
        }
    }

    private WalletFile read() {
        try {
            return JSON.readValue(file.toFile(), WalletFile.class);
        } catch (IOException e) {
            throw new CliException("The keystore " + file + " is unreadable (" + e.getMessage()
                    + "); run \"0g-compute-cli login --force\" to store the key again.");
        }
    }

    private static void restrict(Path p) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system: the content is encrypted anyway.
        }
    }
}
