package zg.compute.cli.internal.devnet;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;
import zg.compute.backends.DevImageServer;
import zg.compute.backends.EmbeddingServer;
import zg.compute.backends.SpeechToTextServer;
import zg.compute.backends.TextToSpeechServer;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.DevnetConfig;
import zg.compute.provider.LocalTeeKeySource;
import zg.compute.provider.ProviderBroker;
import zg.compute.provider.ProviderConfig;
import zg.compute.provider.finetuning.FineTuningConfig;
import zg.compute.provider.DevnetStorage;
import zg.compute.provider.finetuning.FineTuningConfig;
import zg.compute.provider.finetuning.FineTuningProviderBroker;
import zg.compute.sdk.Amount;
import zg.compute.sdk.BrokerOptions;
import zg.compute.sdk.ContractAddresses;
import zg.compute.sdk.ServiceKind;
import zg.compute.sdk.ZGComputeNetworkBroker;
import zg.compute.server.Ports;

/**
 * A whole local network in one process: the devnet (anvil + contracts), two chat provider brokers — and with
 * {@link StackConfig#allServiceTypes()} one broker per other service type in front of the model servers of the
 * backends module — with registered, staked and owner-acknowledged services, and a funded user account. {@link #close()}
 * stops every broker and anvil and removes the brokers' temporary databases. With a state directory the chain
 * and the databases are kept there instead, and the next start resumes them (no redeploy, no second funding).
 */
public final class DevnetStack implements AutoCloseable {

    /**
     * Devnet accounts: 0 owns the contracts, 1 and 2 are the chat providers' wallets, 3 and 4 their TEE signers,
     * 9 the user; with every service type, 10–13 are the wallets of the text-to-image, image-editing, embedding and
     * speech-to-text providers and 14–17 their TEE signers, 18 the audio-generation provider's and 19 its signer,
     * 7 the fine-tuning provider's and 8 its signer ({@link FineTuningNode}).
     */
    public static final int OWNER = 0;
    public static final int USER = 9;
    private static final int[] PROVIDER_ACCOUNTS = {1, 2, 10, 11, 12, 13, 18};
    /**
     * Provider 2 (always the development backend) serves the LoRA adapters the devnet's fine-tuning provider
     * delivers: both are configured to know each other and share {@code storage/} ({@link DevnetStorage}).
     */
    static final int LORA_SLOT = 1;
    private static final int[] TEE_ACCOUNTS = {3, 4, 14, 15, 16, 17, 19};

    /** What the user gets at each provider; the deposit is 3 0G per provider + 4 0G (10 0G with chat only). */
    public static final Amount USER_TRANSFER = Amount.og("3");
    /** What stays in the user's main account after the transfers. */
    private static final int USER_UNALLOCATED_OG = 4;

    /**
     * One provider as devnet.json lists it. {@code priceUnit} says what {@code inputPrice}/{@code outputPrice}
     * are charged per (neuron per token for chat, per image for images, per input token for embeddings, per
     * second of audio for speech-to-text); {@code backend} what answers behind the broker.
     */
    public record ProviderEntry(String type, String address, String url, String model, BigInteger inputPrice,
            BigInteger outputPrice, String priceUnit, String teeSigner, String backend, String backendDetail,
            List<ProviderConfig.Model> models) {
    }

    /** The funded user; the key is a public development key of the devnet mnemonic. */
    public record UserEntry(String address, String privateKey, String deposited, String transferredPerProvider) {
    }

    /** Provider {@code slot + 1}: its type, model, prices and model server. */
    private record Plan(int slot, String type, String model, BigInteger inputPrice, BigInteger outputPrice,
            String priceUnit, String targetUrl, String backend, String backendDetail,
            List<ProviderConfig.Model> moreModels) {

        Plan(int slot, String type, String model, BigInteger inputPrice, BigInteger outputPrice, String priceUnit,
                String targetUrl, String backend, String backendDetail) {
            this(slot, type, model, inputPrice, outputPrice, priceUnit, targetUrl, backend, backendDetail, List.of());
        }
    }

    /** The second model of provider 2 (a multi-model provider). */
    public static final String MULTI_MODEL_SECOND = "zg-dev-chat-xl";
    private static final String CHAT_UNIT = "neuron per token (input / output)";
    private static final String IMAGE_UNIT = "neuron per image (outputPrice)";
    /*
     * Images are billed per image × outputPrice; inputPrice is unused by the broker. It is published equal to the
     * output price because the official SDK 0.9.0 estimates an image request as n × inputPrice (a known SDK bug,
     * services spec A.2): with equal prices its cached fee, and so its auto-funding, match what is billed.
     */
    private static final BigInteger IMAGE_PRICE = BigInteger.valueOf(1_000_000_000_000_000L);
    private static final BigInteger IMAGE_EDIT_PRICE = BigInteger.valueOf(2_000_000_000_000_000L);
    private static final String EMBEDDING_UNIT = "neuron per input token (inputPrice)";
    static final String SPEECH_UNIT = "neuron per second of audio (inputPrice)";
    static final String VOICE_UNIT = "neuron per second of generated audio (outputPrice)";

    private final Devnet devnet;
    private final List<ProviderBroker> brokers;
    private final List<ProviderEntry> providers;
    private final UserEntry user;
    private final Path dataDir;
    private final ModelServers servers;
    private final FineTuningProviderBroker fineTuningBroker;
    private final ProviderEntry fineTuning;
    private final Path storageDir;

    private DevnetStack(Devnet devnet, List<ProviderBroker> brokers, List<ProviderEntry> providers, UserEntry user,
            Path dataDir, ModelServers servers, FineTuningProviderBroker fineTuningBroker, ProviderEntry fineTuning,
            Path storageDir) {
        this.storageDir = storageDir;
        this.devnet = devnet;
        this.brokers = brokers;
        this.providers = providers;
        this.user = user;
        this.dataDir = dataDir;
        this.servers = servers;
        this.fineTuningBroker = fineTuningBroker;
        this.fineTuning = fineTuning;
    }

    /**
     * Starts everything, reporting each step on {@code progress}. A failed step stops what already runs and
     * throws {@link StepFailedException} naming the step.
     */
    public static DevnetStack start(StackConfig config, Consumer<String> progress) {
        if (config.infoFile() != null) {
            DevnetFile.liveOwner(config.infoFile()).ifPresent(rpc -> {
                throw new StepFailedException(config.infoFile() + " belongs to a devnet still running at " + rpc
                        + ": stop it first, or write this one elsewhere with --out <file>", null);
            });
        }
        long t0 = System.nanoTime();
        boolean all = config.allServiceTypes();
        ModelServers servers = new ModelServers(t0);
        if (all) {
            servers.loadEmbeddingsInBackground(); // the model loads while anvil starts and the providers register
        }
        // pocketsphinx comes from Debian packages: without them the devnet starts without a speech provider
        String speechMissing = all ? SpeechToTextServer.missingTools() : "";
        boolean speech = all && speechMissing.isEmpty();
        String voiceMissing = all ? TextToSpeechServer.missingTools() : "";
        boolean voice = all && voiceMissing.isEmpty();
        int total = 5 + (config.infoFile() == null ? 0 : 1) + (all ? 1 + 2 + 2 : 0) + (config.fineTuning() ? 2 : 0) + (speech ? 2 : 0) + (voice ? 2 : 0);
        Steps steps = new Steps(progress, total);
        Devnet devnet = null;
        List<ProviderBroker> brokers = new ArrayList<>();
        List<FineTuningProviderBroker> ftBrokers = new ArrayList<>(1);
        Path dataDir = null;
        boolean kept = config.stateDir() != null;
        try {
            DevnetConfig dc = DevnetConfig.defaults().withPort(config.port()).withLockTime(config.lockTime());
            if (kept) {
                dc = dc.withStateDir(config.stateDir().resolve("chain"));
            }
            DevnetConfig chainConfig = dc;
            Devnet d = devnet = steps.run(kept ? "start anvil with the contracts (state in " + config.stateDir() + ")"
                    : "start anvil and deploy the contracts", () -> {
                        // fail fast with a clear reason instead of waiting for anvil to give up on a taken port
                        Ports.requireFree("127.0.0.1", config.port(), " (another devnet? stop it, or pick another "
                                + "with --port, 0 = any free port)");
                        return Devnet.start(chainConfig);
                    },
                    x -> "chain " + x.rpcUrl() + " (id " + x.info().chainId() + "), " + (x.resumed()
                            ? "resumed the saved chain and contracts" : "contracts deployed") + " in "
                            + String.format("%.2f s", x.startupTime().toMillis() / 1000.0));
            Path dir = dataDir = kept ? config.stateDir() : Files.createTempDirectory("zg-devnet-");
            List<ProviderEntry> entries = new ArrayList<>();
            for (Plan plan : chatPlans(config)) {
                entries.add(startProvider(steps, d, config, dir, plan, brokers));
            }
            if (all) {
                DevImageServer images = steps.run("start the development image server (DevImageServer)",
                        servers::startImages, x -> x.baseUrl() + ": a DEVELOPMENT renderer that draws the prompt "
                                + "into a PNG, not a model");
                String imageBackend = "DevImageServer at " + images.baseUrl() + " (DEVELOPMENT renderer, not a model)";
                entries.add(startProvider(steps, d, config, dir, new Plan(2, "text-to-image", "zg-dev-image",
                        IMAGE_PRICE, IMAGE_PRICE, IMAGE_UNIT, images.baseUrl(),
                        imageBackend, images.description()), brokers));
                entries.add(startProvider(steps, d, config, dir, new Plan(3, "image-editing", "zg-dev-image-edit",
                        IMAGE_EDIT_PRICE, IMAGE_EDIT_PRICE, IMAGE_UNIT, images.baseUrl(),
                        imageBackend, images.description()), brokers));
                EmbeddingServer embeddings = steps.run("wait for the embeddings model (all-MiniLM-L6-v2, loading "
                        + "since the start)", servers::awaitEmbeddings,
                        x -> x.baseUrl() + ": all-MiniLM-L6-v2 loaded in " + x.startMillis() + " ms, ready "
                                + String.format("%.1f s", servers.embeddingsReadyMillis() / 1000.0)
                                + " after the start");
                entries.add(startProvider(steps, d, config, dir, new Plan(4, "embedding", EmbeddingServer.MODEL,
                        BigInteger.valueOf(100_000_000L), BigInteger.ZERO, EMBEDDING_UNIT, embeddings.baseUrl(),
                        "EmbeddingServer at " + embeddings.baseUrl() + " (all-MiniLM-L6-v2, a real model)",
                        embeddings.description()), brokers));
                if (speech) {
                    SpeechToTextServer stt = steps.run("start the speech-to-text server (pocketsphinx)",
                            servers::startSpeech, x -> x.baseUrl() + ": " + x.description());
                    entries.add(startProvider(steps, d, config, dir, new Plan(5, "speech-to-text", "pocketsphinx-en-us",
                            BigInteger.valueOf(10_000_000_000_000L), BigInteger.ZERO, SPEECH_UNIT, stt.baseUrl(),
                            "SpeechToTextServer at " + stt.baseUrl() + " (pocketsphinx, a real recogniser)",
                            stt.description()), brokers));
                } else {
                    progress.accept("      ! no speech-to-text provider: " + speechMissing);
                }
                if (voice) {
                    TextToSpeechServer tts = steps.run("start the text-to-speech server (espeak-ng)",
                            servers::startVoice, x -> x.baseUrl() + ": " + x.description());
                    entries.add(startProvider(steps, d, config, dir, new Plan(6, "audio-generation",
                            TextToSpeechServer.MODEL, BigInteger.ZERO, BigInteger.valueOf(10_000_000_000_000L),
                            VOICE_UNIT, tts.baseUrl(), "TextToSpeechServer at " + tts.baseUrl()
                                    + " (espeak-ng, a real speech synthesiser)", tts.description()), brokers));
                } else {
                    progress.accept("      ! no audio-generation provider: " + voiceMissing);
                }
            }
            steps.run("acknowledge the providers' TEE signers as the contract owner", () -> {
                int sent = 0;
                for (ProviderEntry e : entries) {
                    if (!isAcknowledged(d, e.address())) {
                        send(() -> d.inference(d.account(OWNER)).acknowledgeTEESignerByOwner(e.address()).send());
                        sent++;
                    }
                }
                return sent;
            }, x -> entries.size() + " TEE signers acknowledged by " + d.info().deployer()
                    + (x < entries.size() ? " (" + (entries.size() - x) + " already were)" : ""));
            Credentials u = d.account(USER);
            UserEntry inferenceUser = d.resumed()
                    ? steps.run("keep the user account", () -> keepUser(d, u, entries),
                            x -> x.address() + ": balances as saved (see get-account)"
                                    + (x.funded() > 0 ? "; " + USER_TRANSFER + " deposited and transferred to each of "
                                            + x.funded() + " new provider(s)" : "")).user()
                    : steps.run("fund the user account", () -> fundUser(d, u, entries),
                            x -> x.address() + ": " + x.deposited() + " deposited, " + USER_TRANSFER
                                    + " to each provider");
            ProviderEntry ft = null;
            if (config.fineTuning()) {
                ft = startFineTuning(steps, d, dir, u, ftBrokers, loraTarget(d, entries));
            }
            ProviderEntry fineTuning = ft;
            // the fine-tuning sub-account's 3 0G were deposited for it on top of the inference ones
            UserEntry user = ft == null ? inferenceUser : userEntry(u,
                    Amount.og(Integer.toString(3 * (entries.size() + 1) + USER_UNALLOCATED_OG)));
            if (config.infoFile() != null) {
                steps.run("write " + config.infoFile().getFileName(), () -> {
                    DevnetFile.write(config.infoFile(), d.info(), entries, fineTuning, user);
                    return config.infoFile().toAbsolutePath();
                }, Path::toString);
            }
            return new DevnetStack(d, List.copyOf(brokers), List.copyOf(entries), user, kept ? null : dir, servers,
                    ftBrokers.isEmpty() ? null : ftBrokers.get(0), fineTuning, dir.resolve("storage"));
        } catch (IOException e) {
            stop(brokers, ftBrokers, servers, devnet, kept ? null : dataDir);
            throw new StepFailedException("cannot create a data directory: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            stop(brokers, ftBrokers, servers, devnet, kept ? null : dataDir);
            throw e;
        }
    }

    /**
     * The fine-tuning provider: its task server registered and staked, its TEE signer acknowledged by the owner,
     * and a 3 0G fine-tuning sub-account of the user there (deposited for it), so the seed's fine-tuning steps need
     * no set-up.
     */
    /** The inference provider the fine-tuning provider feeds its adapters to, if one serves LoRA. */
    private static FineTuningConfig.InferenceTarget loraTarget(Devnet d, List<ProviderEntry> entries) {
        if (entries.size() <= LORA_SLOT) {
            return null;
        }
        return new FineTuningConfig.InferenceTarget(entries.get(LORA_SLOT).url(), Numeric.toHexStringWithPrefixZeroPadded(
                d.account(PROVIDER_ACCOUNTS[LORA_SLOT]).getEcKeyPair().getPublicKey(), 128));
    }

    private static ProviderEntry startFineTuning(Steps steps, Devnet d, Path dir, Credentials user,
            List<FineTuningProviderBroker> started, FineTuningConfig.InferenceTarget lora) {
        FineTuningConfig fc = FineTuningNode.config(d, dir, lora);
        FineTuningProviderBroker b = steps.run("start the fine-tuning provider (" + FineTuningNode.MODEL
                        + ", development trainer) and register its service",
                () -> FineTuningProviderBroker.start(fc),
                x -> x.providerAddress() + " at " + x.baseUrl() + ", service "
                        + x.registration().action().name().toLowerCase() + ", 100 0G staked"
                        + (lora == null ? "" : "; its adapters are served by provider " + (LORA_SLOT + 1)
                                + " (LoRA: deploy-adapter, fine-tuning chat)"));
        started.add(b);
        ProviderEntry e = FineTuningNode.entry(b, fc);
        steps.run("acknowledge its TEE signer as the owner and give the user a fine-tuning sub-account", () -> {
            boolean acked = false;
            boolean funded = false;
            try {
                acked = Boolean.TRUE.equals(d.fineTuning(d.account(OWNER)).getService(e.address()).send()
                        .teeSignerAcknowledged);
            } catch (Exception notYet) {
                // registered just above; an unreadable service is acknowledged below
            }
            if (!acked) {
                send(() -> d.fineTuning(d.account(OWNER)).acknowledgeTEESignerByOwner(e.address()).send());
            }
            boolean hasAccount;
            try {
                d.fineTuning(d.account(OWNER)).getAccount(user.getAddress(), e.address()).send();
                hasAccount = true;
            } catch (Exception none) {
                hasAccount = false;
            }
            if (!hasAccount) {
                try (var broker = ZGComputeNetworkBroker.create(user, d.rpcUrl(), userOptions(d))) {
                    broker.ledger().depositFund(USER_TRANSFER);
                    broker.ledger().transferFund(e.address(), ServiceKind.FINE_TUNING, USER_TRANSFER);
                }
                funded = true;
            }
            return funded;
        }, funded -> "TEE signer " + e.teeSigner() + " acknowledged; " + (funded ? USER_TRANSFER
                + " deposited and transferred to the user's fine-tuning sub-account" : "the user's fine-tuning "
                + "sub-account as saved"));
        return e;
    }

    /** Starts provider {@code plan.slot() + 1} with its own wallet, TEE signer and SQLite database. */
    private static ProviderEntry startProvider(Steps steps, Devnet d, StackConfig config, Path dir, Plan plan,
            List<ProviderBroker> brokers) {
        int n = plan.slot() + 1;
        Credentials wallet = d.account(PROVIDER_ACCOUNTS[plan.slot()]);
        ProviderConfig pc = providerConfig(d, config, plan, dir.resolve("provider-" + n + ".db"),
                wallet, d.account(TEE_ACCOUNTS[plan.slot()]), previousPort(d, wallet));
        ProviderBroker b = steps.run("start provider " + n + " (" + plan.type() + ", " + plan.model()
                        + ") and register its service",
                () -> ProviderBroker.start(pc),
                x -> x.providerAddress() + " at " + x.baseUrl() + ", service "
                        + x.registration().action().name().toLowerCase() + ", 100 0G staked");
        brokers.add(b);
        return new ProviderEntry(plan.type(), Keys.toChecksumAddress(b.providerAddress()), pc.service().url(),
                plan.model(), plan.inputPrice(), plan.outputPrice(), plan.priceUnit(), b.teeSignerAddress(),
                plan.backend(), plan.backendDetail(), pc.service().models());
    }

    /** On a resumed chain a provider keeps the port its registered URL names, when that port is free. */
    private static int previousPort(Devnet d, Credentials wallet) {
        if (!d.resumed()) {
            return 0;
        }
        try {
            String url = d.inference(wallet).getService(wallet.getAddress()).send().url;
            int port = java.net.URI.create(url).getPort();
            Ports.requireFree("127.0.0.1", port, "");
            return port;
        } catch (Exception notRegisteredOrTaken) {
            return 0;
        }
    }

    private static boolean isAcknowledged(Devnet d, String provider) {
        try {
            return Boolean.TRUE.equals(d.inference(d.account(OWNER)).getService(provider).send().teeSignerAcknowledged);
        } catch (Exception notRegistered) {
            return false;
        }
    }

    private static final String DEV_DETAIL = "the broker's built-in development backend: a stand-in that echoes "
            + "the prompt, not a model";

    private static List<Plan> chatPlans(StackConfig config) {
        boolean upstream = config.upstreamUrl() != null;
        String model1 = upstream ? (config.upstreamModel() != null ? config.upstreamModel() : "upstream-model")
                : "zg-dev-chat-small";
        String dev = "development backend (not a model)";
        return List.of(
                new Plan(0, "chatbot", model1, BigInteger.valueOf(1_000_000_000L), BigInteger.valueOf(2_000_000_000L),
                        CHAT_UNIT, upstream ? config.upstreamUrl() : "dev", upstream ? config.upstreamUrl() : dev,
                        upstream ? "the OpenAI-compatible model server given with --upstream" : DEV_DETAIL),
                // provider 2 serves a second model behind the same address, at its own prices
                new Plan(1, "chatbot", "zg-dev-chat-large", BigInteger.valueOf(3_000_000_000L),
                        BigInteger.valueOf(6_000_000_000L), CHAT_UNIT, "dev", dev, DEV_DETAIL,
                        List.of(new ProviderConfig.Model(MULTI_MODEL_SECOND, BigInteger.valueOf(5_000_000_000L),
                                BigInteger.valueOf(10_000_000_000L)))));
    }

    private static ProviderConfig providerConfig(Devnet d, StackConfig config, Plan plan, Path db, Credentials wallet,
            Credentials tee, int previousPort) {
        int port = previousPort != 0 ? previousPort : Ports.free("127.0.0.1");
        String url = "http://127.0.0.1:" + port;
        return new ProviderConfig(
                new ProviderConfig.Server("127.0.0.1", port, true),
                new ProviderConfig.Chain(d.rpcUrl(), d.info().chainId(), d.contracts().inference().proxy()),
                wallet,
                new ProviderConfig.Service(plan.type(), plan.model(), url, "TeeML", plan.inputPrice(),
                        plan.outputPrice(), plan.targetUrl(), Map.of(), Map.of(), plan.moreModels()),
                new LocalTeeKeySource(tee.getEcKeyPair()),
                new ProviderConfig.Database("jdbc:sqlite:" + db, null, null),
                ProviderConfig.Settlement.every(config.settleInterval()),
                // short account cache: a devnet user's deposits and revocations show up quickly
                new ProviderConfig.Caches(Duration.ofSeconds(30), Duration.ofSeconds(300), Duration.ofSeconds(1200)),
                List.of("*"), ProviderConfig.Limits.defaults(),
                ProviderConfig.Images.defaults("jdbc:sqlite:" + db), ProviderConfig.Async.defaults(),
                loraConfig(d, config, plan, db.getParent()));
    }

    private static ProviderConfig.Lora loraConfig(Devnet d, StackConfig config, Plan plan, Path dir) {
        if (!config.fineTuning() || plan.slot() != LORA_SLOT || !"dev".equals(plan.targetUrl())) {
            return ProviderConfig.Lora.DISABLED;
        }
        try {
            return new ProviderConfig.Lora(new DevnetStorage(dir.resolve("storage")), d.contracts().fineTuning().proxy(),
                    List.of(d.account(FineTuningNode.WALLET).getAddress()), dir.resolve("lora-adapters"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + dir.resolve("storage"), e);
        }
    }

    private static BrokerOptions userOptions(Devnet d) {
        return BrokerOptions.defaults().withContracts(new ContractAddresses(d.contracts().ledger().proxy(),
                d.contracts().inference().proxy(), d.contracts().fineTuning().proxy()));
    }

    /** A fresh chain: 3 0G to each provider's sub-account plus 4 0G left in the main account. */
    private static UserEntry fundUser(Devnet d, Credentials u, List<ProviderEntry> providers) {
        Amount deposit = Amount.og(Integer.toString(3 * providers.size() + USER_UNALLOCATED_OG));
        try (var broker = ZGComputeNetworkBroker.create(u, d.rpcUrl(), userOptions(d))) {
            broker.ledger().addLedger(deposit);
            for (ProviderEntry p : providers) {
                broker.ledger().transferFund(p.address(), ServiceKind.INFERENCE, USER_TRANSFER);
                // a creating transfer acknowledges the signer already; this sends nothing then
                broker.inference().acknowledgeProviderSigner(p.address());
            }
        }
        return userEntry(u, deposit);
    }

    private record Kept(UserEntry user, int funded) {
        String address() {
            return user.address();
        }
    }

    /**
     * A resumed chain keeps the user's balances; a provider that is new since the state was saved (e.g. a chat-only
     * state started with every service type) gets its 3 0G sub-account, deposited for it.
     */
    private static Kept keepUser(Devnet d, Credentials u, List<ProviderEntry> providers) {
        List<ProviderEntry> missing = providers.stream().filter(p -> !hasSubAccount(d, u, p.address())).toList();
        if (!missing.isEmpty()) {
            try (var broker = ZGComputeNetworkBroker.create(u, d.rpcUrl(), userOptions(d))) {
                broker.ledger().depositFund(Amount.og(Integer.toString(3 * missing.size())));
                for (ProviderEntry p : missing) {
                    broker.ledger().transferFund(p.address(), ServiceKind.INFERENCE, USER_TRANSFER);
                    broker.inference().acknowledgeProviderSigner(p.address());
                }
            }
        }
        return new Kept(userEntry(u, Amount.og(Integer.toString(3 * providers.size() + USER_UNALLOCATED_OG))),
                missing.size());
    }

    private static boolean hasSubAccount(Devnet d, Credentials u, String provider) {
        try {
            d.inference(d.account(OWNER)).getAccount(u.getAddress(), provider).send();
            return true;
        } catch (Exception none) {
            return false;
        }
    }

    private static UserEntry userEntry(Credentials u, Amount deposited) {
        return new UserEntry(Keys.toChecksumAddress(u.getAddress()),
                Numeric.toHexStringWithPrefixZeroPadded(u.getEcKeyPair().getPrivateKey(), 64),
                deposited.toString(), USER_TRANSFER.toString());
    }

    private interface ChainCall {
        Object call() throws Exception;
    }

    private static void send(ChainCall call) {
        try {
            call.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    public Devnet devnet() {
        return devnet;
    }

    public List<ProviderBroker> brokers() {
        return brokers;
    }

    public List<ProviderEntry> providers() {
        return providers;
    }

    public UserEntry user() {
        return user;
    }

    /** The fine-tuning provider (every-type devnets only). */
    public java.util.Optional<ProviderEntry> fineTuning() {
        return java.util.Optional.ofNullable(fineTuning);
    }

    /** Its task server (e.g. to run its pollers now instead of waiting for the next tick). */
    public java.util.Optional<FineTuningProviderBroker> fineTuningBroker() {
        return java.util.Optional.ofNullable(fineTuningBroker);
    }

    /**
     * The {@link DevnetStorage} directory the fine-tuning provider leaves encrypted models in and the LoRA provider
     * (provider 2) reads them from: the stand-in for 0G Storage.
     */
    public Path storageDir() {
        return storageDir;
    }

    /** Milliseconds from the start of {@code start} until the embeddings server answered; -1 without it. */
    public long embeddingsReadyMillis() {
        return servers.embeddingsReadyMillis();
    }

    @Override
    public void close() {
        stop(brokers, fineTuningBroker == null ? List.of() : List.of(fineTuningBroker), servers, devnet, dataDir);
    }

    private static void stop(List<ProviderBroker> brokers, List<FineTuningProviderBroker> fineTuning,
            ModelServers servers, Devnet devnet, Path dataDir) {
        for (FineTuningProviderBroker b : fineTuning) {
            try {
                b.close();
            } catch (RuntimeException e) {
                // keep stopping the rest
            }
        }
        for (ProviderBroker b : brokers) {
            try {
                b.close();
            } catch (RuntimeException e) {
                // keep stopping the rest; anvil must not be left behind
            }
        }
        servers.close();
        if (devnet != null) {
            devnet.close();
        }
        if (dataDir != null) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp dir left behind is harmless
            }
        }
    }

    /** Numbered progress lines; a failure names its step and the reason. */
    private static final class Steps {
        private final Consumer<String> out;
        private final int total;
        private int n;

        Steps(Consumer<String> out, int total) {
            this.out = out;
            this.total = total;
        }

        <T> T run(String name, Supplier<T> step, java.util.function.Function<T, String> done) {
            n++;
            String label = "[" + n + "/" + total + "] " + name;
            out.accept(label + " …");
            long t0 = System.nanoTime();
            T result;
            try {
                result = step.get();
            } catch (RuntimeException e) {
                throw new StepFailedException("step " + label + " failed: " + reason(e), e);
            }
            out.accept(String.format("      ✓ %s (%d ms)", done.apply(result), (System.nanoTime() - t0) / 1_000_000));
            return result;
        }

        private static String reason(Throwable e) {
            Throwable t = e;
            while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
                t = t.getCause();
            }
            return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        }
    }
}
