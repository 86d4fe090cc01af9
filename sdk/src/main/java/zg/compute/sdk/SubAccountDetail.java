package zg.compute.sdk;

import java.util.List;

/** A sub-account with its refunds' remaining lock times (measured against the chain's clock). */
public record SubAccountDetail(SubAccount account, List<PendingRefund> refunds) {

    public SubAccountDetail {
        refunds = List.copyOf(refunds);
    }
}
