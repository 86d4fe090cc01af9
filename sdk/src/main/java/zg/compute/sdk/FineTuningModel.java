package zg.compute.sdk;

import java.util.List;

/**
 * A predefined pre-trained model (sdk-cli.md §10, the official {@code const.ts}).
 *
 * @param rootHash  0G Storage (turbo) root hash of the model
 * @param tokenizer HuggingFace name or storage root hash; null when the table has none
 * @param dataType  dataset type, null when the table has none
 */
public record FineTuningModel(String name, String rootHash, String tokenizer, String dataType) {

    private static final FineTuningModel QWEN_0_5B = new FineTuningModel("Qwen2.5-0.5B-Instruct",
            "0xb4f76a886b8655c92bb021922d60b5e4d9271a5c9da98b6cb10937a06c2c75a7", "Qwen/Qwen2.5-0.5B-Instruct", "text");
    private static final FineTuningModel QWEN3_32B = new FineTuningModel("Qwen3-32B",
            "0x2e6f9620c35bdcb2b753cc7aa34e78077a8ed133e36fa36008fd6bdfd29af3a5", null, null);
    private static final FineTuningModel MOCK = new FineTuningModel("mock-model",
            "0xcb42b5ca9e998c82dd239ef2d20d22a4ae16b3dc0ce0a855c93b52c7c2bab6dc",
            "0x382842561e59d71f90c1861041989428dd2c1f664e65a56ea21f3ade216b2046", null);

    /** The predefined models of a chain: mainnet and testnet(-dev) the Qwen models, the local chain mock-model. */
    public static List<FineTuningModel> predefined(long chainId) {
        if (chainId == ContractAddresses.MAINNET_CHAIN_ID) {
            return List.of(QWEN_0_5B, QWEN3_32B);
        }
        if (chainId == ContractAddresses.TESTNET_CHAIN_ID) {
            return List.of(QWEN_0_5B);
        }
        if (chainId == ContractAddresses.HARDHAT_CHAIN_ID) {
            return List.of(MOCK);
        }
        return List.of();
    }
}
