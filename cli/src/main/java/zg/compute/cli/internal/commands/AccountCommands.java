package zg.compute.cli.internal.commands;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import zg.compute.cli.CliException;
import zg.compute.cli.Invocation;
import zg.compute.cli.internal.output.Fmt;
import zg.compute.cli.internal.output.Table;
import zg.compute.sdk.Amount;
import zg.compute.sdk.ContractErrorException;
import zg.compute.sdk.LedgerDetail;
import zg.compute.sdk.LedgerInfo;
import zg.compute.sdk.PendingRefund;
import zg.compute.sdk.ServiceKind;
import zg.compute.sdk.SubAccountBalance;
import zg.compute.sdk.SubAccountDetail;
import zg.compute.sdk.TxResult;
import zg.compute.sdk.ZGComputeNetworkBroker;

/** The main account and sub-account commands (sdk-cli.md §6.2). Amounts are decimal 0G. */
public final class AccountCommands {

    private AccountCommands() {
    }

    /** Prints the main account overview and its sub-accounts (get-account, add-account). */
    static void printLedger(java.io.PrintWriter out, LedgerDetail d) {
        LedgerInfo l = d.ledger();
        out.println("Overview (" + l.user() + ")");
        new Table("Balance", "Amount (0G)")
                .row("Total", Fmt.og(l.totalBalance()))
                .row("Locked (transferred to sub-accounts)", Fmt.og(l.locked()))
                .row("Available for transfer", Fmt.og(l.availableBalance()))
                .print(out);
        printSubAccounts(out, "Inference sub-accounts", d.inference());
        printSubAccounts(out, "Fine-tuning sub-accounts", d.fineTuning());
    }

    static void printSubAccounts(java.io.PrintWriter out, String title, List<SubAccountBalance> subs) {
        out.println(title);
        if (subs.isEmpty()) {
            out.println("  (none)");
            return;
        }
        Table t = new Table("Provider", "Balance (0G)", "Requested Return to Main Account (0G)");
        for (SubAccountBalance s : subs) {
            t.row(s.provider(), Fmt.og(s.balance()), Fmt.og(s.pendingRefund()));
        }
        t.print(out);
    }

    static Map<String, Object> ledgerJson(LedgerDetail d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", d.ledger().user());
        m.put("total", Fmt.og(d.ledger().totalBalance()));
        m.put("locked", Fmt.og(d.ledger().locked()));
        m.put("available", Fmt.og(d.ledger().availableBalance()));
        m.put("inference", subsJson(d.inference()));
        m.put("fineTuning", subsJson(d.fineTuning()));
        return m;
    }

    static List<Map<String, Object>> subsJson(List<SubAccountBalance> subs) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (SubAccountBalance s : subs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("provider", s.provider());
            m.put("balance", Fmt.og(s.balance()));
            m.put("pendingRefund", Fmt.og(s.pendingRefund()));
            out.add(m);
        }
        return out;
    }

    @Command(name = "get-account", mixinStandardHelpOptions = true,
            description = "Show the main account and its sub-accounts.")
    public static final class GetAccount extends BrokerCommand {

        @Mixin
        JsonOption json;

        GetAccount(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            LedgerDetail d = withBroker(b -> b.ledger().getLedgerWithDetail());
            if (json.json) {
                out().println(Fmt.json(ledgerJson(d)));
                return 0;
            }
            printLedger(out(), d);
            out().println("Tips: \"deposit --amount <0G>\" adds funds; \"transfer-fund --provider <address> --amount "
                    + "<0G>\" funds a provider; \"get-sub-account --provider <address> --service inference\" shows one.");
            return 0;
        }
    }

    @Command(name = "add-account", mixinStandardHelpOptions = true,
            description = "Create the main account with a first deposit (at least the contract's minimum).")
    public static final class AddAccount extends OneShotTransaction {

        @Option(names = "--amount", required = true, paramLabel = "<0G>", description = "First deposit in 0G")
        String amount;

        AddAccount(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            Amount a = Amount.og(amount);
            return withBroker(b -> {
                TxResult tx = b.ledger().addLedger(a);
                out().println("✓ Account Created!");
                printTx(tx);
                printLedger(out(), b.ledger().getLedgerWithDetail());
                return 0;
            });
        }
    }

    @Command(name = "deposit", mixinStandardHelpOptions = true,
            description = "Deposit 0G from your wallet into the main account (the first deposit creates it).")
    public static final class Deposit extends OneShotTransaction {

        @Option(names = "--amount", required = true, paramLabel = "<0G>", description = "Amount in 0G, e.g. 10 or 0.5")
        String amount;

        Deposit(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            Amount a = Amount.og(amount);
            TxResult tx = withBroker(b -> b.ledger().depositFund(a));
            out().println("✓ Deposited funds: " + Fmt.og(a.neuron()) + " 0G");
            printTx(tx);
            return 0;
        }
    }

    @Command(name = "refund", mixinStandardHelpOptions = true,
            description = "Withdraw available funds from the main account back to your wallet.")
    public static final class Refund extends OneShotTransaction {

        @Option(names = {"-a", "--amount"}, required = true, paramLabel = "<0G>", description = "Amount in 0G")
        String amount;

        Refund(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            Amount a = Amount.og(amount);
            TxResult tx = withBroker(b -> b.ledger().refund(a));
            out().println("✓ Refunded amount: " + Fmt.og(a.neuron()) + " 0G");
            printTx(tx);
            return 0;
        }
    }

    @Command(name = "transfer-fund", mixinStandardHelpOptions = true,
            description = "Move funds from the main account to a provider sub-account.")
    public static final class TransferFund extends OneShotTransaction {

        @Option(names = "--provider", required = true, paramLabel = "<address>", description = "Provider address")
        String provider;

        @Option(names = "--amount", required = true, paramLabel = "<0G>", description = "Amount in 0G")
        String amount;

        @Option(names = "--service", paramLabel = "<inference|fine-tuning>", defaultValue = "inference",
                description = "Sub-account kind (default: ${DEFAULT-VALUE})")
        String service;

        @Option(names = "--force", description = "Transfer even when the address has no service of that kind")
        boolean force;

        TransferFund(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            Amount a = Amount.og(amount);
            ServiceKind k = kind(service);
            TxResult tx = withBroker(b -> {
                if (!force) {
                    requireService(b, k);
                }
                return b.ledger().transferFund(provider, k, a);
            });
            out().println("✓ Transferred " + Fmt.og(a.neuron()) + " 0G to the " + k.label() + " sub-account of "
                    + provider);
            printTx(tx);
            return 0;
        }

        /** Money sent to an address nobody serves from stays there until a refund's lock time has passed. */
        private void requireService(ZGComputeNetworkBroker b, ServiceKind k) {
            try {
                if (k == ServiceKind.INFERENCE) {
                    b.inference().getService(provider);
                } else {
                    b.fineTuning().getService(provider);
                }
            } catch (ContractErrorException e) {
                if (!"ServiceNotExist".equals(e.errorName())) {
                    throw e;
                }
                String list = k == ServiceKind.INFERENCE ? "inference list-providers" : "fine-tuning list-providers";
                throw new CliException(provider + " offers no " + k.label() + " service, so the funds would only "
                        + "be locked: check the address with \"" + list + "\" (or pass --force)");
            }
        }
    }

    @Command(name = "retrieve-fund", mixinStandardHelpOptions = true, description = {
            "Move sub-account funds back to the main account. The first call requests the refund, which stays "
                    + "locked for the contract's lock time; call it again after that to collect it.",
            "Without --provider every sub-account of the service is included."})
    public static final class RetrieveFund extends OneShotTransaction {

        @Option(names = "--service", paramLabel = "<inference|fine-tuning>", defaultValue = "inference",
                description = "Sub-account kind (default: ${DEFAULT-VALUE})")
        String service;

        @Option(names = "--provider", paramLabel = "<address>", description = "Only this provider")
        String provider;

        @Option(names = {"-y", "--yes"}, description = "Without --provider: do not ask before requesting every "
                + "sub-account")
        boolean yes;

        RetrieveFund(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            ServiceKind k = kind(service);
            return withBroker(b -> {
                if (provider == null && !yes && !confirmAll(b, k)) {
                    out().println("Cancelled; nothing was sent.");
                    return 0;
                }
                List<TxResult> sent = provider != null
                        ? List.of(b.ledger().retrieveFundFromProvider(k, provider))
                        : b.ledger().retrieveFund(k);
                if (sent.isEmpty()) {
                    out().println("No " + k.label() + " sub-accounts to retrieve from.");
                    return 0;
                }
                out().println("✓ Retrieve request sent for " + (provider != null ? provider
                        : "all " + k.label() + " sub-accounts"));
                sent.forEach(this::printTx);
                LedgerDetail d = b.ledger().getLedgerWithDetail();
                out().println("Main account available: " + Fmt.og(d.ledger().availableBalance()) + " 0G");
                printSubAccounts(out(), k == ServiceKind.INFERENCE ? "Inference sub-accounts"
                        : "Fine-tuning sub-accounts", k == ServiceKind.INFERENCE ? d.inference() : d.fineTuning());
                out().println("Tip: requested funds stay locked for the contract's lock time; run \"retrieve-fund\" "
                        + "again after it to move them back to the main account.");
                return 0;
            });
        }

        /**
         * Every sub-account at once locks all the money there and stops inference with each provider until
         * funds are transferred again: say what gets locked and for how long, and ask (or want --yes). A call
         * that only collects refunds already requested locks nothing new and goes ahead.
         */
        private boolean confirmAll(ZGComputeNetworkBroker b, ServiceKind k) {
            LedgerDetail d = b.ledger().getLedgerWithDetail();
            List<SubAccountBalance> subs = k == ServiceKind.INFERENCE ? d.inference() : d.fineTuning();
            List<SubAccountBalance> locking = subs.stream()
                    .filter(s -> s.balance().compareTo(s.pendingRefund()) > 0).toList();
            if (locking.isEmpty()) {
                return true;
            }
            java.math.BigInteger amount = locking.stream().map(s -> s.balance().subtract(s.pendingRefund()))
                    .reduce(java.math.BigInteger.ZERO, java.math.BigInteger::add);
            long lock = k == ServiceKind.INFERENCE ? b.inference().getLockedTime() : b.fineTuning().getLockedTime();
            String what = "Without --provider this requests the refund of every " + k.label() + " sub-account ("
                    + locking.size() + " provider" + (locking.size() == 1 ? "" : "s") + ", " + Fmt.og(amount)
                    + " 0G): the money stays locked for " + Fmt.remaining(lock) + " and requests to "
                    + (locking.size() == 1 ? "that provider" : "those providers") + " fail until you transfer funds again";
            if (!ctx().prompter().interactive()) {
                throw new CliException(what + ". Pass --yes to confirm, or --provider <address> for one.");
            }
            out().println(what + ":");
            printSubAccounts(out(), k == ServiceKind.INFERENCE ? "Inference sub-accounts" : "Fine-tuning sub-accounts",
                    locking);
            return confirm("Request the refund of all of them?");
        }
    }

    @Command(name = "get-sub-account", mixinStandardHelpOptions = true,
            description = "Show one provider sub-account and its pending refunds.")
    public static final class GetSubAccount extends BrokerCommand {

        @Option(names = "--provider", required = true, paramLabel = "<address>", description = "Provider address")
        String provider;

        @Option(names = "--service", paramLabel = "<inference|fine-tuning>", defaultValue = "inference",
                description = "Sub-account kind (default: ${DEFAULT-VALUE})")
        String service;

        @Mixin
        JsonOption json;

        GetSubAccount(Invocation inv) {
            super(inv);
        }

        @Override
        public Integer call() {
            ServiceKind k = kind(service);
            return withBroker(b -> k == ServiceKind.INFERENCE ? inference(b) : fineTuning(b));
        }

        private int inference(ZGComputeNetworkBroker b) {
            SubAccountDetail d = b.inference().getAccountWithDetail(provider);
            var a = d.account();
            if (json.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("service", "inference");
                m.put("provider", a.provider());
                m.put("balance", Fmt.og(a.balance()));
                m.put("pendingRefund", Fmt.og(a.pendingRefund()));
                m.put("available", Fmt.og(a.available()));
                m.put("acknowledged", a.acknowledged());
                List<Map<String, Object>> refunds = new ArrayList<>();
                for (PendingRefund r : d.refunds()) {
                    refunds.add(Map.of("amount", Fmt.og(r.amount()), "remainSeconds", Math.max(0, r.remainSeconds())));
                }
                m.put("refunds", refunds);
                out().println(Fmt.json(m));
                return 0;
            }
            out().println("Overview");
            new Table("Field", "Value")
                    .row("Service Type", "inference")
                    .row("Provider", a.provider())
                    .row("Balance (0G)", Fmt.og(a.balance()))
                    .row("Funds Applied for Return to Main Account (0G)", Fmt.og(a.pendingRefund()))
                    .row("Acknowledged", Fmt.yesNo(a.acknowledged()))
                    .print(out());
            if (d.refunds().isEmpty()) {
                out().println("No pending refunds.");
            } else {
                out().println("Details of Each Amount Applied for Return to Main Account");
                Table t = new Table("Amount (0G)", "Remaining Locked Time");
                for (PendingRefund r : d.refunds()) {
                    t.row(Fmt.og(r.amount()), Fmt.remaining(r.remainSeconds()));
                }
                t.print(out());
            }
            return 0;
        }

        private int fineTuning(ZGComputeNetworkBroker b) {
            SubAccountBalance s = b.ledger().getLedgerWithDetail().fineTuning().stream()
                    .filter(x -> x.provider().equalsIgnoreCase(provider)).findFirst()
                    .orElseThrow(() -> new ContractErrorException(
                            "Sub-account not found. Initialize it by transferring funds via \"transfer-fund\"",
                            "AccountNotExists", List.of(), null));
            if (json.json) {
                out().println(Fmt.json(Map.of("service", "fine-tuning", "provider", s.provider(), "balance",
                        Fmt.og(s.balance()), "pendingRefund", Fmt.og(s.pendingRefund()))));
                return 0;
            }
            out().println("Overview");
            new Table("Field", "Value")
                    .row("Service Type", "fine-tuning")
                    .row("Provider", s.provider())
                    .row("Balance (0G)", Fmt.og(s.balance()))
                    .row("Funds Applied for Return to Main Account (0G)", Fmt.og(s.pendingRefund()))
                    .print(out());
            return 0;
        }
    }
}
