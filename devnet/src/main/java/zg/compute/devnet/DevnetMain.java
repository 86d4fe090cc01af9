package zg.compute.devnet;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code devnet up}: starts a devnet, writes devnet.json, prints the addresses and the start-up
 * time, and runs until Ctrl-C. Options: {@code --port N}, {@code --lock-time SECONDS},
 * {@code --out FILE} (default ./devnet.json), {@code --exit} (stop right after start-up, for scripts).
 */
public final class DevnetMain {

    private DevnetMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        DevnetConfig config = DevnetConfig.defaults().withInfoFile(Path.of("devnet.json"));
        boolean exitAfterStart = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--port" -> config = config.withPort(Integer.parseInt(value(args, ++i, "--port")));
                    case "--lock-time" -> config = config.withLockTime(Long.parseLong(value(args, ++i, "--lock-time")));
                    case "--out" -> config = config.withInfoFile(Path.of(value(args, ++i, "--out")));
                    case "--exit" -> exitAfterStart = true;
                    case "-h", "--help" -> {
                        System.out.println("usage: devnet up [--port N] [--lock-time SECONDS] [--out devnet.json] [--exit]");
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("devnet: " + e.getMessage());
            System.exit(2);
        }
        Devnet devnet;
        try {
            devnet = Devnet.start(config);
        } catch (RuntimeException e) {
            System.err.println("devnet: could not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        print(devnet, config);
        if (exitAfterStart) {
            devnet.close();
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            devnet.close();
            stopped.countDown();
        }, "devnet-stop"));
        System.out.println("devnet running; Ctrl-C stops it");
        stopped.await();
    }

    private static void print(Devnet devnet, DevnetConfig config) {
        DevnetInfo info = devnet.info();
        System.out.printf("devnet up in %.2f s%n", devnet.startupTime().toMillis() / 1000.0);
        System.out.println("  rpc               " + info.rpcUrl() + "  (chain id " + info.chainId() + ")");
        System.out.println("  LedgerManager     " + info.contracts().ledger());
        System.out.println("  InferenceServing  " + info.contracts().inference() + "  (" + info.services().inference() + ")");
        System.out.println("  FineTuningServing " + info.contracts().fineTuning() + "  (" + info.services().fineTuning() + ")");
        System.out.println("  lock time         " + info.lockTime() + " s");
        System.out.println("  owner/deployer    " + info.deployer());
        if (config.infoFile() != null) {
            System.out.println("  written to        " + config.infoFile().toAbsolutePath());
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
