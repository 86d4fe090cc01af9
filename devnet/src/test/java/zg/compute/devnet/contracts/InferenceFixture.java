package zg.compute.devnet.contracts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.InferenceServing.ServiceParams;
import zg.compute.protocol.contracts.bindings.InferenceServing.TEESettlementData;
import zg.compute.protocol.contracts.bindings.LedgerManager;
import zg.compute.protocol.eip712.DigestSigner;
import zg.compute.protocol.eip712.Eip712Domain;
import zg.compute.protocol.eip712.TeeSettlement;
import zg.compute.protocol.units.Units;

/**
 * The §10.2 fixture on the shared devnet, plus helpers to sign, submit and read back TEE settlements.
 * <ul>
 * <li>owner = account 0 (ledger 5 0G, 1 0G to provider1), user1 = account 1 (ledger 10 0G, 2 0G to provider1)</li>
 * <li>provider1 = account 2, provider2 = account 3, both registered with a 100 0G stake</li>
 * <li>provider1's TEE signer = the key of account 1 ({@code 0x59c6…690d}); provider2's = account 3 itself</li>
 * </ul>
 * Nothing is acknowledged by the owner at setup (a new service starts unacknowledged).
 */
final class InferenceFixture {

    static final String SERVICE = "inference-v1.0";
    static final BigInteger STAKE = Units.og(100);
    static final BigInteger LOCK_TIME = BigInteger.valueOf(3600);
    static final BigInteger MIN_LOCK = BigInteger.valueOf(3600);
    static final BigInteger MAX_LOCK = BigInteger.valueOf(604_800);
    static final byte[] REQUESTS_HASH = Hash.sha3("test_requests_hash".getBytes(StandardCharsets.UTF_8));
    static final String TEE_KEY_HEX = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    static final int SUCCESS = 0;
    static final int PARTIAL = 1;
    static final int PROVIDER_MISMATCH = 2;
    static final int NO_TEE_SIGNER = 3;
    static final int INVALID_NONCE = 4;
    static final int INVALID_SIGNATURE = 5;

    final Devnet d;
    final Credentials owner;
    final Credentials user1;
    final Credentials provider1;
    final Credentials provider2;
    final ECKeyPair teeKey;
    final String tee;
    final String proxy;

    InferenceFixture(Devnet d) {
        this.d = d;
        this.owner = d.account(0);
        this.user1 = d.account(1);
        this.provider1 = d.account(2);
        this.provider2 = d.account(3);
        this.teeKey = Credentials.create(TEE_KEY_HEX).getEcKeyPair();
        this.tee = Credentials.create(teeKey).getAddress();
        this.proxy = d.contracts().inference().proxy();
    }

    /** Ledgers of 5 and 10, transfers of 1 (owner) and 2 (user1) to provider1, both services registered. */
    InferenceFixture setUp() throws Exception {
        d.ledger(owner).addLedger("", Units.og(5)).send();
        d.ledger(user1).addLedger("", Units.og(10)).send();
        d.ledger(owner).transferFund(provider1.getAddress(), SERVICE, Units.og(1)).send();
        d.ledger(user1).transferFund(provider1.getAddress(), SERVICE, Units.og(2)).send();
        register(provider1, params1());
        register(provider2, params2());
        return this;
    }

    ServiceParams params1() {
        return new ServiceParams("HTTP", "https://provider1.example", "llama-8b", "TeeML",
                BigInteger.valueOf(100), BigInteger.valueOf(150), "{\"region\":\"eu\"}", tee);
    }

    ServiceParams params2() {
        return new ServiceParams("HTTP", "https://provider2.example", "qwen-7b", "TeeML",
                BigInteger.valueOf(120), BigInteger.valueOf(170), "", provider2.getAddress());
    }

    /**
     * A new ServiceParams equal to {@code base} with {@code edit} applied to its fields. (Assigning
     * the public fields of a web3j struct does not change what it encodes, so always rebuild.)
     */
    static ServiceParams with(ServiceParams base, Consumer<ServiceParams> edit) {
        ServiceParams tmp = rebuild(base);
        edit.accept(tmp);
        return rebuild(tmp);
    }

    private static ServiceParams rebuild(ServiceParams p) {
        return new ServiceParams(p.serviceType, p.url, p.model, p.verifiability, p.inputPrice, p.outputPrice,
                p.additionalInfo, p.teeSignerAddress);
    }

    TransactionReceipt register(Credentials provider, ServiceParams params) throws Exception {
        return d.inference(provider).addOrUpdateService(params, STAKE).send();
    }

    /** The owner acknowledges provider1's TEE signer (needed before any settlement can succeed). */
    void ackProvider1() throws Exception {
        d.inference(owner).acknowledgeTEESignerByOwner(provider1.getAddress()).send();
    }

    InferenceServing inf(Credentials who) {
        return d.inference(who);
    }

    LedgerManager ledger(Credentials who) {
        return d.ledger(who);
    }

    InferenceServing.Account account(Credentials user, Credentials provider) throws Exception {
        return d.inference(owner).getAccount(user.getAddress(), provider.getAddress()).send();
    }

    BigInteger balance(Credentials user, Credentials provider) throws Exception {
        return account(user, provider).balance;
    }

    LedgerManager.Ledger ledgerOf(Credentials user) throws Exception {
        return d.ledger(owner).getLedger(user.getAddress()).send();
    }

    // ------------------------------------------------------------------ settlements

    /** A settlement item signed by {@code signer} over exactly its own fields. */
    TEESettlementData signed(String user, String provider, BigInteger fee, BigInteger nonce, ECKeyPair signer) {
        byte[] sig = DigestSigner.sign(
                new TeeSettlement(REQUESTS_HASH, nonce, provider, user, fee)
                        .digest(Eip712Domain.inference(d.chain().chainId(), proxy)),
                signer);
        return new TEESettlementData(user, provider, fee, REQUESTS_HASH, nonce, sig);
    }

    /** An item for (user, provider1) signed by provider1's TEE key. */
    TEESettlementData item(Credentials user, BigInteger fee, BigInteger nonce) {
        return signed(user.getAddress(), provider1.getAddress(), fee, nonce, teeKey);
    }

    static TEESettlementData withSignature(TEESettlementData s, byte[] signature) {
        return new TEESettlementData(s.user, s.provider, s.totalFee, s.requestsHash, s.nonce, signature);
    }

    TransactionReceipt settle(Credentials provider, List<TEESettlementData> items) throws Exception {
        return d.inference(provider).settleFeesWithTEE(items).send();
    }

    TransactionReceipt settle(Credentials provider, TEESettlementData... items) throws Exception {
        return settle(provider, List.of(items));
    }

    static List<InferenceServing.TEESettlementResultEventResponse> results(TransactionReceipt r) {
        return InferenceServing.getTEESettlementResultEvents(r);
    }

    static List<Integer> statuses(TransactionReceipt r) {
        return results(r).stream().map(e -> e.status.intValueExact()).toList();
    }

    /** settleFeesWithTEE as an eth_call from {@code provider}: the statuses it would return, no state change. */
    List<Integer> staticSettle(Credentials provider, List<TEESettlementData> items) {
        Function f = new Function("settleFeesWithTEE",
                List.<Type>of(new DynamicArray<>(TEESettlementData.class, items)),
                List.<TypeReference<?>>of(new TypeReference<DynamicArray<Uint8>>() {
                }));
        try {
            String out = d.chain().txManager(provider).sendCall(proxy, FunctionEncoder.encode(f),
                    DefaultBlockParameterName.LATEST);
            @SuppressWarnings("unchecked")
            List<Uint8> values = (List<Uint8>) FunctionReturnDecoder.decode(out, f.getOutputParameters()).get(0)
                    .getValue();
            List<Integer> statuses = new ArrayList<>();
            for (Uint8 v : values) {
                statuses.add(v.getValue().intValueExact());
            }
            return statuses;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** ETH the sender paid for gas in this receipt. */
    static BigInteger gasCost(TransactionReceipt r) {
        return r.getGasUsed().multiply(Numeric.decodeQuantity(r.getEffectiveGasPrice()));
    }

    BigInteger eth(Credentials who) {
        return d.chain().balanceOf(who.getAddress());
    }

    /** A nonce in the broker's style (unix seconds × 10^7) plus an offset. */
    BigInteger nonce(long offset) {
        return BigInteger.valueOf(d.chain().latestTimestamp()).multiply(BigInteger.TEN.pow(7))
                .add(BigInteger.valueOf(offset));
    }

    long refundCreatedAt(Credentials user, Credentials provider, int i) throws Exception {
        return account(user, provider).refunds.get(i).createdAt.longValueExact();
    }

    /** retrieveFund([provider]) for {@code user} on the inference service. */
    TransactionReceipt retrieve(Credentials user, Credentials provider) throws Exception {
        return d.ledger(user).retrieveFund(List.of(provider.getAddress()), SERVICE).send();
    }

    TransactionReceipt transfer(Credentials user, Credentials provider, BigInteger amount) throws Exception {
        return d.ledger(user).transferFund(provider.getAddress(), SERVICE, amount).send();
    }

    static String lower(String address) {
        return address.toLowerCase();
    }
}
