package zg.compute.cli.internal.commands;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;
import zg.compute.cli.internal.output.Fmt;
import zg.compute.cli.internal.output.Table;
import zg.compute.sdk.ApiKey;
import zg.compute.sdk.ProviderModel;
import zg.compute.sdk.ProviderModels;
import zg.compute.sdk.ServiceInfo;
import zg.compute.sdk.ServiceWithDetail;
import zg.compute.sdk.SubAccount;
import zg.compute.sdk.TxResult;
import zg.compute.sdk.VerificationResult;
import zg.compute.sdk.ZGComputeNetworkReadOnlyBroker;
import zg.compute.webui.IssuedKeys;

/** {@code inference} (alias {@code inf}): providers, acknowledgement, verification, API keys (sdk-cli.md §6.3). */
@Command(name = "inference", aliases = "inf", mixinStandardHelpOptions = true,
        description = "Inference providers, verification and API keys.",
        subcommands = {InferenceCommands.ListProviders.class, InferenceCommands.ListProvidersDetail.class,
                InferenceCommands.GetModels.class,
                InferenceCommands.AcknowledgeProvider.class, InferenceCommands.Verify.class,
                InferenceCommands.DownloadReport.class, InferenceCommands.GetSecret.class,
                InferenceCommands.RevokeToken.class, InferenceCommands.RevokeAllTokens.class,
                ServeCommands.Serve.class, ServeCommands.RouterServe.class,
                ProviderServiceCommands.UpdateService.class, ProviderServiceCommands.RemoveService.class,
                ProviderServiceCommands.AckProvider.class, ProviderServiceCommands.Revoke.class})
public final class InferenceCommands implements Runnable {

    private final Invocation inv;

    @Spec
    CommandSpec spec;

    InferenceCommands(Invocation inv) {
        this.inv = inv;
    }

    @Override
    public void run() {
        spec.commandLine().usage(inv.ctx().out());
    }

    static Map<String, Object> serviceJson(ServiceInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("provider", s.provider());
        m.put("serviceType", s.serviceType());
        m.put("url", s.url());
        m.put("model", s.model());
        m.put("inputPrice", Fmt.og(s.inputPrice()));
        m.put("outputPrice", Fmt.og(s.outputPrice()));
        m.put("priceUnit", PriceRows.unit(s));
        m.put("verifiability", s.verifiability());
        m.put("teeSignerAddress", s.teeSignerAddress());
        m.put("teeSignerAcknowledged", s.teeSignerAcknowledged());
        return m;
    }

    static Table serviceTable(ServiceInfo s) {
        Table t = new Table("Field", "Value")
                .row("Provider", s.provider())
                .row("Service Type", s.serviceType())
                .row("Model", s.model())
                .row("URL", s.url());
        PriceRows.of(s).forEach(p -> t.row(p.label(), p.value()));
        return t.row("Verifiability", s.verifiability())
                .row("TEE Signer", s.teeSignerAddress())
                .row("TEE Signer Acknowledged by Owner", Fmt.yesNo(s.teeSignerAcknowledged()));
    }

    @Command(name = "list-providers", mixinStandardHelpOptions = true,
            description = "List the inference providers (every page, not only the first 50).")
    public static final class ListProviders extends ServiceListCommand<ServiceInfo> {

        ListProviders(Invocation inv) {
            super(inv);
        }

        @Override
        String what() {
            return "providers";
        }

        @Override
        List<ServiceInfo> list(ZGComputeNetworkReadOnlyBroker broker) {
            return broker.inference().listService(includeInvalid);
        }

        @Override
        Map<String, Object> toJson(ServiceInfo s) {
            return serviceJson(s);
        }

        @Override
        void print(List<ServiceInfo> services) {
            for (int i = 0; i < services.size(); i++) {
                out().println("Provider " + (i + 1));
                serviceTable(services.get(i)).print(out());
            }
        }
    }

    @Command(name = "list-providers-detail", mixinStandardHelpOptions = true,
            description = "List providers with health, model details and pricing tiers.")
    public static final class ListProvidersDetail extends ServiceListCommand<ServiceWithDetail> {

        ListProvidersDetail(Invocation inv) {
            super(inv);
        }

        @Override
        String what() {
            return "providers";
        }

        @Override
        List<ServiceWithDetail> list(ZGComputeNetworkReadOnlyBroker broker) {
            return broker.inference().listServiceWithDetail(includeInvalid);
        }

        @Override
        Map<String, Object> toJson(ServiceWithDetail d) {
            Map<String, Object> m = serviceJson(d.service());
            m.put("health", d.health());
            m.put("modelInfo", d.modelInfo());
            m.put("tieredPricing", d.tieredPricing());
            m.put("cacheTokenDivisor", d.cacheTokenDivisor());
            return m;
        }

        @Override
        void print(List<ServiceWithDetail> services) {
            for (int i = 0; i < services.size(); i++) {
                ServiceWithDetail d = services.get(i);
                ServiceInfo s = d.service();
                Table t = serviceTable(s);
                if (d.cacheTokenDivisor() != null && d.cacheTokenDivisor() > 0) {
                    t.row("Cache Hit Price Per Token (0G)",
                            Fmt.og(s.inputPrice().divide(BigInteger.valueOf(d.cacheTokenDivisor()))));
                }
                for (ServiceWithDetail.PricingTier tier : d.tieredPricing()) {
                    t.row("Tier up to " + (tier.maxInputTokens() == 0 ? "∞" : tier.maxInputTokens()) + " input tokens",
                            "in x" + tier.inputMultiplier().toPlainString() + ", out x"
                                    + tier.outputMultiplier().toPlainString());
                }
                JsonNode mi = d.modelInfo();
                if (mi != null) {
                    row(t, "Model Name", mi.path("name").asText(null));
                    String desc = mi.path("description").asText(null);
                    row(t, "Description", desc == null || desc.length() <= 80 ? desc : desc.substring(0, 77) + "...");
                    row(t, "Context Length", mi.path("context_length").asText(null));
                    row(t, "Owned By", mi.path("owned_by").asText(null));
                }
                if (d.health() != null) {
                    String st = d.health().status();
                    row(t, "Health Status", "healthy".equalsIgnoreCase(st) ? "✓ Healthy"
                            : "critical".equalsIgnoreCase(st) ? "✗ Critical" : "⚠ " + st);
                    row(t, "Uptime (%)", d.health().uptime() == null ? null : String.valueOf(d.health().uptime()));
                    row(t, "Avg Response Time (ms)", d.health().avgResponseTime() == null ? null
                            : String.valueOf(d.health().avgResponseTime()));
                } else {
                    t.row("Health Status", "unknown (no status service for this network)");
                }
                out().println("Provider " + (i + 1));
                t.print(out());
            }
        }

        private static void row(Table t, String k, String v) {
            if (v != null && !v.isBlank()) {
                t.row(k, v);
            }
        }
    }

    @Command(name = "get-models", mixinStandardHelpOptions = true,
            description = "Get the models a provider serves (live from its /v1/models endpoint).")
    public static final class GetModels extends ReadOnlyCommand {

        @Option(names = "--provider", required = true, paramLabel = "<address>")
        String provider;

        @Mixin
        JsonOption json;

        GetModels(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            ProviderModels pm = withReadOnly(b -> b.inference().getProviderModels(provider));
            if (json.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("provider", pm.provider());
                m.put("url", pm.url());
                m.put("multiModel", pm.multiModel());
                m.put("priceDenomination", pm.priceDenomination());
                m.put("defaultModel", pm.defaultModel());
                m.put("models", pm.models().stream().map(GetModels::modelJson).toList());
                out().println(Fmt.json(m));
                return 0;
            }
            out().println("Provider:      " + pm.provider());
            out().println("Multi-model:   " + (pm.multiModel() ? "yes" : "no")
                    + (pm.priceDenomination() == null ? "" : " (" + pm.priceDenomination() + ")"));
            out().println("Default model: " + pm.defaultModel());
            if (pm.models().isEmpty()) {
                out().println("No models returned by the provider /v1/models endpoint.");
                return 0;
            }
            Table t = new Table("Model", "Type", "Pricing (0G)");
            for (ProviderModel m : pm.models()) {
                t.row(m.id(), m.type() == null ? "-" : m.type(), pricing(m));
            }
            t.print(out());
            return 0;
        }

        private static Map<String, Object> modelJson(ProviderModel m) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("id", m.id());
            j.put("type", m.type());
            j.put("inputPrice", m.inputPrice() == null ? null : Fmt.og(m.inputPrice()));
            j.put("outputPrice", m.outputPrice() == null ? null : Fmt.og(m.outputPrice()));
            return j;
        }

        /** Per image for image services, else per token (per second of audio for speech-to-text's input). */
        private static String pricing(ProviderModel m) {
            if (m.inputPrice() == null && m.outputPrice() == null) {
                return "N/A";
            }
            String in = m.inputPrice() == null ? "N/A" : Fmt.og(m.inputPrice());
            String out = m.outputPrice() == null ? "N/A" : Fmt.og(m.outputPrice());
            if (m.type() != null && m.type().contains("image")) {
                return out + " / image";
            }
            return "in " + in + " / out " + out + ("speech-to-text".equals(m.type()) ? " (in: per second)" : " per token");
        }
    }

    @Command(name = "acknowledge-provider", mixinStandardHelpOptions = true, description = {
            "Trust a provider's TEE signer (needed before using it).",
            "Creates the sub-account with the contract's minimum transfer (1 0G) when there is none."})
    public static final class AcknowledgeProvider extends OneShotTransaction {

        @Option(names = "--provider", required = true, paramLabel = "<address>")
        String provider;

        AcknowledgeProvider(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            List<TxResult> sent = withBroker(b -> b.inference().acknowledgeProviderSigner(provider));
            out().println("✓ Provider signer acknowledged successfully!" + (sent.isEmpty() ? " (it already was)" : ""));
            sent.forEach(this::printTx);
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, description = {
            "Download the provider's TEE attestation reports and check them against its on-chain signer.",
            "Exits with 1 when a check fails or a report carries no hardware quote (not attested; the official CLI "
                    + "exits 0)."})
    public static final class Verify extends BrokerCommand {

        @Mixin
        VerifyOptions verify;

        Verify(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            VerificationResult r = withBroker(b -> b.inference().verifyService(verify.provider,
                    ctx().resolve(verify.outputDir), verify.progress(this)));
            return verify.verdict(this, r);
        }
    }

    @Command(name = "download-report", mixinStandardHelpOptions = true,
            description = "Save the provider's raw attestation report (/v1/quote) to a file.")
    public static final class DownloadReport extends BrokerCommand {

        @Option(names = "--provider", required = true, paramLabel = "<address>")
        String provider;

        @Option(names = "--output", required = true, paramLabel = "<file>")
        String output;

        DownloadReport(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            Path file = ctx().resolve(output);
            withBroker(b -> {
                b.inference().downloadQuoteReport(provider, file);
                return null;
            });
            out().println("✓ Report saved to " + file);
            return 0;
        }
    }

    @Command(name = "get-secret", mixinStandardHelpOptions = true, description = {
            "Create an API key (app-sk-…) for direct calls to one provider. Purely off-chain.",
            "Without --duration a menu asks for the lifetime (never, when there is no terminal)."})
    public static final class GetSecret extends BrokerCommand {

        @Option(names = "--provider", required = true, paramLabel = "<address>")
        String provider;

        @Option(names = "--token-id", paramLabel = "<0-254>", description = "Slot to use (default: the lowest one "
                + "neither revoked on chain nor already handed out by this CLI)")
        Integer tokenId;

        @Option(names = "--duration", paramLabel = "<ms|Ns|Nm|Nh|Nd>", description = "Lifetime: milliseconds as "
                + "the official CLI, or with a unit (90s, 1h, 7d); 0 = never expires")
        String duration;

        @Mixin
        JsonOption json;

        GetSecret(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            if (tokenId != null && (tokenId < 0 || tokenId > 254)) {
                throw new CliException("--token-id must be within 0..254 (255 is the ephemeral session).");
            }
            Duration life = duration != null ? Durations.parse(duration) : menu();
            return withBroker(b -> {
                b.ledger().getLedger();
                // the service first: for an address nobody serves, "transfer-fund" (the sub-account hint) is wrong
                ServiceInfo service = b.inference().getService(provider);
                SubAccount account = b.inference().getAccount(provider);
                IssuedKeys issued = new IssuedKeys(ctx().configDir());
                long generation = account.generation().longValueExact();
                Integer id = tokenId != null ? tokenId
                        : issued.firstFree(b.ledger().userAddress(), provider, generation, account.revokedBitmap());
                ApiKey key = b.inference().createApiKey(provider, life, id);
                inv.addSecret(key.rawToken());
                issued.record(b.ledger().userAddress(), provider, generation,
                        new IssuedKeys.Slot(key.tokenId(), null, key.createdAt(), key.expiresAt()));
                print(key, service);
                return 0;
            });
        }

        private void print(ApiKey key, ServiceInfo s) {
            String auth = "Authorization: Bearer " + key.rawToken();
            if (json.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("provider", s.provider());
                m.put("tokenId", key.tokenId());
                m.put("createdAt", key.createdAt());
                m.put("expiresAt", key.expiresAt());
                m.put("apiKey", key.rawToken());
                out().println(Fmt.json(m));
                return;
            }
            out().println("✓ API key created");
            out().println("  Token ID:   " + key.tokenId());
            out().println("  Expires:    " + Fmt.millisInstant(key.expiresAt()));
            out().println();
            out().println(auth);
            out().println();
            String base = s.url().replaceAll("/+$", "") + "/v1/proxy";
            String type = s.serviceType() == null ? "" : s.serviceType();
            out().println("Example:");
            switch (type) {
                case "text-to-image" -> out().println("curl " + base + "/images/generations -H \"Content-Type: "
                        + "application/json\" -H \"" + auth + "\" -d '{\"model\":\"" + s.model()
                        + "\",\"prompt\":\"a cat\",\"n\":1}'");
                case "image-editing" -> out().println("curl " + base + "/images/edits -H \"" + auth
                        + "\" -F model=" + s.model() + " -F image=@input.png -F prompt=\"make it blue\"");
                case "speech-to-text" -> out().println("curl " + base + "/audio/transcriptions -H \"" + auth
                        + "\" -F model=" + s.model() + " -F file=@audio.wav");
                case "audio-generation" -> out().println("curl " + base + "/audio/speech -H \"Content-Type: "
                        + "application/json\" -H \"" + auth + "\" -d '{\"model\":\"" + s.model()
                        + "\",\"input\":\"Hello world\"}' -o speech.wav");
                case "embedding" -> out().println("curl " + base + "/embeddings -H \"Content-Type: application/json\" "
                        + "-H \"" + auth + "\" -d '{\"model\":\"" + s.model() + "\",\"input\":[\"Hello world\"]}'");
                default -> out().println("curl " + base + "/chat/completions -H \"Content-Type: application/json\" "
                        + "-H \"" + auth + "\" -d '{\"model\":\"" + s.model()
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'");
            }
            out().println();
            out().println("Revoke this key:  0g-compute-cli inference revoke-token --provider " + s.provider()
                    + " --token-id " + key.tokenId());
            out().println("Revoke all keys:  0g-compute-cli inference revoke-all-tokens --provider " + s.provider());
        }

        private Duration menu() {
            if (!ctx().prompter().interactive()) {
                return Duration.ZERO;
            }
            out().println("How long should the key stay valid?");
            String[] labels = {"Never", "1 hour", "24 hours", "7 days", "30 days", "Custom (seconds)"};
            for (int i = 0; i < labels.length; i++) {
                out().println("  " + (i + 1) + ") " + labels[i]);
            }
            out().flush();
            String a = ctx().prompter().readLine("Choice [1-6]: ");
            String c = a == null ? "1" : a.trim();
            return switch (c.isEmpty() ? "1" : c) {
                case "1" -> Duration.ZERO;
                case "2" -> Duration.ofHours(1);
                case "3" -> Duration.ofHours(24);
                case "4" -> Duration.ofDays(7);
                case "5" -> Duration.ofDays(30);
                case "6" -> {
                    String s = ctx().prompter().readLine("Seconds: ");
                    yield Durations.parse((s == null ? "" : s.trim()) + "s");
                }
                default -> throw new CliException("Not a choice: " + c);
            };
        }
    }

    @Command(name = "revoke-token", mixinStandardHelpOptions = true,
            description = "Revoke one API key slot on chain (the slot stays burnt until revoke-all-tokens).")
    public static final class RevokeToken extends OneShotTransaction {

        @Option(names = "--provider", required = true, paramLabel = "<address>")
        String provider;

        @Option(names = "--token-id", required = true, paramLabel = "<0-254>")
        int tokenId;

        RevokeToken(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            TxResult tx = withBroker(b -> b.inference().revokeApiKey(provider, tokenId));
            out().println("✓ Token " + tokenId + " revoked for provider " + provider);
            printTx(tx);
            return 0;
        }
    }

    @Command(name = "revoke-all-tokens", mixinStandardHelpOptions = true,
            description = "Invalidate every API key and session for one provider (bumps the generation).")
    public static final class RevokeAllTokens extends OneShotTransaction {

        @Option(names = "--provider", required = true, paramLabel = "<address>")
        String provider;

        RevokeAllTokens(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            TxResult tx = withBroker(b -> b.inference().revokeAllTokens(provider));
            out().println("✓ All tokens revoked for provider " + provider
                    + ": every API key and session issued before is now invalid.");
            printTx(tx);
            return 0;
        }
    }
}
