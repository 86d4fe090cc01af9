package zg.compute.bench.gas;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import zg.compute.devnet.DevChain;
import zg.compute.devnet.DevnetContracts;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.LedgerManager;
import zg.compute.protocol.eip712.DigestSigner;
import zg.compute.protocol.eip712.Eip712Domain;
import zg.compute.protocol.eip712.TeeSettlement;
import zg.compute.protocol.eip712.VerifierMessage;
import zg.compute.protocol.units.Units;

/**
 * The same sequence of user and provider operations run against one deployed system; records the
 * gas of each measured transaction. Both systems share the ABI, so the same bindings drive both.
 */
final class GasScenario {

    private final DevChain chain;
    private final DevnetContracts system;
    private final Credentials owner;
    private final Credentials user;
    private final Credentials user2;
    private final Credentials provider;
    private final Credentials tee;
    private final long lockTime;
    private final Map<String, BigInteger> gas = new LinkedHashMap<>();

    GasScenario(DevChain chain, DevnetContracts system, List<Credentials> accounts, long lockTime) {
        this.chain = chain;
        this.system = system;
        this.owner = accounts.get(0);
        this.user = accounts.get(1);
        this.provider = accounts.get(2);
        this.user2 = accounts.get(3);
        this.tee = accounts.get(4);
        this.lockTime = lockTime;
    }

    private LedgerManager ledger(Credentials c) {
        return LedgerManager.load(system.ledger().proxy(), chain.web3j(), chain.txManager(c), chain.gasProvider());
    }

    private InferenceServing inference(Credentials c) {
        return InferenceServing.load(system.inference().proxy(), chain.web3j(), chain.txManager(c), chain.gasProvider());
    }

    private FineTuningServing fineTuning(Credentials c) {
        return FineTuningServing.load(system.fineTuning().proxy(), chain.web3j(), chain.txManager(c), chain.gasProvider());
    }

    private void record(String op, TransactionReceipt r) {
        gas.put(op, r.getGasUsed());
    }

    Map<String, BigInteger> run() throws Exception {
        String inf = system.inferenceServiceName();
        String ft = system.fineTuningServiceName();
        String p = provider.getAddress();

        record("addOrUpdateService (inference, first, with stake)", inference(provider).addOrUpdateService(
                new InferenceServing.ServiceParams("chatbot", "http://127.0.0.1:8080", "llama-3-8b", "TeeML",
                        BigInteger.valueOf(100), BigInteger.valueOf(200), "{}", tee.getAddress()),
                Units.og(100)).send());
        record("addOrUpdateService (inference, update)", inference(provider).addOrUpdateService(
                new InferenceServing.ServiceParams("chatbot", "http://127.0.0.1:8081", "llama-3-8b", "TeeML",
                        BigInteger.valueOf(101), BigInteger.valueOf(201), "{}", tee.getAddress()),
                BigInteger.ZERO).send());
        inference(owner).acknowledgeTEESignerByOwner(p).send();

        record("addLedger", ledger(user).addLedger("", Units.og(10)).send());
        record("depositFund", ledger(user).depositFund(Units.og(1)).send());
        record("transferFund (new sub-account)", ledger(user).transferFund(p, inf, Units.og(2)).send());
        record("transferFund (existing sub-account)", ledger(user).transferFund(p, inf, Units.og(1)).send());
        ledger(user2).addLedger("", Units.og(10)).send();
        ledger(user2).transferFund(p, inf, Units.og(2)).send();

        Eip712Domain domain = Eip712Domain.inference(chain.chainId(), system.inference().proxy());
        BigInteger nonce = BigInteger.ONE;
        record("settleFeesWithTEE (1 item)", inference(provider).settleFeesWithTEE(
                List.of(settlement(domain, user, nonce, BigInteger.valueOf(1000)))).send());
        List<InferenceServing.TEESettlementData> batch = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            // alternating users; each user's nonces increase along the batch
            batch.add(settlement(domain, i % 2 == 0 ? user : user2, nonce.add(BigInteger.valueOf(i)),
                    BigInteger.valueOf(1000)));
        }
        record("settleFeesWithTEE (50 items)", inference(provider).settleFeesWithTEE(batch).send());

        record("retrieveFund (request refund)", ledger(user).retrieveFund(List.of(p), inf).send());
        chain.increaseTime(lockTime + 1);
        record("retrieveFund (collect matured)", ledger(user).retrieveFund(List.of(p), inf).send());
        record("refund (partial)", ledger(user).refund(Units.og(1)).send());

        // fine-tuning
        record("addOrUpdateService (fine-tuning, first, with stake)", fineTuning(provider).addOrUpdateService(
                "http://127.0.0.1:3080", new FineTuningServing.Quota(BigInteger.valueOf(8), BigInteger.valueOf(32),
                        BigInteger.ONE, BigInteger.valueOf(50000), "H100"),
                BigInteger.valueOf(100), false, List.of("Qwen2.5-0.5B-Instruct"), tee.getAddress(), Units.og(100)).send());
        fineTuning(owner).acknowledgeTEESignerByOwner(p).send();
        ledger(user).transferFund(p, ft, Units.og(2)).send();
        byte[] root = "0xabcdef".getBytes(StandardCharsets.US_ASCII);
        record("addDeliverable", fineTuning(provider).addDeliverable(user.getAddress(), "task-1", root).send());
        fineTuning(user).acknowledgeDeliverable(p, "task-1").send();
        byte[] secret = Hash.sha3("secret".getBytes(StandardCharsets.UTF_8));
        VerifierMessage msg = new VerifierMessage("task-1", secret, root, BigInteger.ONE, BigInteger.valueOf(10_000),
                user.getAddress());
        byte[] sig = DigestSigner.sign(msg.digest(Eip712Domain.fineTuning(chain.chainId(), system.fineTuning().proxy())),
                tee.getEcKeyPair());
        record("settleFees (fine-tuning)", fineTuning(provider).settleFees(new FineTuningServing.VerifierInput(
                "task-1", secret, root, BigInteger.ONE, sig, BigInteger.valueOf(10_000), user.getAddress())).send());
        return gas;
    }

    private InferenceServing.TEESettlementData settlement(Eip712Domain domain, Credentials who, BigInteger nonce,
            BigInteger fee) {
        byte[] requestsHash = Hash.sha3(("requests-" + nonce).getBytes(StandardCharsets.UTF_8));
        TeeSettlement msg = new TeeSettlement(requestsHash, nonce, provider.getAddress(), who.getAddress(), fee);
        byte[] sig = DigestSigner.sign(msg.digest(domain), tee.getEcKeyPair());
        return new InferenceServing.TEESettlementData(who.getAddress(), provider.getAddress(), fee, requestsHash, nonce, sig);
    }
}
