package zg.compute.devnet;

/** The three deployed systems and the service names they are registered under in the ledger. */
public record DevnetContracts(DeployedSystem ledger, DeployedSystem inference, DeployedSystem fineTuning,
        String inferenceServiceName, String fineTuningServiceName) {

    /** Where the official SDK 0.9 looks on chain 31337 (the deployer's nonces 2, 6 and 12). */
    public static final String OFFICIAL_LEDGER = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
    public static final String OFFICIAL_INFERENCE = "0x0165878A594ca255338adfa4d48449f69242Eb8F";
    public static final String OFFICIAL_FINE_TUNING = "0xA51c1fc2f0D1a1b8494Ed1FE312d7C3a78Ed91C0";
}
