package zg.compute.cli.internal.webui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import zg.compute.protocol.units.Units;
import zg.compute.sdk.Amount;
import zg.compute.sdk.ApiKey;
import zg.compute.sdk.FineTuningService;
import zg.compute.sdk.InvalidRequestException;
import zg.compute.sdk.LedgerDetail;
import zg.compute.sdk.ServiceInfo;
import zg.compute.sdk.ServiceKind;
import zg.compute.sdk.SubAccountBalance;
import zg.compute.sdk.TxResult;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** The dashboard's JSON API over the SDK. Amounts leave as decimal strings, in 0G and in neuron. */
final class WalletApi {

    private final ZGComputeNetworkBroker broker;
    private final String rpc;
    private final ChatRelay chat;

    WalletApi(ZGComputeNetworkBroker broker, String rpc, ChatRelay chat) {
        this.broker = broker;
        this.rpc = rpc;
        this.chat = chat;
    }

    JsonObject status() {
        return new JsonObject().put("address", broker.ledger().userAddress()).put("chainId", broker.chainId())
                .put("rpc", rpc);
    }

    JsonObject account() {
        LedgerDetail d = broker.ledger().getLedgerWithDetail();
        return new JsonObject()
                .put("total", amount(d.ledger().totalBalance()))
                .put("available", amount(d.ledger().availableBalance()))
                .put("locked", amount(d.ledger().locked()))
                .put("inference", subAccounts(d.inference()))
                .put("fineTuning", subAccounts(d.fineTuning()));
    }

    JsonObject providers() {
        JsonArray inference = new JsonArray();
        for (ServiceInfo s : broker.inference().listService(true)) {
            inference.add(new JsonObject().put("provider", s.provider()).put("model", s.model())
                    .put("url", s.url()).put("serviceType", s.serviceType())
                    .put("inputPrice", amount(s.inputPrice())).put("outputPrice", amount(s.outputPrice()))
                    .put("verifiability", s.verifiability())
                    .put("teeSignerAcknowledged", s.teeSignerAcknowledged())
                    .put("acknowledged", broker.inference().acknowledged(s.provider())));
        }
        JsonArray fineTuning = new JsonArray();
        for (FineTuningService s : broker.fineTuning().listService(true)) {
            fineTuning.add(new JsonObject().put("provider", s.provider()).put("url", s.url())
                    .put("pricePerToken", amount(s.pricePerToken())).put("occupied", s.occupied())
                    .put("models", new JsonArray(s.models())));
        }
        return new JsonObject().put("inference", inference).put("fineTuning", fineTuning);
    }

    JsonObject deposit(JsonObject body) {
        return tx(broker.ledger().depositFund(og(body)));
    }

    JsonObject transfer(JsonObject body) {
        return tx(broker.ledger().transferFund(required(body, "provider"), kind(body), og(body)));
    }

    JsonObject retrieve(JsonObject body) {
        return new JsonObject().put("transactions",
                new JsonArray(broker.ledger().retrieveFund(kind(body)).stream().map(TxResult::hash).toList()));
    }

    JsonObject refund(JsonObject body) {
        return tx(broker.ledger().refund(og(body)));
    }

    JsonObject chat(JsonObject body) {
        return chat.send(required(body, "provider"), body.getValue("messages"));
    }

    JsonObject createApiKey(JsonObject body) {
        Integer tokenId = integer(body, "tokenId");
        Integer expires = integer(body, "expiresInSeconds");
        ApiKey k = broker.inference().createApiKey(required(body, "provider"),
                expires == null ? null : Duration.ofSeconds(expires), tokenId);
        return new JsonObject().put("tokenId", k.tokenId()).put("createdAt", k.createdAt())
                .put("expiresAt", k.expiresAt()).put("apiKey", k.rawToken());
    }

    JsonObject revokeApiKey(String provider, String tokenId) {
        int id;
        try {
            id = Integer.parseInt(tokenId);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("tokenId must be a whole number, got \"" + tokenId + "\"");
        }
        return tx(broker.inference().revokeApiKey(provider, id));
    }

    static JsonObject amount(BigInteger neuron) {
        return new JsonObject().put("og", Units.neuronToOg(neuron).toPlainString()).put("neuron", neuron.toString());
    }

    private static JsonArray subAccounts(List<SubAccountBalance> accounts) {
        return new JsonArray(accounts.stream().map(a -> new JsonObject().put("provider", a.provider())
                .put("balance", amount(a.balance())).put("pendingRefund", amount(a.pendingRefund()))).toList());
    }

    private static JsonObject tx(TxResult tx) {
        return new JsonObject().put("transaction", tx.hash());
    }

    /** Amounts come as decimal strings of 0G, so no float ever touches money. */
    private static Amount og(JsonObject body) {
        Object v = body.getValue("amount");
        if (!(v instanceof String s)) {
            throw new InvalidRequestException("amount must be a decimal string of 0G, e.g. \"1.5\"");
        }
        return Amount.og(s);
    }

    private static ServiceKind kind(JsonObject body) {
        Object v = body.getValue("service", "inference");
        return switch (String.valueOf(v).trim().toLowerCase(Locale.ROOT)) {
            case "inference" -> ServiceKind.INFERENCE;
            case "fine-tuning" -> ServiceKind.FINE_TUNING;
            default -> throw new InvalidRequestException("Unknown service \"" + v + "\": use inference or fine-tuning.");
        };
    }

    private static String required(JsonObject body, String field) {
        Object v = body.getValue(field);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new InvalidRequestException(field + " is required");
        }
        return s.trim();
    }

    private static Integer integer(JsonObject body, String field) {
        Object v = body.getValue(field);
        if (v == null || "".equals(v)) {
            return null;
        }
        try {
            return v instanceof Number n ? Integer.valueOf(Math.toIntExact(n.longValue()))
                    : Integer.valueOf(String.valueOf(v).trim());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new InvalidRequestException(field + " must be a whole number, got " + v);
        }
    }
}
