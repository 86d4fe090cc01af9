package zg.compute.cli.internal.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What {@code setup-network} saves in {@code network.json}. No key is ever stored here (the key lives in the
 * encrypted keystore next to it).
 *
 * @param network      mainnet | testnet | local | custom
 * @param rpcEndpoint  JSON-RPC URL
 * @param ledgerCA     explicit contract addresses, or null to detect them by chain id
 * @param devnetJson   for {@code local}: the devnet.json whose RPC URL and addresses are used
 * @param lastUpdated  ISO-8601 instant
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record NetworkConfig(String network, String rpcEndpoint, String ledgerCA, String inferenceCA,
        String fineTuningCA, String devnetJson, String lastUpdated) {
}
