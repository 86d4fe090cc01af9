package zg.compute.cli.internal.config;

import java.util.Locale;

/** The networks {@code setup-network} offers (sdk-cli.md §10). */
public enum Networks {
    MAINNET("mainnet", "Mainnet", "https://evmrpc.0g.ai"),
    TESTNET("testnet", "Testnet (Galileo)", "https://evmrpc-testnet.0g.ai"),
    LOCAL("local", "Local devnet (devnet.json from ./zg-devnet)", null),
    CUSTOM("custom", "Custom RPC URL", null);

    private final String id;
    private final String label;
    private final String rpc;

    Networks(String id, String label, String rpc) {
        this.id = id;
        this.label = label;
        this.rpc = rpc;
    }

    public String id() {
        return id;
    }

    public String label() {
        return label;
    }

    /** The public RPC URL, null for local/custom. */
    public String rpc() {
        return rpc;
    }

    public static Networks parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        for (Networks n : values()) {
            if (n.id.equals(v)) {
                return n;
            }
        }
        if (v.equals("devnet") || v.equals("localhost") || v.equals("hardhat")) {
            return LOCAL;
        }
        throw new zg.compute.cli.CliException("Unknown network \"" + s + "\": use mainnet, testnet, local or custom");
    }

    /** Best guess from a URL, for show-network when the RPC comes from the environment. */
    public static String guess(String url) {
        if (url == null) {
            return "unknown";
        }
        if (url.contains("evmrpc-testnet")) {
            return TESTNET.id;
        }
        if (url.contains("evmrpc.0g.ai")) {
            return MAINNET.id;
        }
        return url.contains("127.0.0.1") || url.contains("localhost") ? LOCAL.id : CUSTOM.id;
    }
}
