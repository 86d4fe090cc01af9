package zg.compute.sdk;

/** The two kinds of sub-account a ledger can fund (the official SDK's 'inference' | 'fine-tuning'). */
public enum ServiceKind {
    INFERENCE("inference"),
    FINE_TUNING("fine-tuning");

    private final String label;

    ServiceKind(String label) {
        this.label = label;
    }

    /** The official SDK's and CLI's name for it. */
    public String label() {
        return label;
    }
}
