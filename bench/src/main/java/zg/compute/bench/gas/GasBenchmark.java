package zg.compute.bench.gas;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.DevnetConfig;
import zg.compute.devnet.DevnetContracts;
import zg.compute.devnet.DevnetDeployer;

/**
 * Gas, side by side: deploys our contracts (the devnet) and the official bytecode from the npm SDK
 * on one anvil, runs the same operations on both, and writes a Markdown table to
 * {@code bench/reports/gas.md} (or the path given as the first argument).
 */
public final class GasBenchmark {

    private GasBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(System.getProperty("zg.repo.dir", ".")).toAbsolutePath();
        Path report = args.length > 0 ? Path.of(args[0]) : repo.resolve("bench/reports/gas.md");
        OfficialBytecode official = OfficialBytecode.load(repo.resolve("interop"));
        long lockTime = DevnetConfig.MIN_LOCK_TIME;
        try (Devnet devnet = Devnet.start(DevnetConfig.defaults().withLockTime(lockTime))) {
            String snapshot = devnet.chain().snapshot();
            Map<String, BigInteger> ours = new GasScenario(devnet.chain(), devnet.contracts(), devnet.accounts(),
                    lockTime).run();
            devnet.chain().revert(snapshot);
            DevnetContracts theirs = new DevnetDeployer(devnet.chain(), devnet.account(0))
                    .deploy(lockTime, DevnetConfig.DEFAULT_PENALTY, official.ledger(), official.inference(),
                            official.fineTuning());
            Map<String, BigInteger> reference = new GasScenario(devnet.chain(), theirs, devnet.accounts(), lockTime).run();
            String table = table(ours, reference);
            System.out.println(table);
            Files.createDirectories(report.toAbsolutePath().getParent());
            Files.writeString(report, "# Gas: zg-compute contracts vs the official 0G bytecode\n\n"
                    + "Measured " + LocalDate.now() + " by `GasBenchmark` on one anvil (chain 31337): the same "
                    + "operations, same inputs, against our contracts and against the official creation code "
                    + "shipped in `@0gfoundation/0g-compute-ts-sdk` 0.9.0, both behind OpenZeppelin 4.8.3 beacon "
                    + "proxies. Gas is `gasUsed` of each receipt.\n\n" + table);
            System.out.println("written to " + report);
        }
    }

    static String table(Map<String, BigInteger> ours, Map<String, BigInteger> official) {
        StringBuilder sb = new StringBuilder("| operation | ours | official | ours − official |\n|---|---:|---:|---:|\n");
        for (var e : ours.entrySet()) {
            BigInteger theirs = official.get(e.getKey());
            BigInteger diff = e.getValue().subtract(theirs);
            sb.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" | ").append(theirs)
                    .append(" | ").append(diff.signum() > 0 ? "+" : "").append(diff).append(" |\n");
        }
        BigInteger batch = ours.get("settleFeesWithTEE (50 items)");
        sb.append("\n50 TEE settlements in one call: ").append(batch).append(" gas (")
                .append(batch.divide(BigInteger.valueOf(50))).append(" per item).\n");
        return sb.toString();
    }
}
