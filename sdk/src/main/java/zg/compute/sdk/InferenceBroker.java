package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import zg.compute.protocol.auth.SessionToken;
import zg.compute.protocol.auth.SignedToken;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.signing.ResponseSignature;
import zg.compute.protocol.units.Units;
import zg.compute.sdk.internal.auth.SessionIssuer;
import zg.compute.sdk.internal.billing.ExchangeFacts;
import zg.compute.sdk.internal.billing.FeeEstimator;
import zg.compute.sdk.internal.billing.ModelPrices;
import zg.compute.sdk.internal.chain.ChainClient;
import zg.compute.sdk.internal.http.ProviderHttp;
import zg.compute.sdk.internal.verify.AttestationReports;
import zg.compute.sdk.internal.verify.ImageAnswer;

/**
 * The user's side of inference: sub-accounts, acknowledgement, request headers (app-sk session tokens),
 * API keys, funding and response verification.
 */
public final class InferenceBroker extends ReadOnlyInferenceBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceBroker.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The provider's floor: it serves only while the locked balance covers unsettled fees plus this. */
    public static final BigInteger MIN_LOCKED_BALANCE = Units.og(1);
    public static final int DEFAULT_BUFFER_MULTIPLIER = 2;
    /**
     * A provider's reported unsettled fee counts, for a top-up, only up to this multiple of the fees this
     * client computed itself (in {@code processResponse}) since the last top-up.
     */
    public static final int FEE_TRUST_MULTIPLIER = 2;
    private static final Set<String> VERIFIABILITY = Set.of("OpML", "TeeML", "ZKML");
    private static final Duration SERVICE_TTL = Duration.ofMinutes(10);
    private static final Duration ACK_TTL = Duration.ofMinutes(10);
    private static final int HIGHEST_PERSISTENT_TOKEN_ID = 254;

    private final LedgerBroker ledger;
    private final SessionIssuer sessions;
    private final Clock clock;
    private final boolean fundOnRequestHeaders;
    private final Amount maxAutoFund;
    private final String user;

    private record Expiring<T>(T value, long expiresAt) {
    }

    private final Map<String, Expiring<ServiceInfo>> services = new ConcurrentHashMap<>();
    private final Map<String, Long> acknowledgedUntil = new ConcurrentHashMap<>();
    /** Fees computed locally by processResponse since the last top-up, per provider (never the provider's figure). */
    private final Map<String, BigInteger> cachedFees = new ConcurrentHashMap<>();
    /** Fees computed locally by processResponse since this broker was created, per provider. */
    private final Map<String, BigInteger> seenFees = new ConcurrentHashMap<>();
    private final Map<String, Object> fundingLocks = new ConcurrentHashMap<>();
    private final Map<String, ScheduledFuture<?>> autoFunding = new ConcurrentHashMap<>();
    private final ModelPrices modelPrices;
    private ScheduledExecutorService scheduler;

    InferenceBroker(ChainClient chain, InferenceServing contract, LedgerBroker ledger, BrokerOptions options) {
        super(chain, contract, new ProviderHttp(options.httpTimeout()), options.resolveStatusApi(chain.chainId()));
        this.ledger = ledger;
        this.clock = options.clock();
        this.sessions = new SessionIssuer(chain.credentials(), clock);
        this.fundOnRequestHeaders = options.fundOnRequestHeaders();
        this.maxAutoFund = options.maxAutoFund();
        this.user = sessions.userAddress();
        this.modelPrices = new ModelPrices(this::getProviderModels, clock);
    }

    // ---------------------------------------------------------------- sub-accounts

    /** The sub-account with {@code provider}; "Sub-account not found…" when there is none. */
    public SubAccount getAccount(String provider) {
        LedgerBroker.requireAddress(provider, "provider");
        return toSubAccount(chain.call(() -> contract.getAccount(user, provider).send()));
    }

    /** The sub-account and how long each active refund stays locked, by the chain's clock. */
    public SubAccountDetail getAccountWithDetail(String provider) {
        SubAccount a = getAccount(provider);
        return new SubAccountDetail(a, PendingRefund.of(a.refunds(), getLockedTime(), chain.latestBlockTimestamp()));
    }

    /** How long, in seconds, a requested refund stays locked ({@code lockTime()}). */
    public long getLockedTime() {
        return chain.call(() -> contract.lockTime().send()).longValueExact();
    }

    /** Whether the user acknowledged this provider (a transfer into a sub-account does so). */
    public boolean acknowledged(String provider) {
        Long until = acknowledgedUntil.get(key(provider));
        if (until != null && until > clock.millis()) {
            return true;
        }
        boolean ack;
        try {
            ack = getAccount(provider).acknowledged();
        } catch (ContractErrorException e) {
            if ("AccountNotExists".equals(e.errorName())) {
                return false;
            }
            throw e;
        }
        if (ack) {
            acknowledgedUntil.put(key(provider), clock.millis() + ACK_TTL.toMillis());
        }
        return ack;
    }

    /**
     * Marks the provider as trusted by this user. Creates the sub-account with the contract's minimum
     * transfer when there is none (which already acknowledges), otherwise sends
     * {@code acknowledgeTEESigner(provider, true)} unless already acknowledged. Like the official SDK it
     * verifies no attestation; unlike it, it first checks that the provider has a service at all.
     *
     * @return the transactions sent (none when already acknowledged)
     */
    public List<TxResult> acknowledgeProviderSigner(String provider) {
        getService(provider);
        List<TxResult> sent = new ArrayList<>();
        SubAccount account = findAccount(provider);
        if (account == null) {
            sent.add(ledger.transferFund(provider, ServiceKind.INFERENCE, ledger.minimumTransferAmount()));
            account = getAccount(provider);
        }
        if (!account.acknowledged()) {
            sent.add(chain.sender().send(contract.getContractAddress(),
                    contract.acknowledgeTEESigner(provider, true).encodeFunctionCall(), BigInteger.ZERO, null));
        }
        acknowledgedUntil.put(key(provider), clock.millis() + ACK_TTL.toMillis());
        return sent;
    }

    // ---------------------------------------------------------------- services

    /** {@code <url>/v1/proxy} and the model, for an OpenAI-compatible client. */
    public ServiceMetadata getServiceMetadata(String provider) {
        return getServiceMetadata(provider, null);
    }

    /**
     * As {@link #getServiceMetadata(String)} with {@code model} chosen from {@link #getProviderModels} (null: the
     * on-chain default). As in the official SDK the id is not checked here: the provider refuses one it does not
     * serve and bills the one it does at that model's prices.
     */
    public ServiceMetadata getServiceMetadata(String provider, String model) {
        ServiceInfo s = cachedService(provider);
        return new ServiceMetadata(base(s) + "/v1/proxy", model != null ? model : s.model());
    }

    /**
     * Forgets what this broker cached about the provider (its service and URL, the acknowledgement), so the next
     * call reads the chain again: for a caller that found the provider unreachable, e.g. after it moved or the
     * network restarted.
     */
    public void forgetProvider(String provider) {
        services.remove(key(provider));
        acknowledgedUntil.remove(key(provider));
    }

    /** Where the TEE signature of a response can be fetched. */
    public String getChatSignatureDownloadLink(String provider, String chatID) {
        return base(cachedService(provider)) + "/v1/proxy/signature/" + chatID;
    }

    // ---------------------------------------------------------------- request headers and API keys

    /**
     * The single {@code Authorization: Bearer app-sk-…} header for a request to {@code provider}
     * (sdk-cli.md §2). Reuses the ephemeral session (tokenId 255) until less than an hour of it is left;
     * a new one carries the account's current on-chain generation. Unless auto-funding runs for this
     * provider, first tops the sub-account up as {@link #checkAndFund(String)} does (errors there are only
     * logged, as in the official SDK) — unlike the official SDK not on every call: a check that found the
     * sub-account covered is reused for up to {@link #FUND_CHECK_REUSE}, while the fees computed since stay below
     * half of what could still be spent before the provider refuses (the check costs an RPC call and an HTTP call to the provider).
     *
     * @throws ZGComputeException "Provider signer is not acknowledged" when the user never acknowledged
     */
    public Map<String, String> getRequestHeaders(String provider) {
        LedgerBroker.requireAddress(provider, "provider");
        if (fundOnRequestHeaders && !autoFunding.containsKey(provider) && fundCheckDue(provider)) {
            try {
                checkAndFund(provider, DEFAULT_BUFFER_MULTIPLIER);
            } catch (ZGComputeException e) {
                LOG.warn("Automatic top-up of the sub-account with {} failed: {}", provider, e.getMessage());
            }
        }
        return Map.of("Authorization", session(provider).authorization());
    }

    /** The ephemeral session token currently cached for {@code provider} (null if none). */
    public SessionToken currentSessionToken(String provider) {
        return sessions.cachedToken(provider);
    }

    private SignedToken session(String provider) {
        if (!acknowledged(provider)) {
            throw new ZGComputeException("Provider signer is not acknowledged");
        }
        SignedToken reusable = sessions.reusableSession(provider);
        if (reusable != null) {
            return reusable;
        }
        return sessions.newSession(provider, generation(provider));
    }

    /** A never-expiring API key on the lowest free token id. */
    public ApiKey createApiKey(String provider) {
        return createApiKey(provider, null, null);
    }

    /**
     * Signs a persistent API key (sdk-cli.md §5). Purely off-chain.
     *
     * @param expiresIn null or zero for never
     * @param tokenId   0..254, or null for the lowest id not revoked in the on-chain bitmap
     */
    public ApiKey createApiKey(String provider, Duration expiresIn, Integer tokenId) {
        LedgerBroker.requireAddress(provider, "provider");
        if (expiresIn != null && expiresIn.isNegative()) {
            throw new InvalidRequestException("expiresIn must not be negative");
        }
        SubAccount account = findAccount(provider);
        BigInteger bitmap = account == null ? BigInteger.ZERO : account.revokedBitmap();
        long generation = account == null ? 0 : account.generation().longValueExact();
        int id;
        if (tokenId != null) {
            if (tokenId < 0 || tokenId > HIGHEST_PERSISTENT_TOKEN_ID) {
                throw new InvalidRequestException("Token id must be within 0.." + HIGHEST_PERSISTENT_TOKEN_ID
                        + " (255 is the ephemeral session), got " + tokenId);
            }
            if (bitmap.testBit(tokenId)) {
                throw new InvalidRequestException("Token id " + tokenId + " is revoked; pick another one or call "
                        + "revokeAllTokens to free every id");
            }
            id = tokenId;
        } else {
            id = -1;
            for (int i = 0; i <= HIGHEST_PERSISTENT_TOKEN_ID; i++) {
                if (!bitmap.testBit(i)) {
                    id = i;
                    break;
                }
            }
            if (id < 0) {
                throw new InvalidRequestException("Every token id is revoked; call revokeAllTokens to free them");
            }
        }
        long now = clock.millis();
        long expiresAt = 0;
        if (expiresIn != null && !expiresIn.isZero()) {
            try {
                // A wrapped (negative) expiresAt would be a key that never expires; brokers now reject it.
                expiresAt = Math.addExact(now, expiresIn.toMillis());
            } catch (ArithmeticException e) {
                throw new InvalidRequestException("expiresIn is too large: the expiry time does not fit in "
                        + "milliseconds since 1970");
            }
        }
        SignedToken t = sessions.persistent(provider, now, expiresAt, generation, id);
        return new ApiKey(id, now, expiresAt, t.apiKey());
    }

    /** Revokes one API key id on chain (sets its bit in the bitmap). The ephemeral id 255 cannot be. */
    public TxResult revokeApiKey(String provider, int tokenId) {
        LedgerBroker.requireAddress(provider, "provider");
        if (tokenId == SessionToken.EPHEMERAL_TOKEN_ID) {
            throw new InvalidRequestException("Cannot revoke ephemeral token individually. Use revokeAllTokens "
                    + "to invalidate all tokens including ephemeral ones.");
        }
        if (tokenId < 0 || tokenId > HIGHEST_PERSISTENT_TOKEN_ID) {
            throw new InvalidRequestException("Token id must be within 0.." + HIGHEST_PERSISTENT_TOKEN_ID
                    + ", got " + tokenId);
        }
        return chain.sender().send(contract.getContractAddress(),
                contract.revokeToken(provider, BigInteger.valueOf(tokenId)).encodeFunctionCall(), BigInteger.ZERO,
                null);
    }

    /** Bumps the generation and clears the bitmap: every key and session for this provider dies. */
    public TxResult revokeAllTokens(String provider) {
        LedgerBroker.requireAddress(provider, "provider");
        TxResult r = chain.sender().send(contract.getContractAddress(),
                contract.revokeAllTokens(provider).encodeFunctionCall(), BigInteger.ZERO, null);
        sessions.forget(provider);
        return r;
    }

    // ---------------------------------------------------------------- funding

    /** {@link #checkAndFund(String, int)} with the default buffer of 2 × 1 0G. */
    public Optional<TxResult> checkAndFund(String provider) {
        return checkAndFund(provider, DEFAULT_BUFFER_MULTIPLIER);
    }

    /**
     * Keeps the sub-account's free balance at {@code unsettledFee + bufferMultiplier × 1 0G} and transfers
     * the deficit, at least the contract's minimum transfer, from the main account. Unlike the official SDK
     * it does not take the provider's word for the unsettled fee:
     * <ul>
     * <li>the fee the provider reports ({@code GET /v1/user/{addr}/unsettledfee}) counts only up to
     * {@link #FEE_TRUST_MULTIPLIER} × the fees {@code processResponse} computed for it since the last top-up
     * (without a report, those local fees are used), so a provider that keeps reporting inflated figures gets
     * no more than twice what this client computed plus the buffer kept full;</li>
     * <li>one top-up moves at most {@link BrokerOptions#maxAutoFund()}, by default
     * {@code 2 × those local fees + the buffer};</li>
     * <li>a reported fee above all fees computed locally for that provider since this broker was created
     * is logged as a WARN, every transfer as an INFO line with amount, provider and reason.</li>
     * </ul>
     *
     * @return the transfer, or empty when nothing was missing
     */
    public Optional<TxResult> checkAndFund(String provider, int bufferMultiplier) {
        LedgerBroker.requireAddress(provider, "provider");
        if (bufferMultiplier < 0) {
            throw new InvalidRequestException("bufferMultiplier must not be negative");
        }
        synchronized (fundingLocks.computeIfAbsent(key(provider), k -> new Object())) {
            return fund(provider, bufferMultiplier);
        }
    }

    /** How long a top-up check that found the sub-account covered stands for {@link #getRequestHeaders}. */
    public static final java.time.Duration FUND_CHECK_REUSE = java.time.Duration.ofSeconds(1);

    /**
     * A top-up check that found the sub-account covered: when, half of what could still be spent before the
     * provider refuses, and the fees computed by then.
     */
    private record FundCheck(long atNanos, BigInteger headroom, BigInteger feesSeen) {
    }

    private final Map<String, FundCheck> fundChecks = new ConcurrentHashMap<>();

    private boolean fundCheckDue(String provider) {
        FundCheck c = fundChecks.get(key(provider));
        return c == null || System.nanoTime() - c.atNanos() > FUND_CHECK_REUSE.toNanos()
                || seenFees.getOrDefault(key(provider), BigInteger.ZERO).subtract(c.feesSeen())
                        .compareTo(c.headroom()) >= 0;
    }

    private Optional<TxResult> fund(String provider, int bufferMultiplier) {
        BigInteger buffer = MIN_LOCKED_BALANCE.multiply(BigInteger.valueOf(bufferMultiplier));
        BigInteger local = cachedFee(provider);
        BigInteger trusted = local.multiply(BigInteger.valueOf(FEE_TRUST_MULTIPLIER));
        BigInteger reported = reportedUnsettledFee(provider);
        BigInteger unsettled;
        String basis;
        if (reported == null) {
            unsettled = local;
            basis = "no fee report from the provider, local fee estimate " + og(local);
        } else {
            BigInteger seen = seenFees.getOrDefault(key(provider), BigInteger.ZERO);
            if (reported.compareTo(seen) > 0) {
                LOG.warn("Provider {} reports {} of unsettled fees, more than the {} this client has computed for it "
                        + "since it started; auto-funding counts at most {} of it", provider, og(reported), og(seen),
                        og(trusted.min(reported)));
            }
            unsettled = reported.min(trusted);
            basis = "provider reports " + og(reported) + " unsettled";
            if (reported.compareTo(trusted) > 0) {
                basis += ", counted only up to " + og(trusted) + " (" + FEE_TRUST_MULTIPLIER + " × the local estimate "
                        + og(local) + ")";
            }
        }
        BigInteger required = unsettled.add(buffer);
        SubAccount account = findAccount(provider);
        BigInteger available = account == null ? BigInteger.ZERO : account.available();
        BigInteger deficit = required.subtract(available);
        if (deficit.signum() <= 0) {
            // what can still be spent before the provider refuses (it wants the 1 0G reserve + unsettled fees)
            BigInteger headroom = available.subtract(unsettled).subtract(MIN_LOCKED_BALANCE);
            if (headroom.signum() > 0) {
                fundChecks.put(key(provider), new FundCheck(System.nanoTime(), headroom.shiftRight(1),
                        seenFees.getOrDefault(key(provider), BigInteger.ZERO)));
            }
            return Optional.empty();
        }
        fundChecks.remove(key(provider));
        BigInteger minimum = ledger.minimumTransferAmount().neuron();
        BigInteger cap = maxAutoFund != null ? maxAutoFund.neuron() : trusted.add(buffer);
        BigInteger amount = deficit.max(minimum);
        String capNote = "";
        if (amount.compareTo(cap) > 0) {
            amount = cap;
            capNote = ", capped at " + og(cap) + (maxAutoFund != null ? " (maxAutoFund)"
                    : " (" + FEE_TRUST_MULTIPLIER + " × local fees + buffer)");
        }
        if (account == null && amount.compareTo(minimum) < 0) {
            throw new InvalidRequestException("Cannot create the sub-account with " + provider + ": the auto-funding "
                    + "cap of " + og(cap) + " is below the minimum transfer of " + og(minimum));
        }
        LOG.info("Auto-funding: transferring {} to the sub-account with {} ({}; required {} = unsettled {} + buffer "
                + "{}, available {}{})", og(amount), provider, basis, og(required), og(unsettled), og(buffer),
                og(available), capNote);
        TxResult r = ledger.transferFund(provider, ServiceKind.INFERENCE, Amount.neuron(amount));
        // Start the next period at 0, keeping fees processResponse added while the transfer was under way.
        cachedFees.merge(key(provider), local.negate(), BigInteger::add);
        return Optional.of(r);
    }

    private static String og(BigInteger neuron) {
        return Amount.neuron(neuron.max(BigInteger.ZERO)).toString();
    }

    /** Runs {@link #checkAndFund(String, int)} now and then every {@code interval} in the background. */
    public synchronized void startAutoFunding(String provider, Duration interval, int bufferMultiplier) {
        LedgerBroker.requireAddress(provider, "provider");
        stopAutoFunding(provider);
        checkAndFund(provider, bufferMultiplier);
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "zg-auto-funding");
                t.setDaemon(true);
                return t;
            });
        }
        autoFunding.put(provider, scheduler.scheduleWithFixedDelay(() -> {
            try {
                checkAndFund(provider, bufferMultiplier);
            } catch (RuntimeException e) {
                LOG.warn("Auto-funding of {} failed: {}", provider, e.getMessage());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS));
    }

    public synchronized void stopAutoFunding(String provider) {
        ScheduledFuture<?> f = autoFunding.remove(provider);
        if (f != null) {
            f.cancel(false);
        }
    }

    public synchronized void stopAutoFunding() {
        autoFunding.values().forEach(f -> f.cancel(false));
        autoFunding.clear();
    }

    /** The local fee estimate accumulated by {@code processResponse} since the last top-up (neuron). */
    public BigInteger cachedFee(String provider) {
        return cachedFees.getOrDefault(key(provider), BigInteger.ZERO);
    }

    /**
     * The provider's own figure of this user's fees it has not yet settled on chain
     * ({@code GET <url>/v1/user/<user>/unsettledfee}); empty when it cannot give a sane one (unreachable, an error,
     * a negative number). Shown as is: auto-funding trusts it only up to {@link #FEE_TRUST_MULTIPLIER}.
     */
    public Optional<BigInteger> getUnsettledFee(String provider) {
        return Optional.ofNullable(reportedUnsettledFee(provider));
    }

    /** The provider's own figure, or null when it cannot give a sane one (then the local estimate is used). */
    private BigInteger reportedUnsettledFee(String provider) {
        try {
            ServiceInfo s = cachedService(provider);
            ProviderHttp.Reply r = http.get(base(s) + "/v1/user/" + user + "/unsettledfee",
                    Map.of("Authorization", session(provider).authorization()));
            if (r.ok()) {
                BigInteger fee = new BigInteger(JSON.readTree(r.body()).path("unsettledFee").asText().trim());
                if (fee.signum() >= 0) {
                    return fee;
                }
                LOG.warn("provider {} reported a negative unsettled fee; using the local estimate", provider);
                return null;
            }
            LOG.debug("provider {} answered {} for its unsettled fee; using the local estimate", provider, r.status());
        } catch (Exception e) {
            LOG.debug("cannot get the unsettled fee from {}: {}; using the local estimate", provider, e.getMessage());
        }
        return null;
    }

    // ---------------------------------------------------------------- responses

    /**
     * Accounts the fee of one response and verifies its TEE signature (sdk-cli.md §3). Parameter order
     * is the official SDK's code: provider, chat id, content.
     *
     * @param chatID  the response's {@code ZG-Res-Key} header (fallback: the completion id); null skips
     *                verification
     * @param content the usage JSON (or the whole response holding {@code usage}); for image services the
     *                request JSON; null skips fee accounting
     */
    public ResponseVerification processResponse(String provider, String chatID, String content) {
        return process(provider, chatID, content, null, null, null).verification();
    }

    /**
     * As {@link #processResponse(String, String, String)} for a request to {@code model} of a multi-model
     * provider: the fee is counted at that model's prices (from {@link #getProviderModels}); null or the
     * on-chain default model count at the on-chain prices, as does every model of a single-model provider.
     *
     * @throws InvalidRequestException when a multi-model provider does not list {@code model}
     */
    public ResponseVerification processResponse(String provider, String chatID, String content, String model) {
        return process(provider, chatID, content, null, null, model).verification();
    }

    /**
     * As {@link #processResponse(String, String, String)}, plus the check the official SDK lacks: the signed
     * text must cover exactly these bytes — {@code sha256(requestBody):sha256(responseBody)} for chat, speech and
     * embeddings; for text-to-image / image-editing {@code ResponseSignature.imagesText(requestBody, images)} of the
     * {@code b64_json} images decoded from {@code responseBody} (services-and-ui.md A.1; the plain form is accepted
     * too, as brokers sign it when the answer holds no decodable images). For image services the fee counts the
     * images actually delivered (at most the request's {@code n} when {@code content} is the request JSON), even
     * when {@code content} is null.
     */
    public ResponseVerification processResponse(String provider, String chatID, String content, byte[] requestBody,
            byte[] responseBody) {
        if (requestBody == null || responseBody == null) {
            throw new InvalidRequestException("requestBody and responseBody are required for the content check");
        }
        return process(provider, chatID, content, requestBody, responseBody, ModelPrices.requestedModel(requestBody))
                .verification();
    }

    /**
     * The seed's documented argument order — provider, content, chatID — under its own name, so it can
     * never be confused with {@link #processResponse(String, String, String)}.
     */
    public ResponseVerification processResponseContentFirst(String provider, String content, String chatID) {
        return process(provider, chatID, content, null, null, null).verification();
    }

    /**
     * Only the signature check of {@link #processResponse(String, String, String, byte[], byte[])}: whether the
     * TEE signer signed exactly these bytes (the decoded pictures for image services). Nothing is added to the
     * local fee estimate, so a response already accounted for can be checked again.
     */
    public ResponseVerification verifyResponse(String provider, String chatID, byte[] requestBody,
            byte[] responseBody) {
        if (requestBody == null || responseBody == null) {
            throw new InvalidRequestException("requestBody and responseBody are required for the content check");
        }
        ServiceInfo s = cachedService(provider);
        List<byte[]> images = FeeEstimator.isImageType(s.serviceType())
                ? ImageAnswer.decode(responseBody, Integer.MAX_VALUE) : null;
        return verify(s, chatID, requestBody, responseBody, images);
    }

    /**
     * {@link #processResponse(String, String, String, byte[], byte[])} for a client that relayed a request itself
     * (an HTTP interceptor, a framework adapter): the fee content is read from the bytes — the usage of a JSON
     * answer or of the last SSE chunk carrying one, the request JSON for image services, the seconds of a WAV
     * answer for generated speech — and the chat id is {@code resKey}, else the completion id. An unverifiable
     * signature (the provider cannot serve it) is {@link ResponseVerification#REJECTED}, never an exception, so a
     * paid answer is not lost.
     *
     * @param resKey the answer's {@code ZG-Res-Key} header (null when absent)
     */
    public ResponseOutcome processExchange(String provider, String resKey, byte[] requestBody, byte[] responseBody) {
        if (requestBody == null || responseBody == null) {
            throw new InvalidRequestException("requestBody and responseBody are required for the content check");
        }
        LedgerBroker.requireAddress(provider, "provider");
        ServiceInfo s = cachedService(provider);
        ExchangeFacts facts = ExchangeFacts.read(responseBody);
        String chatId = resKey != null && !resKey.isBlank() ? resKey : facts.completionId();
        String feeContent;
        if (FeeEstimator.isImageType(s.serviceType())) {
            String req = new String(requestBody, StandardCharsets.UTF_8);
            feeContent = req.stripLeading().startsWith("{") ? req : null; // a form: the pictures delivered count
        } else if (facts.wavSeconds() > 0) {
            feeContent = "{\"usage\":{\"output_audio_seconds\":" + facts.wavSeconds() + "}}";
        } else {
            feeContent = facts.usageJson();
        }
        Paid p = finish(s, provider, requestBody, responseBody, chatId, answer -> feeContent);
        return new ResponseOutcome(chatId, p.verification(), p.fee());
    }

    /** What {@link #process} found: the verification and the fee it added to the local estimate. */
    record Outcome(ResponseVerification verification, BigInteger fee) {
    }

    Outcome process(String provider, String chatID, String content, byte[] req, byte[] resp, String model) {
        ServiceInfo s = cachedService(provider);
        Accounted a = account(s, modelPrices.of(s, model), provider, content, resp);
        return new Outcome(verify(s, chatID, req, resp, a.images()), a.fee());
    }

    /** The fee counted for one response and, for image services, the pictures decoded from {@code resp}. */
    private record Accounted(BigInteger fee, List<byte[]> images) {
    }

    private Accounted account(ServiceInfo s, ModelPrices.Prices prices, String provider, String content, byte[] resp) {
        boolean images = FeeEstimator.isImageType(s.serviceType());
        int requested = images ? ImageAnswer.requestedCount(content) : -1;
        List<byte[]> delivered = images && resp != null
                ? pictures(s, resp, requested > 0 ? requested : Integer.MAX_VALUE) : null;
        BigInteger fee = null;
        if (images && resp != null) {
            // the broker bills the images delivered; an unreadable answer is billed at the requested n (A.2)
            long count = delivered != null ? delivered.size() : Math.max(requested, 1);
            fee = FeeEstimator.imageFee(prices.output(), count);
        } else if (content != null && !content.isEmpty() && !FeeEstimator.supports(s.serviceType())) {
            // services-and-ui.md A.1: the official SDK throws here; we skip the fee but still verify.
            LOG.warn("no fee rule for service type {} of {}; the local fee estimate skips this response",
                    s.serviceType(), provider);
        } else if (content != null && !content.isEmpty()) {
            fee = FeeEstimator.fee(s.serviceType(), prices.input(), prices.output(), content);
        }
        if (fee != null) {
            cachedFees.merge(key(provider), fee, BigInteger::add);
            seenFees.merge(key(provider), fee, BigInteger::add);
        }
        return new Accounted(fee == null ? BigInteger.ZERO : fee, delivered);
    }

    /**
     * The pictures of an images answer in order (at most {@code max}): {@code b64_json} decoded, or a broker-hosted
     * {@code url} fetched — only under the provider's own service URL, so an answer cannot make this client fetch
     * from anywhere else. Stops at the first item it cannot read; null when the body is no images answer.
     */
    List<byte[]> pictures(ServiceInfo s, byte[] resp, int max) {
        JsonNode doc;
        try {
            doc = JSON.readTree(resp);
        } catch (Exception notJson) {
            return null;
        }
        if (doc == null || !doc.path("data").isArray()) {
            return null;
        }
        boolean hosted = false;
        for (JsonNode item : doc.get("data")) {
            hosted |= item.path("url").isTextual() && !item.path("b64_json").isTextual();
        }
        if (!hosted) {
            return ImageAnswer.decode(resp, max);
        }
        String prefix = base(s) + "/v1/proxy/images/";
        List<byte[]> out = new ArrayList<>();
        for (JsonNode item : doc.get("data")) {
            if (out.size() >= max) {
                break;
            }
            if (item.path("b64_json").isTextual()) {
                out.add(java.util.Base64.getMimeDecoder().decode(item.get("b64_json").asText()));
                continue;
            }
            String url = item.path("url").asText("");
            if (!url.startsWith(prefix)) {
                LOG.warn("image URL {} is not under the provider's service URL {}; not fetched", url, prefix);
                break;
            }
            ProviderHttp.BytesReply r = http.getBytes(url, Map.of());
            if (!r.ok()) {
                LOG.warn("hosted image {} answered HTTP {}", url, r.status());
                break;
            }
            out.add(r.body());
        }
        return out;
    }

    private ResponseVerification verify(ServiceInfo s, String chatID, byte[] req, byte[] resp, List<byte[]> images) {
        if (chatID == null || chatID.isBlank()) {
            return ResponseVerification.SKIPPED;
        }
        String signer = signingAddress(s);
        if (signer == null) {
            return ResponseVerification.REJECTED;
        }
        String url = base(s) + "/v1/proxy/signature/" + URLEncoder.encode(chatID, StandardCharsets.UTF_8)
                + "?model=" + URLEncoder.encode(s.model(), StandardCharsets.UTF_8);
        ProviderHttp.Reply r = http.get(url, Map.of("Content-Type", "application/json"));
        if (!r.ok()) {
            throw new ProviderHttpException("getting signature error: HTTP " + r.status() + " from " + url
                    + (r.body() == null || r.body().isBlank() ? "" : ": " + abbreviate(r.body())), r.status(), null);
        }
        ResponseSignature sig;
        try {
            JsonNode n = JSON.readTree(r.body());
            if (!n.path("text").isTextual() || !n.path("signature").isTextual()) {
                LOG.warn("signature answer for chat {} lacks text/signature", chatID);
                return ResponseVerification.REJECTED;
            }
            sig = new ResponseSignature(n.get("text").asText(), n.get("signature").asText());
        } catch (Exception e) {
            LOG.warn("signature answer for chat {} is not JSON: {}", chatID, e.getMessage());
            return ResponseVerification.REJECTED;
        }
        if (!sig.isSignedBy(signer)) {
            LOG.warn("response {} is not signed by the provider's TEE signer {}", chatID, signer);
            return ResponseVerification.REJECTED;
        }
        if (req != null && !sig.covers(req, resp)
                && (images == null || !sig.text().equals(ResponseSignature.imagesText(req, images)))) {
            LOG.warn("response {} is signed, but the signature covers other request/response bodies", chatID);
            return ResponseVerification.REJECTED;
        }
        return ResponseVerification.VERIFIED;
    }

    // ---------------------------------------------------------------- service conveniences

    /** Text-to-image and image-editing calls (request, auth, verification and fee in one). */
    public ImagesApi images() {
        return new ImagesApi(this);
    }

    /** Speech-to-text calls. */
    public AudioApi audio() {
        return new AudioApi(this);
    }

    /** Embeddings calls. */
    public EmbeddingsApi embeddings() {
        return new EmbeddingsApi(this);
    }

    /** Fine-tuned LoRA adapters on an inference provider: list, status, deploy, chat (fine-tuning.md §1.10). */
    public LoraApi lora() {
        return new LoraApi(this, http);
    }

    /** {@code Authorization} for {@code provider}'s non-paid routes (the LoRA API). */
    Map<String, String> authHeader(String provider) {
        return Map.of("Authorization", session(provider).authorization());
    }

    /** The provider's service URL without a trailing slash (the LoRA API's base). */
    String baseUrl(String provider) {
        LedgerBroker.requireAddress(provider, "provider");
        return base(cachedService(provider));
    }

    /**
     * The answer of a paid call: exact body bytes, {@code ZG-Res-Key}, verification, the fee counted and, for
     * image services, the pictures read (null otherwise).
     */
    record Paid(byte[] body, String chatId, ResponseVerification verification, BigInteger fee, List<byte[]> images) {
    }

    /** The provider's service, which must be of {@code type} (else a one-line {@link InvalidRequestException}). */
    ServiceInfo serviceFor(String provider, String type) {
        LedgerBroker.requireAddress(provider, "provider");
        ServiceInfo s = cachedService(provider);
        if (!type.equals(s.serviceType())) {
            throw new InvalidRequestException("Provider " + provider + " serves " + s.serviceType() + ", not " + type);
        }
        return s;
    }

    /**
     * POSTs {@code body} to {@code <url>/v1/proxy<route>} with fresh auth headers, then runs
     * {@link #process} over the exact bytes: {@code content} is the fee content (null: the answer itself).
     * A missing or expired signature makes the result {@link ResponseVerification#REJECTED} (unverifiable)
     * rather than losing an answer already paid for.
     */
    Paid paid(String provider, String route, String contentType, byte[] body, String content) {
        return paidFor(provider, route, contentType, body,
                answer -> content != null ? content : new String(answer, StandardCharsets.UTF_8));
    }

    /** As {@link #paid}, the fee content computed from the answer's bytes. */
    Paid paidFor(String provider, String route, String contentType, byte[] body,
            java.util.function.Function<byte[], String> feeContentOf) {
        return paidFor(provider, route, contentType, body, feeContentOf, ModelPrices.requestedModel(body));
    }

    /**
     * As {@link #paid}, priced as {@code pricedModel} (null: the default model) rather than the body's model: a
     * fine-tuned adapter is billed as its base model.
     */
    Paid paidFor(String provider, String route, String contentType, byte[] body,
            java.util.function.Function<byte[], String> feeContentOf, String pricedModel) {
        ServiceInfo s = cachedService(provider);
        Map<String, String> headers = getRequestHeaders(provider);
        String url = base(s) + "/v1/proxy" + route;
        ProviderHttp.BytesReply r = http.postBytes(url, headers, contentType, body);
        if (!r.ok()) {
            throw new ProviderHttpException("POST " + route + " failed: HTTP " + r.status() + errorText(r.body()),
                    r.status(), null);
        }
        return finish(s, provider, body, r.body(), r.resKey(), feeContentOf, pricedModel);
    }

    /**
     * The model an adapter of {@code baseModel} is priced as here, as the broker prices it: the base model when the
     * provider lists it, else its default model (null).
     */
    String adapterPricedAs(String provider, String baseModel) {
        try {
            modelPrices.of(cachedService(provider), baseModel);
            return baseModel;
        } catch (InvalidRequestException notListed) {
            return null;
        }
    }

    /** Accounts and verifies an answer already received (its exact bytes, its {@code ZG-Res-Key}). */
    private Paid finish(ServiceInfo s, String provider, byte[] body, byte[] answer, String resKey,
            java.util.function.Function<byte[], String> feeContentOf) {
        return finish(s, provider, body, answer, resKey, feeContentOf, ModelPrices.requestedModel(body));
    }

    private Paid finish(ServiceInfo s, String provider, byte[] body, byte[] answer, String resKey,
            java.util.function.Function<byte[], String> feeContentOf, String pricedModel) {
        String feeContent = feeContentOf.apply(answer);
        Accounted a = account(s, modelPrices.of(s, pricedModel), provider, feeContent, answer);
        ResponseVerification v;
        try {
            v = verify(s, resKey, body, answer, a.images());
        } catch (ProviderHttpException e) {
            LOG.warn("response {} from {} is unverifiable: {}", resKey, provider, e.getMessage());
            v = ResponseVerification.REJECTED;
        }
        return new Paid(answer, resKey, v, a.fee(), a.images());
    }

    /**
     * An async job (services-and-ui.md A.4): POSTs {@code body} to {@code <url>/v1/async<route>} (202 {@code
     * {jobId}}), polls {@code GET <url>/v1/async/jobs/<jobId>} as {@code Retry-After} says (default 5 s) until
     * the job is {@code completed} — then its {@code data} is accounted and verified as a sync answer — or
     * {@code failed} (a {@link ZGComputeException} with the job's error), or {@code timeout} has passed.
     */
    Paid async(String provider, String route, String contentType, byte[] body, String content, Duration timeout) {
        ServiceInfo s = cachedService(provider);
        Map<String, String> headers = getRequestHeaders(provider);
        String submit = base(s) + "/v1/async" + route;
        ProviderHttp.BytesReply r = http.postBytes(submit, headers, contentType, body);
        if (!r.ok()) {
            throw new ProviderHttpException("POST /v1/async" + route + " failed: HTTP " + r.status()
                    + errorText(r.body()), r.status(), null);
        }
        String jobId = readJson(r.body()).path("jobId").asText("");
        if (jobId.isEmpty()) {
            throw new ZGComputeException("The provider accepted the async job but sent no jobId");
        }
        String poll = base(s) + "/v1/async/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ProviderHttp.BytesReply p = http.getBytes(poll, headers);
            if (!p.ok()) {
                throw new ProviderHttpException("GET /v1/async/jobs/" + jobId + " failed: HTTP " + p.status()
                        + errorText(p.body()), p.status(), null);
            }
            JsonNode job = readJson(p.body());
            String status = job.path("status").asText("");
            if (status.equals("completed")) {
                JsonNode data = job.path("data");
                byte[] answer = data.isTextual() ? data.asText().getBytes(StandardCharsets.UTF_8)
                        : data.toString().getBytes(StandardCharsets.UTF_8);
                return finish(s, provider, body, answer, p.resKey(),
                        a -> content != null ? content : new String(a, StandardCharsets.UTF_8));
            }
            if (status.equals("failed")) {
                throw new ZGComputeException("Async job " + jobId + " failed: " + job.path("errorMessage").asText(""));
            }
            long waitMs = retryAfterMillis(p.retryAfter());
            if (System.nanoTime() + waitMs * 1_000_000 > deadline) {
                throw new ZGComputeException("Async job " + jobId + " is still " + status + " after " + timeout
                        + "; poll " + poll + " later");
            }
            try {
                Thread.sleep(waitMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ZGComputeException("Interrupted while waiting for async job " + jobId);
            }
        }
    }

    /** {@code Retry-After} in seconds (the broker's form), default 5 s, at least 1 s between polls. */
    static long retryAfterMillis(String retryAfter) {
        try {
            return Math.max(1, Long.parseLong(retryAfter == null ? "5" : retryAfter.trim())) * 1000;
        } catch (NumberFormatException e) {
            return 5_000;
        }
    }

    private static JsonNode readJson(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.isObject()) {
                return n;
            }
        } catch (Exception notJson) {
            // fall through
        }
        throw new ZGComputeException("The provider's async answer is not a JSON object: "
                + abbreviate(new String(body, StandardCharsets.UTF_8)));
    }

    /** ": <the provider's error text>" from {@code {"error": "…"}} / {@code {"error": {"message": "…"}}}, else the body. */
    static String errorText(byte[] body) {
        String text = ProviderHttpException.providerText(body);
        return text.isEmpty() ? "" : ": " + abbreviate(text);
    }

    /** §3 steps 5–6: null when the service is not verifiable. */
    private static String signingAddress(ServiceInfo s) {
        if (!VERIFIABILITY.contains(s.verifiability())) {
            LOG.warn("service of {} is not verifiable ({})", s.provider(), s.verifiability());
            return null;
        }
        if (!s.teeSignerAcknowledged()) {
            LOG.warn("the TEE signer of {} is not acknowledged by the contract owner", s.provider());
            return null;
        }
        if (s.additionalInfo() == null || s.additionalInfo().isBlank()) {
            LOG.warn("service of {} has no additionalInfo", s.provider());
            return null;
        }
        JsonNode info;
        try {
            info = JSON.readTree(s.additionalInfo());
        } catch (Exception e) {
            LOG.warn("additionalInfo of {} is not JSON", s.provider());
            return null;
        }
        boolean separated = info.path("TargetSeparated").isBoolean() && info.get("TargetSeparated").asBoolean();
        boolean centralized = "centralized".equals(info.path("ProviderType").asText(""));
        String target = info.path("TargetTeeAddress").asText("");
        if (separated && !centralized && !target.isEmpty()) {
            return target;
        }
        return s.teeSignerAddress();
    }

    // ---------------------------------------------------------------- attestation

    /** The provider broker's raw TEE report ({@code GET <url>/v1/quote}). */
    public String getQuote(String provider) {
        return fetch(base(getService(provider)) + "/v1/quote", "quote");
    }

    /** Saves {@link #getQuote(String)} to {@code output}. */
    public void downloadQuoteReport(String provider, Path output) {
        write(output, getQuote(provider));
    }

    public VerificationResult verifyService(String provider, Path outputDir) {
        return verifyService(provider, outputDir, null);
    }

    /**
     * Downloads the provider's attestation reports into {@code outputDir} and runs the automated checks of
     * sdk-cli.md §4.3: each broker report's {@code report_data} must name the on-chain TEE signer, and its
     * compose hash must match the event log. Beyond the official SDK it also checks that a separate LLM
     * report's {@code signing_address} is the service's {@code TargetTeeAddress}. Read
     * {@link VerificationResult#verified()}; {@code success} only says nothing failed to download.
     */
    public VerificationResult verifyService(String provider, Path outputDir, Consumer<VerificationResult.Step> onLog) {
        List<VerificationResult.Step> steps = new ArrayList<>();
        Consumer<VerificationResult.Step> log = st -> {
            steps.add(st);
            if (onLog != null) {
                onLog.accept(st);
            }
        };
        ServiceInfo s = getService(provider);
        if (s.additionalInfo() == null || s.additionalInfo().isBlank()) {
            throw new ZGComputeException("The service of " + provider + " has no additionalInfo, so it cannot be verified");
        }
        JsonNode info = AttestationReports.parse(s.additionalInfo());
        if (info == null || !info.isObject()) {
            throw new ZGComputeException("The additionalInfo of " + provider + " is not valid JSON");
        }
        String teeVerifier = info.path("TEEVerifier").asText("").isEmpty() ? "dstack" : info.get("TEEVerifier").asText();
        boolean separated = info.path("TargetSeparated").isBoolean() && info.get("TargetSeparated").asBoolean();
        boolean centralized = "centralized".equals(info.path("ProviderType").asText(""));
        String verifierUrl = info.path("VerifierURL").isTextual() ? info.get("VerifierURL").asText() : null;
        log.accept(step(VerificationResult.StepType.STEP, "Verifying " + provider + " (" + teeVerifier
                + (separated ? ", separated LLM node" : "") + ")"));

        Map<String, JsonNode> reports = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>();
        String root = base(s);
        if (separated) {
            reports.put("broker", download(root + "/v1/quote", outputDir.resolve("broker_attestation_report.json"),
                    files, log));
            if (!centralized) {
                reports.put("llm", download(root + "/v1/proxy/attestation/report?model="
                        + URLEncoder.encode(s.model(), StandardCharsets.UTF_8),
                        outputDir.resolve("llm_attestation_report.json"), files, log));
            }
        } else {
            reports.put("combined", download(root + "/v1/quote", outputDir.resolve("attestation_report.json"), files,
                    log));
        }
        if ("cryptopilot".equals(teeVerifier)) {
            log.accept(step(VerificationResult.StepType.WARNING,
                    "cryptopilot reports are not checked automatically; verify them manually"));
            return new VerificationResult(true, teeVerifier, separated, verifierUrl, files, outputDir,
                    new VerificationResult.SignerVerification(s.teeSignerAddress(), List.of(), false),
                    new VerificationResult.ComposeVerification(false, List.of("not checked for cryptopilot")),
                    List.of(), steps, List.copyOf(reports.keySet()));
        }

        return AttestationCheck.check(reports, s.teeSignerAddress(), info.path("TargetTeeAddress").asText(null),
                teeVerifier, separated, verifierUrl, files, outputDir, steps, log);
    }

    private JsonNode download(String url, Path file, List<Path> files, Consumer<VerificationResult.Step> log) {
        return AttestationCheck.download(fetch(url, "attestation report"), url, file, files, log);
    }

    private String fetch(String url, String what) {
        ProviderHttp.Reply r = http.get(url, Map.of());
        if (!r.ok()) {
            throw new ProviderHttpException("getting " + what + " failed: HTTP " + r.status() + " from " + url
                    + (r.body() == null || r.body().isBlank() ? "" : ": " + abbreviate(r.body())), r.status(), null);
        }
        return r.body();
    }

    private static void write(Path file, String body) {
        AttestationCheck.write(file, body);
    }

    private static VerificationResult.Step step(VerificationResult.StepType type, String message) {
        return new VerificationResult.Step(type, message);
    }

    // ---------------------------------------------------------------- helpers

    private ServiceInfo cachedService(String provider) {
        String k = key(provider);
        Expiring<ServiceInfo> e = services.get(k);
        if (e != null && e.expiresAt() > clock.millis()) {
            return e.value();
        }
        ServiceInfo s = getService(provider);
        services.put(k, new Expiring<>(s, clock.millis() + SERVICE_TTL.toMillis()));
        return s;
    }

    private SubAccount findAccount(String provider) {
        try {
            return getAccount(provider);
        } catch (ContractErrorException e) {
            if ("AccountNotExists".equals(e.errorName())) {
                return null;
            }
            throw e;
        }
    }

    private long generation(String provider) {
        SubAccount a = findAccount(provider);
        return a == null ? 0 : a.generation().longValueExact();
    }

    private static SubAccount toSubAccount(InferenceServing.Account a) {
        int valid = a.validRefundsLength.intValueExact();
        List<RefundEntry> refunds = new ArrayList<>();
        for (int i = 0; i < Math.min(valid, a.refunds.size()); i++) {
            InferenceServing.Refund r = a.refunds.get(i);
            refunds.add(new RefundEntry(r.index, r.amount, r.createdAt));
        }
        return new SubAccount(org.web3j.crypto.Keys.toChecksumAddress(a.user),
                org.web3j.crypto.Keys.toChecksumAddress(a.provider), a.nonce, a.balance, a.pendingRefund, refunds,
                a.additionalInfo, Boolean.TRUE.equals(a.acknowledged), a.generation, a.revokedBitmap);
    }

    private static String base(ServiceInfo s) {
        String u = s.url();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }

    private static String key(String provider) {
        return provider.toLowerCase(Locale.ROOT);
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }

    @Override
    public synchronized void close() {
        stopAutoFunding();
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
