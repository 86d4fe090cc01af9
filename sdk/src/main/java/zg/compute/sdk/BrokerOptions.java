package zg.compute.sdk;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * How a broker is built. Start from {@link #defaults()} and use the {@code with…} methods.
 *
 * @param contracts            explicit contract addresses; wins over everything else (null: detect)
 * @param devnetJson           a devnet.json to take addresses from when {@code contracts} is null
 * @param gasPrice             fixed gas price in neuron (wei); null asks the node for each transaction
 * @param maxGasPrice          ceiling for re-sending an underpriced transaction; null disables re-sending
 *                             (as the official SDK, which retries only when a maximum is configured)
 * @param gasPriceStep         each retry multiplies the gas price by {@code step / 10} (11 = +10 %)
 * @param maxTxAttempts        sends per transaction at most, first one included
 * @param receiptTimeout       how long to wait for a receipt
 * @param receiptPollInterval  how often to ask for it
 * @param httpTimeout          timeout for calls to providers
 * @param fundOnRequestHeaders run {@code checkAndFund} inside {@code getRequestHeaders} unless auto-funding
 *                             runs for that provider (the official SDK's Node behaviour)
 * @param devMode              on chain 16602 use the testnet-dev contracts (env {@code ZG_DEV_MODE})
 * @param clock                wall clock for token timestamps and caches
 * @param statusApiUrl         health/model status service for {@code listServiceWithDetail}; null picks the
 *                             official one on mainnet/testnet and none elsewhere
 * @param maxAutoFund          the most one automatic top-up ({@code checkAndFund}, auto-funding) may move into a
 *                             sub-account; null: twice the fees this client computed for that provider since the
 *                             last top-up plus the buffer ({@code bufferMultiplier × 1 0G})
 */
public record BrokerOptions(ContractAddresses contracts, Path devnetJson, BigInteger gasPrice, BigInteger maxGasPrice,
        int gasPriceStep, int maxTxAttempts, Duration receiptTimeout, Duration receiptPollInterval,
        Duration httpTimeout, boolean fundOnRequestHeaders, boolean devMode, Clock clock, String statusApiUrl,
        Amount maxAutoFund) {

    public BrokerOptions {
        if (gasPriceStep <= 10) {
            throw new ConfigurationException("gasPriceStep must be greater than 10 (it means ×step/10), got "
                    + gasPriceStep);
        }
        if (maxTxAttempts < 1) {
            throw new ConfigurationException("maxTxAttempts must be at least 1, got " + maxTxAttempts);
        }
        if (gasPrice != null && gasPrice.signum() <= 0) {
            throw new ConfigurationException("gasPrice must be positive, got " + gasPrice);
        }
        if (maxGasPrice != null && maxGasPrice.signum() <= 0) {
            throw new ConfigurationException("maxGasPrice must be positive, got " + maxGasPrice);
        }
        if (maxAutoFund != null && maxAutoFund.isZero()) {
            throw new ConfigurationException("maxAutoFund must be greater than 0 (to never top up, do not enable "
                    + "auto-funding)");
        }
    }

    public static BrokerOptions defaults() {
        String env = System.getenv("ZG_DEV_MODE");
        boolean dev = "true".equalsIgnoreCase(env) || "1".equals(env);
        return new BrokerOptions(null, null, null, null, 11, 5, Duration.ofSeconds(300), Duration.ofMillis(200),
                Duration.ofSeconds(10), true, dev, Clock.systemUTC(), null, null);
    }

    public BrokerOptions withContracts(ContractAddresses c) {
        return new BrokerOptions(c, devnetJson, gasPrice, maxGasPrice, gasPriceStep, maxTxAttempts, receiptTimeout,
                receiptPollInterval, httpTimeout, fundOnRequestHeaders, devMode, clock, statusApiUrl, maxAutoFund);
    }

    public BrokerOptions withDevnetJson(Path p) {
        return new BrokerOptions(contracts, p, gasPrice, maxGasPrice, gasPriceStep, maxTxAttempts, receiptTimeout,
                receiptPollInterval, httpTimeout, fundOnRequestHeaders, devMode, clock, statusApiUrl, maxAutoFund);
    }

    public BrokerOptions withGasPrice(BigInteger neuron) {
        return new BrokerOptions(contracts, devnetJson, neuron, maxGasPrice, gasPriceStep, maxTxAttempts,
                receiptTimeout, receiptPollInterval, httpTimeout, fundOnRequestHeaders, devMode, clock, statusApiUrl, maxAutoFund);
    }

    /** Allows re-sending underpriced transactions with a higher price, up to {@code max}. */
    public BrokerOptions withGasRetry(BigInteger max, int step, int attempts) {
        return new BrokerOptions(contracts, devnetJson, gasPrice, max, step, attempts, receiptTimeout,
                receiptPollInterval, httpTimeout, fundOnRequestHeaders, devMode, clock, statusApiUrl, maxAutoFund);
    }

    public BrokerOptions withReceiptTimeout(Duration timeout) {
        return new BrokerOptions(contracts, devnetJson, gasPrice, maxGasPrice, gasPriceStep, maxTxAttempts, timeout,
                receiptPollInterval, httpTimeout, fundOnRequestHeaders, devMode, clock, statusApiUrl, maxAutoFund);
    }

    public BrokerOptions withHttpTimeout(Duration timeout) {
        return new BrokerOptions(contracts, devnetJson, gasPrice, maxGasPrice, gasPriceStep, maxTxAttempts,
                receiptTimeout, receiptPollInterval, timeout, fundOnRequestHeaders, devMode, clock, statusApiUrl, maxAutoFund);
    }

    public BrokerOptions withFundOnRequestHeaders(boolean fund) {
        return new BrokerOptions(contracts, devnetJson, gasPrice, maxGasPrice, gasPriceStep, maxTxAttempts,
                receiptTimeout, receiptPollInterval, httpTimeout, fund, devMode, clock, statusApiUrl, maxAutoFund);
    }

    public BrokerOptions withDevMode(boolean dev) {
        return new BrokerOptions(contracts, devnetJson, gasPrice, maxGasPrice, gasPriceStep, maxTxAttempts,
                receiptTimeout, receiptPollInterval, httpTimeout, fundOnRequestHeaders, dev, clock, statusApiUrl, maxAutoFund);
    }

    public BrokerOptions withClock(Clock c) {
        return new BrokerOptions(contracts, devnetJson, gasPrice, maxGasPrice, gasPriceStep, maxTxAttempts,
                receiptTimeout, receiptPollInterval, httpTimeout, fundOnRequestHeaders, devMode, c, statusApiUrl, maxAutoFund);
    }

    public BrokerOptions withStatusApiUrl(String url) {
        return new BrokerOptions(contracts, devnetJson, gasPrice, maxGasPrice, gasPriceStep, maxTxAttempts,
                receiptTimeout, receiptPollInterval, httpTimeout, fundOnRequestHeaders, devMode, clock, url, maxAutoFund);
    }

    /**
     * Caps every automatic top-up at {@code max} (checkAndFund, auto-funding, the top-up inside
     * getRequestHeaders) instead of the default of twice the locally computed fees plus the buffer.
     */
    public BrokerOptions withMaxAutoFund(Amount max) {
        return new BrokerOptions(contracts, devnetJson, gasPrice, maxGasPrice, gasPriceStep, maxTxAttempts,
                receiptTimeout, receiptPollInterval, httpTimeout, fundOnRequestHeaders, devMode, clock, statusApiUrl,
                max);
    }

    /** The status API to ask, or null for none (local chains have no status service). */
    String resolveStatusApi(long chainId) {
        if (statusApiUrl != null) {
            return statusApiUrl.isBlank() ? null : statusApiUrl;
        }
        if (chainId == ContractAddresses.MAINNET_CHAIN_ID) {
            return "https://compute-status.0g.ai";
        }
        return chainId == ContractAddresses.TESTNET_CHAIN_ID ? "https://compute-status-testnet.0g.ai" : null;
    }

    /** Explicit addresses, else the devnet file, else the preset for the chain id. */
    ContractAddresses resolveContracts(long chainId) {
        if (contracts != null) {
            return contracts;
        }
        if (devnetJson != null) {
            return ContractAddresses.fromDevnetJson(devnetJson);
        }
        return ContractAddresses.forChainId(chainId, devMode);
    }
}
