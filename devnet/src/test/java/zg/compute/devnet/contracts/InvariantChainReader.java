package zg.compute.devnet.contracts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.BatchRequest;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthGetBalance;
import zg.compute.devnet.contracts.InvariantOps.Svc;
import zg.compute.devnet.contracts.InvariantState.LedgerView;
import zg.compute.devnet.contracts.InvariantState.RefundView;
import zg.compute.devnet.contracts.InvariantState.SubAccount;
import zg.compute.protocol.contracts.bindings.FineTuningServing;
import zg.compute.protocol.contracts.bindings.InferenceServing;
import zg.compute.protocol.contracts.bindings.LedgerManager;

/**
 * Reads an {@link InvariantState} with one JSON-RPC batch (≈ 17 requests, one HTTP round trip):
 * latest block, {@code LedgerManager.getAllLedgers}, {@code getAccountsByUser} on both services for
 * every test user and {@code eth_getBalance} of every tracked address — plus, when fine-tuning
 * sub-accounts exist, a second batch of {@code FineTuningServing.getAccount} for each of them (the
 * fine-tuning list view has no refunds). Structural facts the views must agree on (page totals,
 * valid refund length within the raw array, fine-tuning summary = details) are asserted while decoding.
 */
final class InvariantChainReader {

    private final Web3j web3j;
    private final String from;
    private final String ledger;
    private final String inference;
    private final String fineTuning;
    private final List<String> users;
    private final List<String> providers;
    private final List<String> tracked;

    InvariantChainReader(Web3j web3j, String ledger, String inference, String fineTuning, List<String> users,
            List<String> providers, List<String> tracked) {
        this.web3j = web3j;
        this.from = users.get(0);
        this.ledger = ledger;
        this.inference = inference;
        this.fineTuning = fineTuning;
        this.users = users;
        this.providers = providers;
        this.tracked = tracked;
    }

    private static Function getAllLedgers() {
        return new Function("getAllLedgers", List.of(new Uint256(0), new Uint256(0)),
                List.of(new TypeReference<DynamicArray<LedgerManager.Ledger>>() {}, new TypeReference<Uint256>() {}));
    }

    private static Function inferenceAccountsByUser(String user) {
        return new Function("getAccountsByUser", List.of(new Address(user), new Uint256(0), new Uint256(0)),
                List.of(new TypeReference<DynamicArray<InferenceServing.Account>>() {}, new TypeReference<Uint256>() {}));
    }

    private static Function fineTuningAccountsByUser(String user) {
        return new Function("getAccountsByUser", List.of(new Address(user), new Uint256(0), new Uint256(0)),
                List.of(new TypeReference<DynamicArray<FineTuningServing.AccountSummary>>() {},
                        new TypeReference<Uint256>() {}));
    }

    private static Function fineTuningAccount(String user, String provider) {
        return new Function("getAccount", List.of(new Address(user), new Address(provider)),
                List.of(new TypeReference<FineTuningServing.AccountDetails>() {}));
    }

    private Request<?, EthCall> call(String to, Function f) {
        return web3j.ethCall(Transaction.createEthCallTransaction(from, to, FunctionEncoder.encode(f)),
                DefaultBlockParameterName.LATEST);
    }

    InvariantState read() {
        BatchRequest batch = web3j.newBatch();
        List<Request<?, ?>> order = new ArrayList<>();
        java.util.function.Consumer<Request<?, ? extends Response<?>>> add = r -> {
            batch.add(r);
            order.add(r);
        };
        add.accept(web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false));
        Function ledgersFn = getAllLedgers();
        add.accept(call(ledger, ledgersFn));
        List<Function> infFns = new ArrayList<>();
        for (String u : users) {
            Function f = inferenceAccountsByUser(u);
            infFns.add(f);
            add.accept(call(inference, f));
        }
        List<Function> ftFns = new ArrayList<>();
        for (String u : users) {
            Function f = fineTuningAccountsByUser(u);
            ftFns.add(f);
            add.accept(call(fineTuning, f));
        }
        for (String a : tracked) {
            add.accept(web3j.ethGetBalance(a, DefaultBlockParameterName.LATEST));
        }

        Map<Long, Response<?>> byId = new HashMap<>();
        try {
            for (Response<?> r : batch.send().getResponses()) {
                byId.put(r.getId(), r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("state batch failed", e);
        }
        int i = 0;
        InvariantState s = new InvariantState();
        EthBlock block = (EthBlock) response(byId, order.get(i++));
        s.timestamp = block.getBlock().getTimestamp().longValueExact();

        List<Type> lr = decode((EthCall) response(byId, order.get(i++)), ledgersFn, "getAllLedgers");
        @SuppressWarnings("unchecked")
        List<LedgerManager.Ledger> ledgers = (List<LedgerManager.Ledger>) lr.get(0).getValue();
        check(BigInteger.valueOf(ledgers.size()).equals(lr.get(1).getValue()),
                "getAllLedgers total " + lr.get(1).getValue() + " != page size " + ledgers.size());
        for (LedgerManager.Ledger l : ledgers) {
            String u = l.user.toLowerCase();
            check(s.ledgers.put(u, new LedgerView(l.availableBalance, l.totalBalance, l.additionalInfo)) == null,
                    "getAllLedgers lists " + u + " twice");
        }

        for (int k = 0; k < users.size(); k++) {
            String u = users.get(k);
            List<Type> r = decode((EthCall) response(byId, order.get(i++)), infFns.get(k), "inference.getAccountsByUser");
            @SuppressWarnings("unchecked")
            List<InferenceServing.Account> list = (List<InferenceServing.Account>) r.get(0).getValue();
            check(BigInteger.valueOf(list.size()).equals(r.get(1).getValue()), "inference getAccountsByUser(" + u
                    + ") total " + r.get(1).getValue() + " != " + list.size());
            for (InferenceServing.Account a : list) {
                check(a.user.equalsIgnoreCase(u), "inference getAccountsByUser(" + u + ") returned user " + a.user);
                String p = a.provider.toLowerCase();
                check(s.account(Svc.INFERENCE, u, p) == null, "inference account " + u + "→" + p + " listed twice");
                s.putAccount(Svc.INFERENCE, u, p, sub(u + "→" + p, a.nonce, a.balance, a.pendingRefund,
                        a.validRefundsLength, toViews(a.refunds), a.additionalInfo, a.acknowledged));
            }
        }
        Map<String, FineTuningServing.AccountSummary> summaries = new HashMap<>();
        for (int k = 0; k < users.size(); k++) {
            String u = users.get(k);
            List<Type> r = decode((EthCall) response(byId, order.get(i++)), ftFns.get(k), "fineTuning.getAccountsByUser");
            @SuppressWarnings("unchecked")
            List<FineTuningServing.AccountSummary> list = (List<FineTuningServing.AccountSummary>) r.get(0).getValue();
            check(BigInteger.valueOf(list.size()).equals(r.get(1).getValue()), "fine-tuning getAccountsByUser(" + u
                    + ") total " + r.get(1).getValue() + " != " + list.size());
            for (FineTuningServing.AccountSummary a : list) {
                check(a.user.equalsIgnoreCase(u), "fine-tuning getAccountsByUser(" + u + ") returned user " + a.user);
                String p = a.provider.toLowerCase();
                check(providers.contains(p), "fine-tuning account with unexpected provider " + p);
                check(summaries.put(u + p, a) == null, "fine-tuning account " + u + "→" + p + " listed twice");
            }
        }
        for (String a : tracked) {
            EthGetBalance b = (EthGetBalance) response(byId, order.get(i++));
            s.eth.put(a, b.getBalance());
        }
        if (summaries.isEmpty()) {
            return s;
        }
        // The fine-tuning list view has no refunds: a second batch reads getAccount for every listed
        // account (only those, so no call reverts) and the summary must agree with it.
        BatchRequest details = web3j.newBatch();
        List<String[]> pairs = new ArrayList<>();
        List<Request<?, EthCall>> detailReqs = new ArrayList<>();
        for (String u : users) {
            for (String p : providers) {
                if (summaries.containsKey(u + p)) {
                    Request<?, EthCall> r = call(fineTuning, fineTuningAccount(u, p));
                    details.add(r);
                    detailReqs.add(r);
                    pairs.add(new String[] {u, p});
                }
            }
        }
        byId.clear();
        try {
            for (Response<?> r : details.send().getResponses()) {
                byId.put(r.getId(), r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("fine-tuning account batch failed", e);
        }
        for (int k = 0; k < pairs.size(); k++) {
            String u = pairs.get(k)[0];
            String p = pairs.get(k)[1];
            FineTuningServing.AccountSummary sum = summaries.get(u + p);
            List<Type> dr = decode((EthCall) response(byId, detailReqs.get(k)), fineTuningAccount(u, p),
                    "fineTuning.getAccount(" + u + ", " + p + ") of a listed account");
            FineTuningServing.AccountDetails d = (FineTuningServing.AccountDetails) dr.get(0);
            check(sum.nonce.equals(d.nonce) && sum.balance.equals(d.balance) && sum.pendingRefund.equals(d.pendingRefund)
                    && sum.validRefundsLength.equals(d.validRefundsLength) && sum.additionalInfo.equals(d.additionalInfo)
                    && sum.acknowledged.equals(d.acknowledged) && sum.deliverablesCount.equals(d.deliverablesCount),
                    "fine-tuning summary of " + u + "→" + p + " disagrees with getAccount");
            s.putAccount(Svc.FINE_TUNING, u, p, sub("fine-tuning " + u + "→" + p, d.nonce, d.balance, d.pendingRefund,
                    d.validRefundsLength, toViews(d.refunds), d.additionalInfo, d.acknowledged));
        }
        return s;
    }

    private static List<RefundView> toViews(List<?> refunds) {
        List<RefundView> out = new ArrayList<>();
        for (Object o : refunds) {
            if (o instanceof InferenceServing.Refund r) {
                out.add(new RefundView(r.index, r.amount, r.createdAt));
            } else {
                FineTuningServing.Refund r = (FineTuningServing.Refund) o;
                out.add(new RefundView(r.index, r.amount, r.createdAt));
            }
        }
        return out;
    }

    private static SubAccount sub(String label, BigInteger nonce, BigInteger balance, BigInteger pending,
            BigInteger validLength, List<RefundView> raw, String info, boolean acknowledged) {
        int n = validLength.intValueExact();
        check(n <= raw.size(), label + ": validRefundsLength " + n + " > refunds.length " + raw.size());
        return new SubAccount(nonce, balance, pending, raw.subList(0, n), info, acknowledged);
    }

    private static Response<?> response(Map<Long, Response<?>> byId, Request<?, ?> req) {
        Response<?> r = byId.get(req.getId());
        if (r == null) {
            throw new AssertionError("no batch response for " + req.getMethod());
        }
        if (r.hasError() && !(r instanceof EthCall)) {
            throw new AssertionError(req.getMethod() + " failed: " + r.getError().getMessage());
        }
        return r;
    }

    private static List<Type> decode(EthCall c, Function f, String what) {
        if (c.hasError()) {
            throw new AssertionError(what + " failed: " + c.getError().getMessage());
        }
        return FunctionReturnDecoder.decode(c.getValue(), f.getOutputParameters());
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }
}
