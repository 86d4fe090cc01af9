package zg.compute.devnet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.gas.ContractGasProvider;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import zg.compute.protocol.chain.ChainTransactionManager;
import zg.compute.protocol.contracts.RevertDecoder;

/**
 * A JSON-RPC connection to a development chain plus the dev-only controls anvil offers:
 * snapshots and time travel.
 */
public final class DevChain implements AutoCloseable {

    private final Web3j web3j;
    private final HttpService http;
    private final long chainId;
    private final RevertDecoder decoder;
    private final ContractGasProvider gas;

    public DevChain(String rpcUrl, RevertDecoder decoder) {
        this.http = new HttpService(rpcUrl);
        this.web3j = Web3j.build(http);
        this.decoder = decoder;
        try {
            this.chainId = web3j.ethChainId().send().getChainId().longValueExact();
            BigInteger price = web3j.ethGasPrice().send().getGasPrice();
            // The limit is only a ceiling: ChainTransactionManager estimates each transaction.
            this.gas = new StaticGasProvider(price.multiply(BigInteger.TWO), BigInteger.valueOf(30_000_000));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach " + rpcUrl, e);
        }
    }

    public Web3j web3j() {
        return web3j;
    }

    public long chainId() {
        return chainId;
    }

    public RevertDecoder decoder() {
        return decoder;
    }

    public ContractGasProvider gasProvider() {
        return gas;
    }

    public ChainTransactionManager txManager(Credentials credentials) {
        return new ChainTransactionManager(web3j, credentials, chainId,
                new PollingTransactionReceiptProcessor(web3j, 10, 3000), decoder);
    }

    public BigInteger balanceOf(String address) {
        try {
            return web3j.ethGetBalance(address, DefaultBlockParameterName.LATEST).send().getBalance();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a contract is deployed at {@code address}. */
    public boolean hasCode(String address) {
        try {
            String code = web3j.ethGetCode(address, DefaultBlockParameterName.LATEST).send().getCode();
            return code != null && code.length() > 2;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long latestTimestamp() {
        try {
            return web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock()
                    .getTimestamp().longValueExact();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** evm_snapshot: an id to {@link #revert(String)} to. */
    public String snapshot() {
        return call("evm_snapshot", List.of());
    }

    /** evm_revert: back to the snapshot (which is consumed). */
    public void revert(String snapshotId) {
        Object ok = call("evm_revert", List.of(snapshotId));
        if (!Boolean.TRUE.equals(ok) && !"true".equals(String.valueOf(ok))) {
            throw new IllegalStateException("evm_revert(" + snapshotId + ") failed");
        }
    }

    /** Moves the chain clock forward and mines a block so the next call sees the new time. */
    public void increaseTime(long seconds) {
        call("evm_increaseTime", List.of(seconds));
        mine();
    }

    /** Sets the timestamp of the next block (must be later than the latest). */
    public void setNextBlockTimestamp(long timestamp) {
        call("evm_setNextBlockTimestamp", List.of(timestamp));
    }

    public void mine() {
        call("evm_mine", List.of());
    }

    /** evm_setAutomine: off, sent transactions wait in the pool until {@link #mine()} (or automine is back on). */
    public void setAutomine(boolean on) {
        call("evm_setAutomine", List.of(on));
    }

    /** Sets an account's ETH balance (anvil_setBalance). */
    public void setBalance(String address, BigInteger wei) {
        call("anvil_setBalance", List.of(address, "0x" + wei.toString(16)));
    }

    @SuppressWarnings("unchecked")
    private <T> T call(String method, List<?> params) {
        try {
            ObjectResponse r = new Request<>(method, params, http, ObjectResponse.class).send();
            if (r.hasError()) {
                throw new IllegalStateException(method + " failed: " + r.getError().getMessage());
            }
            return (T) r.getResult();
        } catch (IOException e) {
            throw new UncheckedIOException(method + " failed", e);
        }
    }

    /** A JSON-RPC response whose result is left as plain JSON values. */
    public static final class ObjectResponse extends Response<Object> {
    }

    @Override
    public void close() {
        web3j.shutdown();
    }
}
