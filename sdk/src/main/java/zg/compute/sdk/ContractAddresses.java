package zg.compute.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the three contracts live. The presets are the official SDK's (sdk-cli.md §10); {@link #HARDHAT}
 * is also where our local devnet deploys on chain 31337.
 */
public record ContractAddresses(String ledger, String inference, String fineTuning) {

    public static final long MAINNET_CHAIN_ID = 16661;
    public static final long TESTNET_CHAIN_ID = 16602;
    public static final long HARDHAT_CHAIN_ID = 31337;

    public static final ContractAddresses MAINNET = new ContractAddresses(
            "0x2dE54c845Cd948B72D2e32e39586fe89607074E3", "0x47340d900bdFec2BD393c626E12ea0656F938d84",
            "0x4e3474095518883744ddf135b7E0A23301c7F9c0");
    public static final ContractAddresses TESTNET = new ContractAddresses(
            "0xE70830508dAc0A97e6c087c75f402f9Be669E406", "0xa79F4c8311FF93C06b8CfB403690cc987c93F91E",
            "0xC6C075D8039763C8f1EbE580be5ADdf2fd6941bA");
    public static final ContractAddresses TESTNET_DEV = new ContractAddresses(
            "0x815B93ab4Ba4BDF530dbF1552649a3c534F8BbF7", "0x41bD7Ac5c19000A974D5c192bcd5FB67b56C85c5",
            "0x4e4158DF35CfdC0ac63264D3E112F5B8E9a5c569");
    public static final ContractAddresses HARDHAT = new ContractAddresses(
            "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", "0x0165878A594ca255338adfa4d48449f69242Eb8F",
            "0xA51c1fc2f0D1a1b8494Ed1FE312d7C3a78Ed91C0");

    public ContractAddresses {
        requireAddress("ledger", ledger);
        requireAddress("inference", inference);
        if (fineTuning != null && !fineTuning.isEmpty()) {
            requireAddress("fineTuning", fineTuning);
        }
    }

    /**
     * The preset for a chain. Unlike the official SDK, an unknown chain is an error instead of a silent
     * fall-back to testnet addresses, which only fails later and more confusingly.
     */
    public static ContractAddresses forChainId(long chainId, boolean devMode) {
        if (chainId == MAINNET_CHAIN_ID) {
            return MAINNET;
        }
        if (chainId == TESTNET_CHAIN_ID) {
            return devMode ? TESTNET_DEV : TESTNET;
        }
        if (chainId == HARDHAT_CHAIN_ID) {
            return HARDHAT;
        }
        throw new ConfigurationException("Unknown chain id " + chainId
                + ": pass the contract addresses explicitly (or a devnet.json) for this network");
    }

    /** Reads {@code contracts.{ledger,inference,fineTuning}} from a devnet.json written by the devnet. */
    public static ContractAddresses fromDevnetJson(Path devnetJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(devnetJson.toFile());
        } catch (IOException e) {
            throw new ConfigurationException("Cannot read devnet file " + devnetJson + ": " + e.getMessage(), e);
        }
        JsonNode c = root.path("contracts");
        if (!c.path("ledger").isTextual() || !c.path("inference").isTextual()) {
            throw new ConfigurationException("Devnet file " + devnetJson
                    + " has no contracts.ledger / contracts.inference addresses");
        }
        return new ContractAddresses(c.get("ledger").asText(), c.get("inference").asText(),
                c.path("fineTuning").isTextual() ? c.get("fineTuning").asText() : null);
    }

    private static void requireAddress(String what, String address) {
        if (address == null || !address.matches("0x[0-9a-fA-F]{40}")) {
            throw new ConfigurationException("The " + what + " contract address is not a 0x-prefixed 20-byte hex "
                    + "address: " + address);
        }
    }
}
