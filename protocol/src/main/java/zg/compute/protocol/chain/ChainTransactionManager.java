package zg.compute.protocol.chain;

import java.io.IOException;
import java.math.BigInteger;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.response.TransactionReceiptProcessor;
import zg.compute.protocol.contracts.RevertDecoder;

/**
 * A signing transaction manager that (1) estimates gas for every transaction instead of trusting a
 * static limit, and (2) turns reverts of both transactions (caught at estimation, before anything is
 * sent) and calls into a {@link ContractRevertException} carrying the decoded custom error — web3j's
 * own managers keep only a reason string and lose custom-error payloads.
 */
public class ChainTransactionManager extends RawTransactionManager {

    /** Head-room over the node's estimate: state can shift between estimation and inclusion. */
    private static final BigInteger GAS_MARGIN_PERCENT = BigInteger.valueOf(120);

    private final Web3j web3j;
    private final RevertDecoder decoder;

    public ChainTransactionManager(Web3j web3j, Credentials credentials, long chainId,
            TransactionReceiptProcessor receipts, RevertDecoder decoder) {
        super(web3j, credentials, chainId, receipts);
        this.web3j = web3j;
        this.decoder = decoder;
    }

    @Override
    public EthSendTransaction sendTransaction(BigInteger gasPrice, BigInteger gasLimit, String to,
            String data, BigInteger value, boolean constructor) throws IOException {
        BigInteger estimate = estimateGas(to, data, value);
        BigInteger limit = estimate.multiply(GAS_MARGIN_PERCENT).divide(BigInteger.valueOf(100));
        return super.sendTransaction(gasPrice, limit, to, data, value, constructor);
    }

    @Override
    public EthSendTransaction sendEIP1559Transaction(long chainId, BigInteger maxPriorityFeePerGas,
            BigInteger maxFeePerGas, BigInteger gasLimit, String to, String data, BigInteger value,
            boolean constructor) throws IOException {
        BigInteger estimate = estimateGas(to, data, value);
        BigInteger limit = estimate.multiply(GAS_MARGIN_PERCENT).divide(BigInteger.valueOf(100));
        return super.sendEIP1559Transaction(chainId, maxPriorityFeePerGas, maxFeePerGas, limit, to, data,
                value, constructor);
    }

    /**
     * Sends a transaction (contract creation when {@code to} is null), waits for its receipt and
     * fails on a reverted receipt. Gas is estimated; the gas price is the node's current one.
     */
    public TransactionReceipt execute(String to, String data, BigInteger value) throws IOException {
        BigInteger gasPrice = web3j.ethGasPrice().send().getGasPrice();
        try {
            TransactionReceipt receipt = executeTransaction(gasPrice, BigInteger.ZERO, to, data, value, to == null);
            if (!receipt.isStatusOK()) {
                throw new RpcException(-1, "transaction " + receipt.getTransactionHash() + " reverted on chain");
            }
            return receipt;
        } catch (TransactionException e) {
            throw new RpcException(-1, e.getMessage());
        }
    }

    /** eth_estimateGas from this manager's address; throws the decoded revert if it would fail. */
    public BigInteger estimateGas(String to, String data, BigInteger value) throws IOException {
        Transaction tx = new Transaction(getFromAddress(), null, null, null, to, value, data);
        EthEstimateGas response = web3j.ethEstimateGas(tx).send();
        if (response.hasError()) {
            throw toException(response.getError());
        }
        return response.getAmountUsed();
    }

    @Override
    public String sendCall(String to, String data, DefaultBlockParameter block) throws IOException {
        EthCall call = web3j.ethCall(Transaction.createEthCallTransaction(getFromAddress(), to, data), block)
                .send();
        if (call.hasError()) {
            throw toException(call.getError());
        }
        return call.getValue();
    }

    private RuntimeException toException(org.web3j.protocol.core.Response.Error error) {
        if (RpcErrors.isRevert(error)) {
            return new ContractRevertException(decoder.decode(RpcErrors.revertData(error)), error.getMessage());
        }
        return new RpcException(error.getCode(), error.getMessage());
    }
}
