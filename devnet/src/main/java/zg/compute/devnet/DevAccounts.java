package zg.compute.devnet;

import java.util.ArrayList;
import java.util.List;
import org.web3j.crypto.Bip32ECKeyPair;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.MnemonicUtils;

/**
 * The funded development accounts, derived from the public development mnemonic on the standard
 * path m/44'/60'/0'/0/i (the same keys anvil and Hardhat print). Test keys only: public knowledge,
 * never for real funds.
 */
public final class DevAccounts {

    private DevAccounts() {
    }

    public static List<Credentials> derive(String mnemonic, int count) {
        Bip32ECKeyPair master = Bip32ECKeyPair.generateKeyPair(MnemonicUtils.generateSeed(mnemonic, ""));
        List<Credentials> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int[] path = {44 | Bip32ECKeyPair.HARDENED_BIT, 60 | Bip32ECKeyPair.HARDENED_BIT,
                0 | Bip32ECKeyPair.HARDENED_BIT, 0, i};
            out.add(Credentials.create(Bip32ECKeyPair.deriveKeyPair(master, path)));
        }
        return List.copyOf(out);
    }
}
