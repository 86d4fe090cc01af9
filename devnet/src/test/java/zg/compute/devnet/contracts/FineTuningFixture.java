package zg.compute.devnet.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;
import zg.compute.devnet.Devnet;
import zg.compute.devnet.testing.Reverts;
import zg.compute.protocol.contracts.DecodedRevert;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.FineTuningServing.AccountDetails;
import zg.compute.protocol.contracts.bindings.FineTuningServing.Quota;
import zg.compute.protocol.contracts.bindings.FineTuningServing.VerifierInput;
import zg.compute.protocol.contracts.bindings.LedgerManager;
import zg.compute.protocol.eip712.DigestSigner;
import zg.compute.protocol.eip712.Eip712Domain;
import zg.compute.protocol.eip712.VerifierMessage;
import zg.compute.protocol.units.Units;

/**
 * The fine-tuning fixture of contracts.md §10.3 on the shared devnet, plus small helpers for the
 * fine-tuning tests: signing VerifierMessages with a TEE key, asserting exact custom errors, and
 * reading block times and gas costs.
 *
 * <p>Roles follow the reference tests: owner = account 0 (also a user), user1 = account 1,
 * provider1 = account 2, provider2 = account 3. Accounts 4..9 are free for test-specific roles.
 */
final class FineTuningFixture {

    static final String SERVICE = "fine-tuning-v1.0";
    static final BigInteger STAKE = Units.og(100);
    static final BigInteger PRICE = BigInteger.valueOf(100);
    static final String URL = "https://provider.example/fine-tuning";
    /** The devnet of DevnetExtension: lock time at its minimum, default penalty. */
    static final BigInteger LOCK_TIME = BigInteger.valueOf(3_600);
    static final BigInteger PENALTY = BigInteger.valueOf(30);
    static final String OWNABLE = "Ownable: caller is not the owner";

    /** A fixed TEE signer key (not one of the funded dev accounts). */
    static final ECKeyPair TEE = ECKeyPair.create(
            Numeric.toBigInt("0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63"));
    /** A second, unrelated key: a wrong TEE signer. */
    static final ECKeyPair OTHER_KEY = ECKeyPair.create(
            Numeric.toBigInt("0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"));

    static final byte[] ROOT = Numeric.hexStringToByteArray("0x1234567890abcdef1234567890abcdef");
    static final byte[] OTHER_ROOT = Numeric.hexStringToByteArray("0xabcdef");
    static final byte[] SECRET = Numeric.hexStringToByteArray("0x5678deadbeef");
    static final byte[] EMPTY = new byte[0];

    final Devnet d;
    final Credentials owner;
    final Credentials user1;
    final Credentials p1;
    final Credentials p2;
    final String teeAddress;
    final String ftAddress;
    final long chainId;

    FineTuningFixture(Devnet d) {
        this.d = d;
        this.owner = d.account(0);
        this.user1 = d.account(1);
        this.p1 = d.account(2);
        this.p2 = d.account(3);
        this.teeAddress = Credentials.create(TEE).getAddress();
        this.ftAddress = d.contracts().fineTuning().proxy();
        this.chainId = d.chain().chainId();
    }

    /**
     * §10.3 setup: owner and user1 open ledgers of 5 and 10 0G and move 1 and 2 0G to provider1 on
     * fine-tuning-v1.0; provider1 and provider2 register with the [TEST] quota, price 100, not
     * occupied, no models, the fixed TEE signer and a 100 0G stake.
     */
    FineTuningFixture standard() throws Exception {
        ledger(owner).addLedger("", Units.og(5)).send();
        ledger(user1).addLedger("", Units.og(10)).send();
        ledger(owner).transferFund(p1.getAddress(), SERVICE, Units.og(1)).send();
        ledger(user1).transferFund(p1.getAddress(), SERVICE, Units.og(2)).send();
        register(p1, teeAddress);
        register(p2, teeAddress);
        return this;
    }

    // ------------------------------------------------------------------ bindings

    FineTuningServing ft(Credentials who) {
        return d.fineTuning(who);
    }

    LedgerManager ledger(Credentials who) {
        return d.ledger(who);
    }

    static Quota quota() {
        return new Quota(BigInteger.valueOf(8), BigInteger.valueOf(32), BigInteger.ONE, BigInteger.valueOf(50_000),
                "H100");
    }

    TransactionReceipt register(Credentials provider, String teeSigner) throws Exception {
        return ft(provider).addOrUpdateService(URL, quota(), PRICE, false, List.of(), teeSigner, STAKE).send();
    }

    /** Owner acknowledges provider's TEE signer (the service-level gate of §5.4). */
    TransactionReceipt ownerAck(Credentials provider) throws Exception {
        return ft(owner).acknowledgeTEESignerByOwner(provider.getAddress()).send();
    }

    TransactionReceipt addDeliverable(Credentials provider, Credentials user, String id) throws Exception {
        return ft(provider).addDeliverable(user.getAddress(), id, ROOT).send();
    }

    TransactionReceipt ack(Credentials user, Credentials provider, String id) throws Exception {
        return ft(user).acknowledgeDeliverable(provider.getAddress(), id).send();
    }

    /** addDeliverable followed by the user's acknowledgement. */
    void addAcked(Credentials provider, Credentials user, String id) throws Exception {
        addDeliverable(provider, user, id);
        ack(user, provider, id);
    }

    AccountDetails account(Credentials user, Credentials provider) throws Exception {
        return ft(user).getAccount(user.getAddress(), provider.getAddress()).send();
    }

    BigInteger balance(Credentials user, Credentials provider) throws Exception {
        return account(user, provider).balance;
    }

    LedgerManager.Ledger ledgerOf(Credentials user) throws Exception {
        return ledger(user).getLedger(user.getAddress()).send();
    }

    // ------------------------------------------------------------------ settlement signatures

    Eip712Domain domain() {
        return Eip712Domain.fineTuning(chainId, ftAddress);
    }

    byte[] sign(ECKeyPair key, Eip712Domain domain, String id, byte[] secret, byte[] root, long nonce,
            BigInteger fee, String user) {
        return DigestSigner.sign(
                new VerifierMessage(id, secret, root, BigInteger.valueOf(nonce), fee, user).digest(domain), key);
    }

    /** A VerifierInput whose signature is the fixed TEE key's, over exactly these fields. */
    VerifierInput input(String id, byte[] secret, byte[] root, long nonce, BigInteger fee, Credentials user) {
        return withSignature(id, secret, root, nonce, fee, user,
                sign(TEE, domain(), id, secret, root, nonce, fee, user.getAddress()));
    }

    static VerifierInput withSignature(String id, byte[] secret, byte[] root, long nonce, BigInteger fee,
            Credentials user, byte[] signature) {
        return new VerifierInput(id, secret, root, BigInteger.valueOf(nonce), signature, fee, user.getAddress());
    }

    /** Acknowledged settlement (with the secret) of a deliverable carrying {@link #ROOT}. */
    VerifierInput acked(String id, long nonce, BigInteger fee, Credentials user) {
        return input(id, SECRET, ROOT, nonce, fee, user);
    }

    /** Penalty settlement (empty secret) of a deliverable carrying {@link #ROOT}. */
    VerifierInput penalty(String id, long nonce, BigInteger fee, Credentials user) {
        return input(id, EMPTY, ROOT, nonce, fee, user);
    }

    TransactionReceipt settle(Credentials provider, VerifierInput in) throws Exception {
        return ft(provider).settleFees(in).send();
    }

    // ------------------------------------------------------------------ ledger exit

    /** retrieveFund (request), wait the lock time, retrieveFund (collect), then refund everything. */
    TransactionReceipt fullExit(Credentials user, Credentials... providers) throws Exception {
        List<String> ps = Arrays.stream(providers).map(Credentials::getAddress).toList();
        ledger(user).retrieveFund(ps, SERVICE).send();
        d.chain().increaseTime(ft(user).lockTime().send().longValueExact());
        ledger(user).retrieveFund(ps, SERVICE).send();
        return ledger(user).refund(ledgerOf(user).availableBalance).send();
    }

    // ------------------------------------------------------------------ chain facts

    long blockTime(TransactionReceipt r) {
        try {
            return d.chain().web3j().ethGetBlockByNumber(DefaultBlockParameter.valueOf(r.getBlockNumber()), false)
                    .send().getBlock().getTimestamp().longValueExact();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BigInteger gasCost(TransactionReceipt r) {
        return r.getGasUsed().multiply(Numeric.decodeQuantity(r.getEffectiveGasPrice()));
    }

    BigInteger eth(String address) {
        return d.chain().balanceOf(address);
    }

    static String addr(Credentials c) {
        return c.getAddress().toLowerCase();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ revert assertions


    /** {@code InvalidVerifierInput(reason)}. */
    static void assertInvalidInput(Callable<?> call, String reason) {
        Reverts.assertRevert(call, "InvalidVerifierInput", reason);
    }

    static void assertNotOwner(Callable<?> call) {
        Reverts.assertReason(call, OWNABLE);
    }

}
