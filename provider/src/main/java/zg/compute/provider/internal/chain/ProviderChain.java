package zg.compute.provider.internal.chain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Function;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionDecoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.gas.ContractGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import zg.compute.protocol.chain.ChainTransactionManager;
import zg.compute.protocol.chain.ContractRevertException;
import zg.compute.protocol.chain.RpcException;
import zg.compute.protocol.contracts.RevertDecoder;
import zg.compute.protocol.contracts.bindings.InferenceServing;

/** The broker's view of the InferenceServing contract, sending as the provider wallet. */
public final class ProviderChain implements AutoCloseable {

    private final Web3j web3j;
    private final Credentials provider;
    private final long chainId;
    private final String contract;
    private final ChainTransactionManager tx;
    private final InferenceServing serving;

    public ProviderChain(String rpcUrl, long configuredChainId, String contract, Credentials provider) {
        this.web3j = Web3j.build(new HttpService(rpcUrl));
        this.provider = provider;
        this.contract = contract;
        this.chainId = nodeChainId(web3j, rpcUrl, configuredChainId);
        this.tx = new ChainTransactionManager(web3j, provider, chainId,
                new PollingTransactionReceiptProcessor(web3j, 100, 600), RevertDecoder.forComputeContracts());
        this.serving = InferenceServing.load(contract, web3j, tx, new NodeGasPrice(web3j));
    }

    /** The node's chain id, which must match a configured non-zero one. */
    static long nodeChainId(Web3j web3j, String rpcUrl, long configuredChainId) {
        try {
            long node = web3j.ethChainId().send().getChainId().longValueExact();
            if (configuredChainId != 0 && configuredChainId != node) {
                throw new IllegalStateException("chain.chainId is " + configuredChainId + " but " + rpcUrl + " is chain " + node);
            }
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach chain RPC " + rpcUrl, e);
        }
    }

    public long chainId() {
        return chainId;
    }

    public String contract() {
        return contract;
    }

    /** EIP-55 checksummed. */
    public String providerAddress() {
        return org.web3j.crypto.Keys.toChecksumAddress(provider.getAddress());
    }

    public InferenceServing serving() {
        return serving;
    }

    /** The user's account with this provider, or empty if it does not exist. */
    public Optional<InferenceServing.Account> account(String user) {
        return account(serving, user);
    }

    /**
     * The account as of block {@code block}: reads pinned to one block cannot mix an older node's view
     * with a newer one's (a load-balanced RPC may answer each call from another node). A node that does
     * not have the block yet fails the call instead of answering from the past.
     */
    public Optional<InferenceServing.Account> accountAt(String user, BigInteger block) {
        InferenceServing pinned = InferenceServing.load(contract, web3j, tx, new NodeGasPrice(web3j));
        pinned.setDefaultBlockParameter(DefaultBlockParameter.valueOf(block));
        return account(pinned, user);
    }

    private Optional<InferenceServing.Account> account(InferenceServing s, String user) {
        try {
            return Optional.of(s.getAccount(user, provider.getAddress()).send());
        } catch (ContractRevertException e) {
            if ("AccountNotExists".equals(e.errorName())) {
                return Optional.empty();
            }
            throw e;
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    public Optional<InferenceServing.Service> service() {
        try {
            return Optional.of(serving.getService(provider.getAddress()).send());
        } catch (ContractRevertException e) {
            if ("ServiceNotExist".equals(e.errorName())) {
                return Optional.empty();
            }
            throw e;
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    public BigInteger minProviderStake() {
        try {
            return serving.MIN_PROVIDER_STAKE().send();
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    public TransactionReceipt addOrUpdateService(InferenceServing.ServiceParams params, BigInteger stake) {
        try {
            return serving.addOrUpdateService(params, stake).send();
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    /** previewSettlementResults as an eth_call from the provider. */
    public Preview preview(List<InferenceServing.TEESettlementData> items) {
        try {
            var r = serving.previewSettlementResults(items).send();
            return new Preview(r.component1(), r.component2(), r.component3(), r.component4());
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    public record Preview(List<String> failedUsers, List<BigInteger> failureReasons, List<String> partialUsers,
            List<BigInteger> partialAmounts) {
    }

    /** A settleFeesWithTEE transaction signed but not yet broadcast: its hash is known up front. */
    public record SignedTx(String hash, String raw, BigInteger walletNonce) {
    }

    public SignedTx signSettlement(List<InferenceServing.TEESettlementData> items) {
        String data = settlementCall(items);
        try {
            BigInteger gas = tx.estimateGas(contract, data, BigInteger.ZERO)
                    .multiply(BigInteger.valueOf(120)).divide(BigInteger.valueOf(100));
            BigInteger nonce = web3j.ethGetTransactionCount(provider.getAddress(), DefaultBlockParameterName.PENDING)
                    .send().getTransactionCount();
            return sign(data, nonce, gasPrice(), gas);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The same items again with the same wallet nonce, so at most one of the two transactions can ever
     * be mined, at a gas price the node accepts as a replacement: 25 % over the stuck one (nodes want
     * at least 10 %), or the node's current price if that is higher.
     */
    public SignedTx replaceSettlement(List<InferenceServing.TEESettlementData> items, String stuckRaw) {
        RawTransaction stuck = TransactionDecoder.decode(stuckRaw);
        BigInteger bumped = stuck.getGasPrice().multiply(BigInteger.valueOf(125)).divide(BigInteger.valueOf(100))
                .add(BigInteger.ONE);
        return sign(settlementCall(items), stuck.getNonce(), bumped.max(gasPrice()), stuck.getGasLimit());
    }

    private static String settlementCall(List<InferenceServing.TEESettlementData> items) {
        return FunctionEncoder.encode(new Function("settleFeesWithTEE",
                List.of(new DynamicArray<>(InferenceServing.TEESettlementData.class, items)), List.of()));
    }

    private SignedTx sign(String data, BigInteger nonce, BigInteger price, BigInteger gas) {
        RawTransaction raw = RawTransaction.createTransaction(nonce, price, gas, contract, BigInteger.ZERO, data);
        String signed = tx.sign(raw);
        return new SignedTx(Hash.sha3(signed), signed, nonce);
    }

    private BigInteger gasPrice() {
        try {
            return web3j.ethGasPrice().send().getGasPrice();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the node said to a broadcast. */
    public enum Broadcast {
        /** Accepted, or already known from an earlier broadcast of the same bytes. */
        ACCEPTED,
        /** The wallet nonce is already used: this transaction or another one with its nonce was mined. */
        NONCE_USED
    }

    public Broadcast broadcast(String raw) {
        try {
            EthSendTransaction r = web3j.ethSendRawTransaction(raw).send();
            if (!r.hasError()) {
                return Broadcast.ACCEPTED;
            }
            String m = r.getError().getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("already")) {
                return Broadcast.ACCEPTED;
            }
            if (m.contains("nonce too low") || m.contains("nonce is too low") || m.contains("old nonce")) {
                return Broadcast.NONCE_USED;
            }
            throw new RpcException(r.getError().getCode(), r.getError().getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Optional<TransactionReceipt> receipt(String txHash) {
        try {
            return web3j.ethGetTransactionReceipt(txHash).send().getTransactionReceipt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Polls for a receipt of any of {@code txHashes} for at most {@code timeout}. Empty when none shows
     * up in time (the transaction may still land: the caller keeps it journaled and looks again later);
     * a failing RPC call counts as "not yet".
     */
    public Optional<TransactionReceipt> awaitReceipt(List<String> txHashes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String h : txHashes) {
                try {
                    Optional<TransactionReceipt> r = receipt(h);
                    if (r.isPresent()) {
                        return r;
                    }
                } catch (RuntimeException e) {
                    // an RPC hiccup is not an answer; try again until the deadline
                }
            }
            if (System.nanoTime() >= deadline) {
                return Optional.empty();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    public long lockTimeSeconds() {
        try {
            return serving.lockTime().send().longValueExact();
        } catch (Exception e) {
            throw rethrow(e);
        }
    }

    /** The latest block's timestamp: the contract's notion of now. */
    public long chainTimeSeconds() {
        return chainTimeSeconds(web3j);
    }

    static long chainTimeSeconds(Web3j web3j) {
        try {
            return web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock().getTimestamp()
                    .longValueExact();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The latest block number: pin reads to it with {@link #walletNonceAt} and {@link #accountAt}. */
    public BigInteger latestBlock() {
        try {
            return web3j.ethBlockNumber().send().getBlockNumber();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The provider wallet's transaction count mined up to and including {@code block}. */
    public BigInteger walletNonceAt(BigInteger block) {
        try {
            var r = web3j.ethGetTransactionCount(provider.getAddress(), DefaultBlockParameter.valueOf(block)).send();
            if (r.hasError()) {
                throw new RpcException(r.getError().getCode(), r.getError().getMessage());
            }
            return r.getTransactionCount();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RuntimeException rethrow(Exception e) {
        if (e instanceof RuntimeException r) {
            return r;
        }
        if (e instanceof IOException io) {
            return new UncheckedIOException(io);
        }
        return new IllegalStateException(e.getMessage(), e);
    }

    @Override
    public void close() {
        web3j.shutdown();
    }

    /** Gas price from the node at send time; limits are estimated by ChainTransactionManager. */
    record NodeGasPrice(Web3j web3j) implements ContractGasProvider {
        @Override
        public BigInteger getGasPrice() {
            try {
                return web3j.ethGasPrice().send().getGasPrice();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public BigInteger getGasLimit(org.web3j.protocol.core.methods.request.Transaction transaction) {
            return BigInteger.valueOf(30_000_000);
        }

        @Override
        public BigInteger getGasLimit() {
            return BigInteger.valueOf(30_000_000);
        }
    }
}
