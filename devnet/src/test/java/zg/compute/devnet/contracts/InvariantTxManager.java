package zg.compute.devnet.contracts;

import java.io.IOException;
import java.math.BigInteger;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import zg.compute.protocol.chain.ChainTransactionManager;
import zg.compute.protocol.contracts.RevertDecoder;

/**
 * The project's {@link ChainTransactionManager} (gas estimation, decoded reverts) with two speed-ups
 * for a single-writer dev chain: the account nonce is remembered instead of asked for before every
 * transaction (call {@link #forgetNonce()} after an evm_revert), and receipts are polled every
 * millisecond instead of every 10 ms.
 */
final class InvariantTxManager extends ChainTransactionManager {

    private BigInteger nextNonce;

    InvariantTxManager(Web3j web3j, Credentials credentials, long chainId, RevertDecoder decoder) {
        super(web3j, credentials, chainId, new PollingTransactionReceiptProcessor(web3j, 1, 30_000), decoder);
    }

    void forgetNonce() {
        nextNonce = null;
    }

    @Override
    protected synchronized BigInteger getNonce() throws IOException {
        if (nextNonce == null) {
            nextNonce = super.getNonce();
        }
        return nextNonce;
    }

    @Override
    public synchronized EthSendTransaction sendTransaction(BigInteger gasPrice, BigInteger gasLimit, String to,
            String data, BigInteger value, boolean constructor) throws IOException {
        try {
            EthSendTransaction sent = super.sendTransaction(gasPrice, gasLimit, to, data, value, constructor);
            if (sent.hasError()) {
                nextNonce = null;
            } else if (nextNonce != null) {
                nextNonce = nextNonce.add(BigInteger.ONE);
            }
            return sent;
        } catch (RuntimeException | IOException e) {
            // a revert at gas estimation sends nothing, so the nonce is still free; anything else: re-read it
            if (!(e instanceof zg.compute.protocol.chain.ContractRevertException)) {
                nextNonce = null;
            }
            throw e;
        }
    }
}
