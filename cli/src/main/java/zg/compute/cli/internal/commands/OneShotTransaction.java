package zg.compute.cli.internal.commands;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import zg.compute.cli.Invocation;
import zg.compute.cli.internal.output.Fmt;
import zg.compute.sdk.TxResult;

/**
 * A transaction command that runs once and ends (not a server). With {@code --json} its usual lines are kept
 * back and one JSON object is printed instead: {@code {"ok": true, "transactions": [hash…], "messages": [line…]}}
 * (a failure stays one line on stderr with exit 1, as without it).
 */
abstract class OneShotTransaction extends TransactionCommand implements JsonResult {

    @Mixin
    JsonOption json;

    private final List<String> transactions = new ArrayList<>();
    private final StringWriter held = new StringWriter();
    private PrintWriter holding;

    OneShotTransaction(Invocation inv) {
        super(inv);
    }

    @Override
    PrintWriter out() {
        if (json == null || !json.json) {
            return super.out();
        }
        if (holding == null) {
            holding = new PrintWriter(held);
        }
        return holding;
    }

    @Override
    void printTx(TxResult tx) {
        printTxHash(tx.hash());
    }

    void printTxHash(String hash) {
        transactions.add(hash);
        out().println("  Transaction: " + hash);
    }

    @Override
    public Optional<String> jsonResult() {
        if (json == null || !json.json) {
            return Optional.empty();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", true);
        m.put("transactions", transactions);
        m.put("messages", held.toString().lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("Transaction: ")).toList());
        return Optional.of(Fmt.json(m));
    }
}
