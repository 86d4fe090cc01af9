package zg.compute.sdk;

import java.util.List;

/**
 * The main account plus every sub-account it funds (the official {@code getLedgerWithDetail}).
 * {@code fineTuning} is empty when no fine-tuning service is registered.
 */
public record LedgerDetail(LedgerInfo ledger, List<SubAccountBalance> inference, List<SubAccountBalance> fineTuning) {

    public LedgerDetail {
        inference = List.copyOf(inference);
        fineTuning = List.copyOf(fineTuning);
    }
}
