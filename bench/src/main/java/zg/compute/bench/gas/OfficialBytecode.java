package zg.compute.bench.gas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the official contracts' creation code from the typechain factories shipped in the npm
 * package {@code @0gfoundation/0g-compute-ts-sdk} (installed by {@code npm ci} in {@code interop/}).
 * Used only to measure against; never deployed by the product.
 */
record OfficialBytecode(String ledger, String inference, String fineTuning) {

    private static final Pattern BYTECODE = Pattern.compile("_bytecode = '(0x[0-9a-fA-F]+)'");

    static OfficialBytecode load(Path interopDir) {
        Path sdk = interopDir.resolve("node_modules/@0gfoundation/0g-compute-ts-sdk/cli.commonjs/sdk");
        return new OfficialBytecode(
                read(sdk.resolve("ledger/contract/typechain/factories/LedgerManager__factory.js")),
                read(sdk.resolve("inference/contract/typechain/factories/InferenceServing__factory.js")),
                read(sdk.resolve("fine-tuning/contract/typechain/factories/FineTuningServing__factory.js")));
    }

    private static String read(Path factory) {
        try {
            Matcher m = BYTECODE.matcher(Files.readString(factory));
            if (!m.find()) {
                throw new IllegalStateException("no _bytecode in " + factory);
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + factory + " (run `npm ci` in interop/)", e);
        }
    }
}
