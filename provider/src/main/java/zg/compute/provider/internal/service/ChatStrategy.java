package zg.compute.provider.internal.service;

import java.math.BigInteger;
import java.util.Locale;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.provider.ProviderConfig;
import zg.compute.provider.internal.auth.RequestRejected;
import zg.compute.provider.internal.billing.ChatRequest;
import zg.compute.provider.internal.billing.SseUsage;
import zg.compute.provider.internal.billing.TokenCount;
import zg.compute.provider.internal.billing.Usage;
import zg.compute.provider.internal.billing.UsageExtractor;

/**
 * {@code chatbot}: input tokens × inputPrice + output tokens × outputPrice of the requested model (provider.md
 * §11; {@link ModelCatalog}). The reservation
 * covers the prompt (the broker's count) and {@code max_tokens} (else {@code limits.maxOutputTokens}); if
 * less is affordable the output is capped at what is, at least one token.
 */
public final class ChatStrategy implements ServiceStrategy {

    private static final Logger log = LoggerFactory.getLogger(ChatStrategy.class);

    /** Events past the covered output tokens before a plain stream is cut. */
    static final int EVENT_SLACK = 8;

    private final ModelCatalog catalog;
    private final long defaultMaxOutput;
    private final AdapterModels adapters;

    public ChatStrategy(ModelCatalog catalog, long defaultMaxOutput) {
        this(catalog, defaultMaxOutput, AdapterModels.NONE);
    }

    /** @param adapters fine-tuned adapters a chat may name: billed at their base model's prices */
    public ChatStrategy(ModelCatalog catalog, long defaultMaxOutput, AdapterModels adapters) {
        this.catalog = catalog;
        this.defaultMaxOutput = defaultMaxOutput;
        this.adapters = adapters;
    }

    @Override
    public String type() {
        return "chatbot";
    }

    @Override
    public String priceUnit() {
        return "neuron per token";
    }

    @Override
    public String path() {
        return "/chat/completions";
    }

    @Override
    public PaidRequest read(byte[] body, String contentType) throws RequestRejected {
        ChatRequest request = ChatRequest.parse(body);
        return new Chat(request, catalog.resolve(request.json().get("model")));
    }

    /**
     * A chat naming one of the user's active adapters is billed exactly as a chat with its base model (that
     * model's prices when this provider lists it, else the default model the adapter runs on here) and forwarded
     * with the adapter's name, which the model server serves (vLLM dynamic LoRA).
     */
    @Override
    public PaidRequest read(String user, byte[] body, String contentType) throws RequestRejected {
        ChatRequest request = ChatRequest.parse(body);
        var model = request.json().get("model");
        var base = adapters.baseModel(user, model != null && model.isTextual() ? model.asText() : null);
        if (base.isEmpty()) {
            return new Chat(request, catalog.resolve(model));
        }
        ProviderConfig.Model priced = catalog.serves(base.get()) ? catalog.resolve(base.get()).model()
                : catalog.defaultModel();
        return new Chat(request, new ModelCatalog.Resolved(priced, null));
    }

    private final class Chat implements PaidRequest {
        private final ChatRequest request;
        private final ModelCatalog.Resolved model;
        private final BigInteger inputPrice;
        private final BigInteger outputPrice;
        private final BigInteger promptFee;
        private final long wanted;
        /** The plain SSE answer read as it passed, if it was one. */
        private SseUsage stream;

        Chat(ChatRequest request, ModelCatalog.Resolved model) {
            this.request = request;
            this.model = model;
            this.inputPrice = model.inputPrice();
            this.outputPrice = model.outputPrice();
            this.promptFee = inputPrice.multiply(BigInteger.valueOf(request.promptTokens()));
            this.wanted = request.maxTokens().orElse(defaultMaxOutput);
        }

        @Override
        public BigInteger minimumFee() {
            return promptFee.add(outputPrice);
        }

        @Override
        public BigInteger desiredFee() {
            return promptFee.add(outputPrice.multiply(BigInteger.valueOf(wanted)));
        }

        /** Output tokens the reservation covers. */
        private long covered(BigInteger reserved) {
            if (outputPrice.signum() == 0) {
                return wanted;
            }
            return reserved.subtract(promptFee).divide(outputPrice).min(BigInteger.valueOf(wanted)).longValueExact();
        }

        @Override
        public Forward forward(BigInteger reserved) {
            long covered = covered(reserved);
            return new Forward(request.forwardBody(covered < wanted ? OptionalLong.of(covered) : OptionalLong.empty(),
                    model.setUpstream()), "application/json");
        }

        /**
         * A plain (unencoded) SSE answer is read as it passes, never held: its usage, the content for the
         * broker's own count, and its events — an upstream that ignores max_tokens must not stream past what
         * the reservation covers (engines send about one token per event; a few events of slack cover the role,
         * usage and [DONE] events).
         */
        @Override
        public Meter meter(BigInteger reserved, String contentType, String contentEncoding) {
            boolean sse = contentType != null && contentType.toLowerCase(Locale.ROOT).contains("text/event-stream");
            boolean plain = contentEncoding == null || contentEncoding.isBlank()
                    || contentEncoding.equalsIgnoreCase("identity");
            if (!sse || !plain) {
                return null;
            }
            long maxEvents = covered(reserved) + EVENT_SLACK;
            SseUsage stream = new SseUsage();
            this.stream = stream;
            return new Meter() {
                @Override
                public void accept(byte[] bytes, int offset, int length) {
                    stream.accept(bytes, offset, length);
                }

                @Override
                public boolean pastLimit() {
                    return stream.events() > maxEvents;
                }
            };
        }

        @Override
        public Bill bill(Response r) {
            Usage u;
            try {
                if (stream != null) {
                    u = stream.usage(request.promptTokens());
                } else if (r.bytes() == null) {
                    // longer than the broker holds and not a plain stream: its size is what was delivered
                    u = new Usage(request.promptTokens(), new TokenCount().appendOpaque(r.size()).tokens(), false);
                } else {
                    u = UsageExtractor.extract(r.bytes(), r.encoding(), r.contentType(), request.promptTokens());
                }
            } catch (Exception e) {
                // undecodable for the client too: the prompt was processed all the same
                log.warn("cannot read chat usage: {}", e.getMessage());
                u = new Usage(request.promptTokens(), 0, false);
            }
            return new Bill(u.inputTokens(), u.outputTokens(), u.inputFee(inputPrice), u.outputFee(outputPrice));
        }
    }
}
