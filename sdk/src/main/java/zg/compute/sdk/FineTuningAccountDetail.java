package zg.compute.sdk;

import java.util.List;

/** A fine-tuning sub-account with its refunds' remaining lock times (measured against the chain's clock). */
public record FineTuningAccountDetail(FineTuningAccount account, List<PendingRefund> refunds) {

    public FineTuningAccountDetail {
        refunds = List.copyOf(refunds);
    }
}
