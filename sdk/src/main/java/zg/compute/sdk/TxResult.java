package zg.compute.sdk;

import org.web3j.protocol.core.methods.response.TransactionReceipt;

/** A mined, successful transaction: its hash and receipt (the official SDK returns neither). */
public record TxResult(String hash, TransactionReceipt receipt) {
}
