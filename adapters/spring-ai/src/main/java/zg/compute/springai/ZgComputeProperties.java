package zg.compute.springai;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code zg.compute.*}: where the chain is, whose wallet pays, which provider answers. The key comes from the
 * environment variable named by {@code private-key-env} (default {@code ZG_PRIVATE_KEY}), or from an encrypted web3j
 * keystore ({@code keystore} + the variable named by {@code keystore-password-env}); never from a properties file.
 */
@ConfigurationProperties("zg.compute")
public class ZgComputeProperties {

    /** JSON-RPC URL of the chain (mainnet https://evmrpc.0g.ai, testnet https://evmrpc-testnet.0g.ai, a devnet). */
    private String rpc;
    /** The provider's address (0x…). */
    private String provider;
    /** A model of a multi-model provider; empty = its default. */
    private String model;
    /** Name of the environment variable holding the private key. */
    private String privateKeyEnv = "ZG_PRIVATE_KEY";
    /** An encrypted keystore file instead of a key in the environment. */
    private String keystore;
    /** Name of the environment variable holding the keystore's password. */
    private String keystorePasswordEnv = "ZG_KEYSTORE_PASSWORD";
    /** A devnet.json naming the contract addresses (else they follow from the chain id). */
    private String devnetJson;
    /** Acknowledge the provider's TEE signer at start when the wallet has not yet (a transaction). */
    private boolean acknowledgeProvider = true;
    /** Top the provider's sub-account up inside every request's auth headers, as the official SDK does. */
    private boolean fundOnRequestHeaders = true;

    public String getRpc() {
        return rpc;
    }

    public void setRpc(String rpc) {
        this.rpc = rpc;
    }

    public String getProvider() {
        return provider;
    }

    public void setProvider(String provider) {
        this.provider = provider;
    }

    public String getModel() {
        return model;
    }

    public void setModel(String model) {
        this.model = model;
    }

    public String getPrivateKeyEnv() {
        return privateKeyEnv;
    }

    public void setPrivateKeyEnv(String privateKeyEnv) {
        this.privateKeyEnv = privateKeyEnv;
    }

    public String getKeystore() {
        return keystore;
    }

    public void setKeystore(String keystore) {
        this.keystore = keystore;
    }

    public String getKeystorePasswordEnv() {
        return keystorePasswordEnv;
    }

    public void setKeystorePasswordEnv(String keystorePasswordEnv) {
        this.keystorePasswordEnv = keystorePasswordEnv;
    }

    public String getDevnetJson() {
        return devnetJson;
    }

    public void setDevnetJson(String devnetJson) {
        this.devnetJson = devnetJson;
    }

    public boolean isAcknowledgeProvider() {
        return acknowledgeProvider;
    }

    public void setAcknowledgeProvider(boolean acknowledgeProvider) {
        this.acknowledgeProvider = acknowledgeProvider;
    }

    public boolean isFundOnRequestHeaders() {
        return fundOnRequestHeaders;
    }

    public void setFundOnRequestHeaders(boolean fundOnRequestHeaders) {
        this.fundOnRequestHeaders = fundOnRequestHeaders;
    }
}
