package zg.compute.sdk.internal.chain;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import zg.compute.protocol.chain.ChainTransactionManager;
import zg.compute.protocol.chain.RpcException;
import zg.compute.sdk.TransactionFailedException;
import zg.compute.sdk.TxResult;

/**
 * Prices, sends and waits for one transaction. Gas is estimated first (so a reverting call fails with
 * its decoded error before anything is sent); an underpriced / mempool rejection is re-sent with a
 * higher price, a bounded number of times, never above the configured maximum.
 */
public final class TransactionSender {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionSender.class);

    private final Web3j web3j;
    private final ChainTransactionManager tx;
    private final SendPolicy policy;
    private final String rpcUrl;

    TransactionSender(Web3j web3j, ChainTransactionManager tx, SendPolicy policy, String rpcUrl) {
        this.web3j = web3j;
        this.tx = tx;
        this.policy = policy;
        this.rpcUrl = rpcUrl;
    }

    /**
     * Sends {@code data} to {@code to} with {@code value} neuron attached.
     *
     * @param gasPrice per-call price; null uses the policy's price, else the node's current one
     */
    public synchronized TxResult send(String to, String data, BigInteger value, BigInteger gasPrice) {
        // Synchronized: nonces come from the node's pending count, so one sender must not interleave
        // (auto-funding runs on its own thread).
        try {
            BigInteger price = gasPrice != null ? gasPrice
                    : policy.gasPrice() != null ? policy.gasPrice() : web3j.ethGasPrice().send().getGasPrice();
            for (int attempt = 1;; attempt++) {
                EthSendTransaction sent = tx.sendTransaction(price, BigInteger.ZERO, to, data, value, false);
                if (!sent.hasError()) {
                    LOG.debug("sent transaction {} to {} at gas price {}", sent.getTransactionHash(), to, price);
                    return awaitReceipt(sent.getTransactionHash());
                }
                String message = sent.getError().getMessage();
                BigInteger next = retryable(message) && attempt < policy.maxAttempts() ? policy.bump(price) : null;
                if (next == null) {
                    throw new RpcException(sent.getError().getCode(), message);
                }
                LOG.info("transaction rejected ({}); re-sending with gas price {} (attempt {} of {})", message, next,
                        attempt + 1, policy.maxAttempts());
                price = next;
            }
        } catch (IOException | RuntimeException e) {
            throw Errors.translate(e, rpcUrl);
        }
    }

    static boolean retryable(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        // The official list, plus the wording geth/anvil use for a price under the block's base fee.
        return m.contains("transaction underpriced") || m.contains("replacement transaction underpriced")
                || m.contains("fee too low") || m.contains("mempool") || m.contains("less than block base fee");
    }

    private TxResult awaitReceipt(String hash) throws IOException {
        long deadline = System.nanoTime() + policy.receiptTimeout().toNanos();
        while (true) {
            Optional<TransactionReceipt> receipt = web3j.ethGetTransactionReceipt(hash).send().getTransactionReceipt();
            if (receipt.isPresent()) {
                TransactionReceipt r = receipt.get();
                if (!r.isStatusOK()) {
                    throw new TransactionFailedException("Transaction " + hash + " reverted on chain (status "
                            + r.getStatus() + ")", hash);
                }
                return new TxResult(hash, r);
            }
            if (System.nanoTime() > deadline) {
                throw new TransactionFailedException("No receipt for transaction " + hash + " within "
                        + policy.receiptTimeout().toSeconds() + " s; it may still be mined later", hash);
            }
            try {
                Thread.sleep(policy.pollInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransactionFailedException("Interrupted while waiting for transaction " + hash, hash);
            }
        }
    }
}
