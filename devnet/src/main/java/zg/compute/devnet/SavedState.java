package zg.compute.devnet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A devnet kept in a directory across restarts: anvil's own state dump ({@code anvil-state.json}, written by
 * anvil when it stops) and the deployment it holds ({@code devnet.json}, written at start). Both or neither
 * must be there; a half-written directory is reported rather than silently redeployed over, because a second
 * deployment on a used chain would land at other addresses.
 */
record SavedState(Path dir, Path anvilState, Path info) {

    static SavedState in(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state directory " + dir, e);
        }
        return new SavedState(dir, dir.resolve("anvil-state.json"), dir.resolve("devnet.json"));
    }

    /** The saved deployment, or null when the directory is new. */
    DevnetInfo savedInfo() {
        boolean chain = Files.exists(anvilState);
        boolean deployment = Files.exists(info);
        if (chain && deployment) {
            return DevnetInfo.read(info);
        }
        if (chain) {
            throw new IllegalStateException("the state directory " + dir + " holds a chain but no devnet.json; "
                    + "remove the directory to start a fresh devnet");
        }
        return null;
    }

    /** The saved contracts, checked to exist on the resumed chain. */
    DevnetContracts contracts(DevnetInfo saved, DevChain chain) {
        DevnetInfo.Contracts c = saved.contracts();
        for (String proxy : List.of(c.ledger(), c.inference(), c.fineTuning())) {
            if (!chain.hasCode(proxy)) {
                throw new IllegalStateException("the chain saved in " + anvilState + " has no contract at " + proxy
                        + " (devnet.json does not match it); remove " + dir + " to start a fresh devnet");
            }
        }
        return new DevnetContracts(c.ledgerSystem(), c.inferenceSystem(), c.fineTuningSystem(),
                saved.services().inference(), saved.services().fineTuning());
    }

    void save(DevnetInfo current) {
        current.write(info);
    }
}
