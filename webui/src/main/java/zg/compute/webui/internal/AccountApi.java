package zg.compute.webui.internal;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.List;
import zg.compute.sdk.Amount;
import zg.compute.sdk.LedgerDetail;
import zg.compute.sdk.PendingRefund;
import zg.compute.sdk.ServiceKind;
import zg.compute.sdk.SubAccountBalance;
import zg.compute.sdk.SubAccountDetail;
import zg.compute.sdk.TxResult;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** The account page: balances with what is locked and unsettled, and the fund moves. */
public final class AccountApi {

    private final ZGComputeNetworkBroker broker;
    private final String rpc;

    public AccountApi(ZGComputeNetworkBroker broker, String rpc) {
        this.broker = broker;
        this.rpc = rpc;
    }

    public JsonObject status(Body b) {
        return new JsonObject().put("address", broker.ledger().userAddress()).put("chainId", broker.chainId())
                .put("rpc", rpc);
    }

    /**
     * Main account and each sub-account with its pending refunds and their remaining lock, and the fees each
     * provider says it has not yet settled on chain (null where it cannot say).
     */
    public JsonObject account(Body b) {
        LedgerDetail d = broker.ledger().getLedgerWithDetail();
        JsonArray inference = new JsonArray();
        BigInteger unsettled = BigInteger.ZERO;
        for (SubAccountBalance s : d.inference()) {
            SubAccountDetail detail = broker.inference().getAccountWithDetail(s.provider());
            BigInteger fee = broker.inference().getUnsettledFee(s.provider()).orElse(null);
            unsettled = fee == null ? unsettled : unsettled.add(fee);
            inference.add(sub(s, detail.refunds()).put("unsettled", fee == null ? null : Body.amount(fee)));
        }
        JsonArray fineTuning = new JsonArray();
        for (SubAccountBalance s : d.fineTuning()) {
            fineTuning.add(sub(s, broker.fineTuning().getAccountWithDetail(s.provider()).refunds()));
        }
        return new JsonObject()
                .put("total", Body.amount(d.ledger().totalBalance()))
                .put("available", Body.amount(d.ledger().availableBalance()))
                .put("locked", Body.amount(d.ledger().locked()))
                .put("unsettled", Body.amount(unsettled))
                .put("inference", inference)
                .put("fineTuning", fineTuning);
    }

    public JsonObject deposit(Body b) {
        Amount amount = b.og("amount");
        return tx("Deposited " + b.required("amount") + " 0G", broker.ledger().depositFund(amount));
    }

    public JsonObject transfer(Body b) {
        Amount amount = b.og("amount");
        String provider = b.required("provider");
        return tx("Moved " + b.required("amount") + " 0G to " + provider,
                broker.ledger().transferFund(provider, b.kind(), amount));
    }

    /** One provider at a time (the page asks first): the funds stay locked for the contract's lock time. */
    public JsonObject retrieve(Body b) {
        String provider = b.required("provider");
        return tx("Retrieve requested from " + provider + ": the funds unlock after the lock time",
                broker.ledger().retrieveFundFromProvider(b.kind(), provider));
    }

    public JsonObject refund(Body b) {
        Amount amount = b.og("amount");
        return tx("Withdrew " + b.required("amount") + " 0G to the wallet", broker.ledger().refund(amount));
    }

    private static JsonObject sub(SubAccountBalance s, List<PendingRefund> refunds) {
        return new JsonObject().put("provider", s.provider()).put("balance", Body.amount(s.balance()))
                .put("pendingRefund", Body.amount(s.pendingRefund()))
                .put("refunds", new JsonArray(refunds.stream().map(r -> new JsonObject()
                        .put("amount", Body.amount(r.amount())).put("remainSeconds", Math.max(0, r.remainSeconds())))
                        .toList()));
    }

    static JsonObject tx(String message, TxResult tx) {
        return new JsonObject().put("message", message).put("transaction", tx.hash());
    }
}
