package zg.compute.provider;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import zg.compute.provider.finetuning.FineTuningProviderBroker;
import zg.compute.provider.internal.chain.ProviderChain;

/**
 * {@code provider start --config provider.yaml} runs the broker until interrupted (the fine-tuning task
 * server when the file has a top-level {@code fineTuning} section);
 * {@code provider init [file]} writes a commented starter config;
 * {@code provider remove-service --config provider.yaml} removes the service and returns the stake.
 */
public final class ProviderMain {

    private ProviderMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        String command = args.length > 0 && !args[0].startsWith("-") ? args[0] : "start";
        Path config = null;
        String out = "provider.yaml";
        boolean fineTuning = false;
        for (int i = 0; i < args.length; i++) {
            if (("--config".equals(args[i]) || "-c".equals(args[i])) && i + 1 < args.length) {
                config = Path.of(args[++i]);
            } else if ("--fine-tuning".equals(args[i])) {
                fineTuning = true;
            } else if (i > 0 && !args[i].startsWith("-")) {
                out = args[i];
            }
        }
        try {
            switch (command) {
                case "init" -> {
                    Path target = Path.of(out);
                    if (Files.exists(target)) {
                        fail(2, target + " already exists; not overwriting it");
                    }
                    Files.writeString(target, fineTuning ? exampleFineTuningConfig() : exampleConfig());
                    System.out.println("wrote " + target + "; set ZG_PROVIDER_KEY and ZG_TEE_KEY, edit it, then run:"
                            + " provider start --config " + target);
                }
                case "start" -> start(requireConfig(config));
                case "remove-service" -> {
                    ProviderConfig c = new ConfigLoader(System.getenv()).load(requireConfig(config));
                    try (ProviderChain chain = new ProviderChain(c.chain().rpcUrl(), c.chain().chainId(),
                            c.chain().inferenceContract(), c.provider())) {
                        chain.serving().removeService().send();
                        System.out.println("service of " + c.provider().getAddress() + " removed; stake returned");
                    }
                }
                default -> fail(2, "unknown command " + command + " (start, init, remove-service)");
            }
        } catch (ConfigException e) {
            fail(2, "config error: " + e.getMessage());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            fail(1, command + " failed: " + e.getMessage());
        }
    }

    /** The commented starter configuration (also the documented example). */
    public static String exampleConfig() throws IOException {
        return resource("provider-example.yaml");
    }

    /** The commented starter configuration of the fine-tuning task server. */
    public static String exampleFineTuningConfig() throws IOException {
        return resource("provider-fine-tuning-example.yaml");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ProviderMain.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static Path requireConfig(Path config) {
        if (config == null) {
            fail(2, "usage: provider start|remove-service --config provider.yaml | provider init [file]");
        }
        return config;
    }

    private static void start(Path config) throws InterruptedException, IOException {
        if (ConfigLoader.isFineTuning(Files.readString(config))) {
            startFineTuning(config);
            return;
        }
        ProviderBroker broker = ProviderBroker.start(new ConfigLoader(System.getenv()).load(config));
        System.out.println("provider broker listening on port " + broker.port() + "; service "
                + broker.registration().action().name().toLowerCase() + "; TEE signer " + broker.teeSignerAddress()
                + (broker.registration().teeSignerAcknowledged() ? " acknowledged"
                        : " NOT acknowledged by the contract owner yet"));
        runUntilShutdown(broker);
    }

    /** A config with a top-level {@code fineTuning} section runs the fine-tuning task server instead. */
    private static void startFineTuning(Path config) throws InterruptedException {
        FineTuningProviderBroker broker = FineTuningProviderBroker.start(
                new ConfigLoader(System.getenv()).loadFineTuning(config));
        System.out.println("fine-tuning server listening on port " + broker.port() + "; service "
                + broker.registration().action().name().toLowerCase() + "; TEE signer " + broker.teeSignerAddress()
                + (broker.registration().teeSignerAcknowledged() ? " acknowledged"
                        : " NOT acknowledged by the contract owner yet"));
        runUntilShutdown(broker);
    }

    private static void runUntilShutdown(AutoCloseable broker) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                broker.close();
            } catch (Exception e) {
                System.err.println("shutdown: " + e.getMessage());
            }
            done.countDown();
        }));
        done.await();
    }

    private static void fail(int code, String message) {
        System.err.println(message);
        System.exit(code);
    }
}
