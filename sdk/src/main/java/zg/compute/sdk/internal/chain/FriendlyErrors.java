package zg.compute.sdk.internal.chain;

import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import org.web3j.crypto.Keys;
import zg.compute.protocol.contracts.DecodedRevert;
import zg.compute.protocol.units.Units;

/**
 * Plain-words messages for contract errors and node errors (sdk-cli.md §1.4). The first two texts are
 * the official SDK's verbatim; the others are ours, written so the user knows what to do next.
 */
public final class FriendlyErrors {

    public static final String LEDGER_NOT_EXISTS =
            "Account does not exist. Please create an account first using \"add-account\".";
    public static final String SUB_ACCOUNT_NOT_FOUND =
            "Sub-account not found. Initialize it by transferring funds via \"transfer-fund\"";

    private FriendlyErrors() {
    }

    public static String forRevert(DecodedRevert r) {
        if (!r.isKnown()) {
            return "Transaction execution reverted (" + r + ")";
        }
        List<Object> a = r.args();
        return switch (r.name()) {
            case "LedgerNotExists" -> LEDGER_NOT_EXISTS;
            case "AccountNotExists" -> SUB_ACCOUNT_NOT_FOUND;
            // The official SDK maps this to the sub-account text because the inference library once threw
            // it; in these contracts only LedgerManager.refund throws it, for a main-account shortfall.
            case "InsufficientBalance" -> "Insufficient available balance in your account for this refund. "
                    + "Check it with \"get-account\"; funds held in sub-accounts must be retrieved first.";
            case "LedgerExists" -> "Account already exists. Use \"deposit\" to add funds to it.";
            case "MinimumDepositRequired" -> "Amount below the minimum: " + og(a, 0) + " 0G given, at least "
                    + og(a, 1) + " 0G required.";
            case "InsufficientAvailableBalance" -> "Insufficient available balance: " + og(a, 0)
                    + " 0G available, " + og(a, 1) + " 0G required. Deposit more with \"deposit\".";
            case "TooManyRefunds" -> "Too many pending refunds for this provider (at most 5). Wait until the lock "
                    + "time has passed, then call \"retrieve-fund\" again to collect them.";
            case "ServiceNotExist" -> "Service not found for provider " + address(a, 0)
                    + ". Check the address with \"inference list-providers\".";
            case "ServiceNotFound" -> "Service not registered in the ledger contract.";
            case "TooManyProviders" -> "Too many providers in one request: " + arg(a, 0) + " (at most " + arg(a, 1)
                    + ").";
            case "TooManyProvidersForService" -> "Too many providers for this service: you already have "
                    + arg(a, 0) + " sub-accounts (at most " + arg(a, 1) + ").";
            case "MustWithdrawAllFundsFirst" -> "Withdraw all funds first: " + og(a, 0)
                    + " 0G are still in the account.";
            case "ZeroAmountNotAllowed" -> "Amount must be greater than 0.";
            case "ZeroAddressNotAllowed", "InvalidAddress" -> "The zero address is not allowed here.";
            case "LedgerLocked" -> "Another operation on this account is in progress; try again.";
            case "CannotRevokeWithNonZeroBalance" -> "Cannot revoke the acknowledgement while the sub-account "
                    + "still holds " + og(a, 2) + " 0G; retrieve the funds first.";
            case "ProviderCannotBeUser" -> "A provider cannot be its own user.";
            case "LimitTooLarge" -> "Page size " + arg(a, 0) + " is too large (at most " + arg(a, 1) + ").";
            case "InsufficientStake" -> "Insufficient provider stake: " + og(a, 0) + " 0G given, " + og(a, 1)
                    + " 0G required.";
            case "CannotAddStakeWhenUpdating" -> "A service update must not send value; the stake is already paid.";
            case "DirectDepositsDisabled" -> "Direct transfers to the contract are disabled; use \"deposit\".";
            case "DeliverableNotExists" -> "Deliverable for task " + arg(a, 0) + " not found: check the task id; "
                    + "a task has a deliverable only after the provider has delivered its model.";
            case "CannotAcknowledgeSettledDeliverable" -> "The deliverable for task " + arg(a, 0) + " was already "
                    + "settled by the provider without your acknowledgement; it can no longer be acknowledged and "
                    + "its model key will not be released.";
            case "PreviousDeliverableNotAcknowledged" -> "The previous deliverable (task " + arg(a, 0)
                    + ") is not acknowledged yet; the user must acknowledge it before a new one can be added.";
            case "Error" -> r.reason() != null ? r.reason() : "Transaction execution reverted";
            default -> generic(r);
        };
    }

    /** The official fall-back shape: {@code Error: Name (Address: 0x…) Arg1: v}. */
    private static String generic(DecodedRevert r) {
        StringBuilder sb = new StringBuilder("Error: ").append(r.name());
        for (int i = 0; i < r.args().size(); i++) {
            Object v = r.args().get(i);
            if (v instanceof String s && s.startsWith("0x") && s.length() == 42) {
                sb.append(" (Address: ").append(Keys.toChecksumAddress(s)).append(')');
            } else {
                sb.append(" Arg").append(i).append(": ").append(v);
            }
        }
        return sb.toString();
    }

    /** Node errors that are not contract reverts. */
    public static String forRpc(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (m.contains("insufficient funds")) {
            return "Insufficient funds in your wallet to pay for this transaction and its gas.";
        }
        if (m.contains("nonce")) {
            return "Transaction nonce conflict: another transaction from this wallet is pending or was replaced. "
                    + "Wait for it and try again. (" + message + ")";
        }
        if (m.contains("underpriced") || m.contains("fee too low") || m.contains("base fee")) {
            return "Gas price too low for the network; set a higher gas price. (" + message + ")";
        }
        if (m.contains("execution reverted")) {
            return "Transaction execution reverted. (" + message + ")";
        }
        return message;
    }

    private static String og(List<Object> a, int i) {
        return i < a.size() && a.get(i) instanceof BigInteger b ? Units.neuronToOg(b).toPlainString() : "?";
    }

    private static String address(List<Object> a, int i) {
        return i < a.size() && a.get(i) instanceof String s && s.length() == 42 ? Keys.toChecksumAddress(s) : arg(a, i);
    }

    private static String arg(List<Object> a, int i) {
        return i < a.size() ? String.valueOf(a.get(i)) : "?";
    }
}
