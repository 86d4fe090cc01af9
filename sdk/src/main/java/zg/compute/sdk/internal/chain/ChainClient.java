package zg.compute.sdk.internal.chain;

import java.io.IOException;
import java.math.BigInteger;
import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.util.concurrent.Callable;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.gas.ContractGasProvider;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.tx.response.NoOpProcessor;
import zg.compute.protocol.chain.ChainTransactionManager;
import zg.compute.protocol.contracts.RevertDecoder;
import zg.compute.sdk.ZGComputeException;

/**
 * One JSON-RPC connection: views go through {@link #call}, transactions through {@link #sender()}.
 * Every failure leaves here as a {@link ZGComputeException}.
 */
public final class ChainClient implements AutoCloseable {

    private final String rpcUrl;
    private final Web3j web3j;
    private final long chainId;
    private final ChainTransactionManager txManager;
    private final TransactionSender sender;
    private final Credentials credentials;

    private ChainClient(String rpcUrl, Web3j web3j, long chainId, ChainTransactionManager txManager,
            TransactionSender sender, Credentials credentials) {
        this.rpcUrl = rpcUrl;
        this.web3j = web3j;
        this.chainId = chainId;
        this.txManager = txManager;
        this.sender = sender;
        this.credentials = credentials;
    }

    /**
     * Connects and reads the chain id. Without credentials the client can only read; views still need a
     * {@code from}, so a throwaway key stands in for it (it never signs anything).
     */
    public static ChainClient connect(String rpcUrl, Credentials credentials, SendPolicy policy) {
        if (rpcUrl == null || rpcUrl.isBlank()) {
            throw new zg.compute.sdk.ConfigurationException("RPC URL is missing");
        }
        Web3j web3j = Web3j.build(new HttpService(rpcUrl));
        try {
            long chainId;
            try {
                chainId = web3j.ethChainId().send().getChainId().longValueExact();
            } catch (IOException | RuntimeException e) {
                throw Errors.translate(e instanceof IOException ? e : new IOException(e.getMessage(), e), rpcUrl);
            }
            Credentials from = credentials != null ? credentials : throwaway();
            // Receipts are awaited by TransactionSender (with our own timeout), not by web3j.
            ChainTransactionManager tx = new ChainTransactionManager(web3j, from, chainId, new NoOpProcessor(web3j),
                    RevertDecoder.forComputeContracts());
            TransactionSender sender = credentials == null ? null
                    : new TransactionSender(web3j, tx, policy, rpcUrl);
            return new ChainClient(rpcUrl, web3j, chainId, tx, sender, credentials);
        } catch (RuntimeException e) {
            web3j.shutdown();
            throw e;
        }
    }

    private static Credentials throwaway() {
        try {
            return Credentials.create(Keys.createEcKeyPair());
        } catch (InvalidAlgorithmParameterException | NoSuchAlgorithmException | NoSuchProviderException e) {
            throw new IllegalStateException("cannot create a key pair", e);
        }
    }

    /** Runs a view call (typically a binding's {@code .send()}) and translates its failures. */
    public <T> T call(Callable<T> view) {
        try {
            return view.call();
        } catch (Exception e) {
            throw Errors.translate(e, rpcUrl);
        }
    }

    public TransactionSender sender() {
        if (sender == null) {
            throw new ZGComputeException("This broker is read-only: it has no key to send transactions with");
        }
        return sender;
    }

    public boolean canSend() {
        return sender != null;
    }

    /** The signing user's credentials; null for a read-only client. */
    public Credentials credentials() {
        return credentials;
    }

    public long latestBlockTimestamp() {
        return call(() -> web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock()
                .getTimestamp().longValueExact());
    }

    public BigInteger balanceOf(String address) {
        return call(() -> web3j.ethGetBalance(address, DefaultBlockParameterName.LATEST).send().getBalance());
    }

    public Web3j web3j() {
        return web3j;
    }

    public ChainTransactionManager txManager() {
        return txManager;
    }

    /** Bindings need one; it is never used to send (TransactionSender prices and sends itself). */
    public ContractGasProvider gasProvider() {
        return new DefaultGasProvider();
    }

    public long chainId() {
        return chainId;
    }

    public String rpcUrl() {
        return rpcUrl;
    }

    @Override
    public void close() {
        web3j.shutdown();
    }
}
