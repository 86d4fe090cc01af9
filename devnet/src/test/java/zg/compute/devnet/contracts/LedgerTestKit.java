package zg.compute.devnet.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.Reverts;
import zg.compute.protocol.contracts.DecodedRevert;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.LedgerManager;
import zg.compute.protocol.eip712.DigestSigner;
import zg.compute.protocol.eip712.Eip712Domain;
import zg.compute.protocol.eip712.TeeSettlement;
import zg.compute.protocol.units.Units;

/** Small helpers shared by the LedgerManager test classes (amounts, reverts, gas, bare services, TEE settlement). */
final class LedgerTestKit {

    /** The names our devnet registers the two service proxies under. */
    static final String INFERENCE = "inference-v1.0";
    static final String FINE_TUNING = "fine-tuning-v1.0";
    static final String ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

    static final BigInteger MIN_ACCOUNT_BALANCE = Units.og(3);
    static final BigInteger MIN_TRANSFER_AMOUNT = Units.og(1);

    /** A fixed TEE signer key (not one of the funded dev accounts). */
    static final Credentials TEE_SIGNER =
            Credentials.create("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");

    private LedgerTestKit() {
    }

    static BigInteger og(long n) {
        return Units.og(n);
    }

    static BigInteger og(String n) {
        return Units.parseOg(n);
    }

    static String addr(Credentials c) {
        return c.getAddress().toLowerCase(Locale.ROOT);
    }

    static String lower(String address) {
        return address.toLowerCase(Locale.ROOT);
    }

    /** A deterministic address nobody holds a key for (used as a "provider" that never acts). */
    static String fakeAddress(int i) {
        return String.format("0x%040x", 0xbeef0000L + i);
    }



    /**
     * The receipt restricted to the logs emitted by {@code address}. The generated event extractors
     * match on topic only, and both service contracts emit events with identical signatures.
     */
    static TransactionReceipt logsOf(TransactionReceipt r, String address) {
        TransactionReceipt copy = new TransactionReceipt();
        copy.setLogs(r.getLogs().stream().filter(l -> l.getAddress().equalsIgnoreCase(address)).toList());
        return copy;
    }

    static BigInteger gasCost(TransactionReceipt r) {
        return r.getGasUsed().multiply(Numeric.decodeQuantity(r.getEffectiveGasPrice()));
    }

    static LedgerManager.Ledger ledgerOf(Devnet d, Credentials who) throws Exception {
        return d.ledger(who).getLedger(who.getAddress()).send();
    }

    static void assertLedger(Devnet d, Credentials who, BigInteger available, BigInteger total) throws Exception {
        LedgerManager.Ledger l = ledgerOf(d, who);
        assertThat(lower(l.user)).isEqualTo(addr(who));
        assertThat(l.availableBalance).as("availableBalance of %s", who.getAddress()).isEqualTo(available);
        assertThat(l.totalBalance).as("totalBalance of %s", who.getAddress()).isEqualTo(total);
    }

    /** Balance / pending refund / valid refunds of a sub-account, for either service. */
    record Sub(BigInteger balance, BigInteger pendingRefund, BigInteger validRefundsLength, int refundsArrayLength,
            boolean acknowledged, List<BigInteger> refundCreatedAt) {
    }

    static Sub sub(Devnet d, String service, Credentials user, String provider) throws Exception {
        if (service.equals(INFERENCE)) {
            InferenceServing.Account a = d.inference(user).getAccount(user.getAddress(), provider).send();
            return new Sub(a.balance, a.pendingRefund, a.validRefundsLength, a.refunds.size(), a.acknowledged,
                    a.refunds.stream().map(x -> x.createdAt).toList());
        }
        FineTuningServing.AccountDetails a = d.fineTuning(user).getAccount(user.getAddress(), provider).send();
        return new Sub(a.balance, a.pendingRefund, a.validRefundsLength, a.refunds.size(), a.acknowledged,
                a.refunds.stream().map(x -> x.createdAt).toList());
    }

    static BigInteger lockTime(Devnet d, String service) throws Exception {
        return service.equals(INFERENCE) ? d.inference(d.account(0)).lockTime().send()
                : d.fineTuning(d.account(0)).lockTime().send();
    }

    static String proxyOf(Devnet d, String service) {
        return service.equals(INFERENCE) ? d.contracts().inference().proxy() : d.contracts().fineTuning().proxy();
    }

    /** A fresh, uninitialized InferenceServing implementation (registerService only checks ERC-165). */
    static String deployBareInference(Devnet d) throws Exception {
        Credentials owner = d.account(0);
        return InferenceServing.deploy(d.chain().web3j(), d.chain().txManager(owner), d.chain().gasProvider()).send()
                .getContractAddress();
    }

    static String deployBareFineTuning(Devnet d) throws Exception {
        Credentials owner = d.account(0);
        return FineTuningServing.deploy(d.chain().web3j(), d.chain().txManager(owner), d.chain().gasProvider()).send()
                .getContractAddress();
    }

    // ------------------------------------------------------------------ TEE settlement (inference)

    static final byte[] REQUESTS_HASH = Hash.sha3("test_requests_hash".getBytes(StandardCharsets.UTF_8));

    /** Registers an inference service for {@code provider} (100 0G stake); the owner acknowledges its TEE signer. */
    static void registerAcknowledgedInferenceProvider(Devnet d, Credentials provider) throws Exception {
        d.inference(provider).addOrUpdateService(new InferenceServing.ServiceParams("chatbot", "http://provider.test",
                "llama-8b", "TeeML", BigInteger.ONE, BigInteger.ONE, "", TEE_SIGNER.getAddress()), og(100)).send();
        d.inference(d.account(0)).acknowledgeTEESignerByOwner(provider.getAddress()).send();
    }

    static InferenceServing.TEESettlementData signedSettlement(Devnet d, Credentials user, Credentials provider,
            BigInteger fee, BigInteger nonce) {
        TeeSettlement msg = new TeeSettlement(REQUESTS_HASH, nonce, provider.getAddress(), user.getAddress(), fee);
        byte[] sig = DigestSigner.sign(msg.digest(Eip712Domain.inference(d.chain().chainId(),
                d.contracts().inference().proxy())), TEE_SIGNER.getEcKeyPair());
        return new InferenceServing.TEESettlementData(user.getAddress(), provider.getAddress(), fee,
                Arrays.copyOf(REQUESTS_HASH, 32), nonce, sig);
    }

    /** Settles one item and returns the receipt (asserting nothing about the status). */
    static TransactionReceipt settle(Devnet d, Credentials provider, InferenceServing.TEESettlementData item)
            throws Exception {
        return d.inference(provider).settleFeesWithTEE(List.of(item)).send();
    }
}
