package zg.compute.webui.internal;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.web3j.abi.TypeEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.DefaultBlockParameterNumber;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;
import zg.compute.sdk.RpcErrorException;
import zg.compute.sdk.ZGComputeNetworkBroker;

/**
 * The wallet's history from chain events: every {@code BalanceUpdated(user, provider, balance, pendingRefund)} the
 * inference and fine-tuning contracts emitted for this user, read as what changed since the previous one (a
 * transfer in, fees settled, a retrieve requested, a refund returned), with the cumulative spending for the chart.
 */
public final class HistoryApi {

    static final String BALANCE_UPDATED = Hash.sha3String("BalanceUpdated(address,address,uint256,uint256)");

    private final ZGComputeNetworkBroker broker;
    private final Web3j web3;
    private final Map<BigInteger, Long> blockTimes = new HashMap<>();

    public HistoryApi(ZGComputeNetworkBroker broker, Web3j web3) {
        this.broker = broker;
        this.web3 = web3;
    }

    private record Event(String service, String provider, BigInteger balance, BigInteger pendingRefund,
            BigInteger block, BigInteger logIndex, String tx) {
    }

    public synchronized JsonObject history(Body b) {
        List<Event> events = new ArrayList<>();
        events.addAll(events("inference", broker.contracts().inference()));
        events.addAll(events("fine-tuning", broker.contracts().fineTuning()));
        events.sort(Comparator.comparing(Event::block).thenComparing(Event::logIndex));
        Map<String, Event> last = new HashMap<>();
        JsonArray rows = new JsonArray();
        JsonArray spending = new JsonArray();
        BigInteger spent = BigInteger.ZERO;
        for (Event e : events) {
            Event prev = last.put(e.service() + e.provider(), e);
            BigInteger balance0 = prev == null ? BigInteger.ZERO : prev.balance();
            BigInteger pending0 = prev == null ? BigInteger.ZERO : prev.pendingRefund();
            BigInteger delta = e.balance().subtract(balance0);
            BigInteger pendingDelta = e.pendingRefund().subtract(pending0);
            String kind;
            if (delta.signum() > 0) {
                kind = "transfer";
            } else if (delta.signum() < 0 && pendingDelta.equals(delta)) {
                kind = "refund returned";
            } else if (delta.signum() < 0) {
                kind = "fees settled";
                spent = spent.add(delta.negate());
            } else if (pendingDelta.signum() > 0) {
                kind = "retrieve requested";
            } else {
                kind = "update";
            }
            long time = time(e.block());
            rows.add(new JsonObject().put("time", time).put("block", e.block().longValueExact()).put("kind", kind)
                    .put("service", e.service()).put("provider", e.provider()).put("change", Body.amount(delta.abs()))
                    .put("sign", delta.signum()).put("balance", Body.amount(e.balance()))
                    .put("pendingRefund", Body.amount(e.pendingRefund())).put("transaction", e.tx()));
            if (kind.equals("fees settled")) {
                spending.add(new JsonObject().put("time", time).put("total", Body.amount(spent)));
            }
        }
        return new JsonObject().put("events", rows).put("spending", spending).put("spent", Body.amount(spent));
    }

    private List<Event> events(String service, String contract) {
        String user = "0x" + TypeEncoder.encode(new Address(broker.ledger().userAddress()));
        EthFilter filter = new EthFilter(new DefaultBlockParameterNumber(0), DefaultBlockParameterName.LATEST, contract);
        filter.addSingleTopic(BALANCE_UPDATED);
        filter.addSingleTopic(user);
        EthLog log;
        try {
            log = web3.ethGetLogs(filter).send();
        } catch (IOException e) {
            throw new RpcErrorException("cannot read the chain's events: " + e.getMessage(), -1, e);
        }
        if (log.hasError()) {
            throw new RpcErrorException("eth_getLogs failed: " + log.getError().getMessage(), log.getError().getCode(), null);
        }
        List<Event> out = new ArrayList<>();
        for (EthLog.LogResult<?> r : log.getLogs()) {
            Log l = (Log) r.get();
            String data = Numeric.cleanHexPrefix(l.getData());
            out.add(new Event(service, Keys.toChecksumAddress("0x" + l.getTopics().get(2).substring(26)),
                    new BigInteger(data.substring(0, 64), 16), new BigInteger(data.substring(64, 128), 16),
                    l.getBlockNumber(), l.getLogIndex(), l.getTransactionHash()));
        }
        return out;
    }

    /** Block time in ms, read once per block. */
    private long time(BigInteger block) {
        return blockTimes.computeIfAbsent(block, n -> {
            try {
                return web3.ethGetBlockByNumber(new DefaultBlockParameterNumber(n), false).send().getBlock()
                        .getTimestamp().longValueExact() * 1000;
            } catch (IOException e) {
                throw new RpcErrorException("cannot read block " + n + ": " + e.getMessage(), -1, e);
            }
        });
    }
}
