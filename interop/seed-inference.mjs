// Runs the seed's TypeScript inference snippet, as verbatim as possible, with the OFFICIAL npm SDK
// (@0gfoundation/0g-compute-ts-sdk, pinned in package.json) against a zg-compute devnet and provider broker.
//
// Usage: node seed-inference.mjs <rpcUrl> <ledgerCA> <inferenceCA> <fineTuningCA> [providerAddress]
//   or env ZG_RPC_URL, ZG_LEDGER_CA, ZG_INFERENCE_CA, ZG_FINE_TUNING_CA, ZG_PROVIDER.
// The user's private key comes ONLY from env PRIVATE_KEY (as in the seed), never from argv, and is never printed.
// Prints one JSON summary line prefixed with "SUMMARY " last; exits non-zero on any failure.
import { ethers } from "ethers";
import { createZGComputeNetworkBroker } from "@0gfoundation/0g-compute-ts-sdk";

function fail(message) {
  console.error(`seed-inference: ${message}`);
  process.exit(2);
}

const [argRpc, argLedger, argInference, argFineTuning, argProvider] = process.argv.slice(2);
const RPC_URL = argRpc || process.env.ZG_RPC_URL;
const ledgerCA = argLedger || process.env.ZG_LEDGER_CA;
const inferenceCA = argInference || process.env.ZG_INFERENCE_CA;
const fineTuningCA = argFineTuning || process.env.ZG_FINE_TUNING_CA;
const wantedProvider = argProvider || process.env.ZG_PROVIDER;
if (!RPC_URL || !ledgerCA || !inferenceCA || !fineTuningCA) {
  fail("usage: node seed-inference.mjs <rpcUrl> <ledgerCA> <inferenceCA> <fineTuningCA> [provider] (or env ZG_RPC_URL, ZG_LEDGER_CA, ZG_INFERENCE_CA, ZG_FINE_TUNING_CA, ZG_PROVIDER)");
}
for (const [name, value] of [["ledgerCA", ledgerCA], ["inferenceCA", inferenceCA], ["fineTuningCA", fineTuningCA]]) {
  if (!ethers.isAddress(value)) fail(`${name} is not an address: ${value}`);
}
if (!process.env.PRIVATE_KEY) fail("env PRIVATE_KEY (the user's private key) is not set");

const summary = { ok: false };
try {
  // --- the seed snippet, with the explicit contract addresses of the devnet ---
  const provider = new ethers.JsonRpcProvider(RPC_URL);
  const wallet = new ethers.Wallet(process.env.PRIVATE_KEY, provider);
  const broker = await createZGComputeNetworkBroker(wallet, ledgerCA, inferenceCA, fineTuningCA);
  summary.user = wallet.address;

  // Ledger: read, deposit 1 0G, read again (amounts in 0G for depositFund, as the SDK documents).
  const ledgerBefore = await broker.ledger.getLedger();
  await broker.ledger.depositFund(1);
  const ledgerAfterDeposit = await broker.ledger.getLedger();

  // Discover services
  const services = await broker.inference.listService();
  services.forEach(s => {
    console.log(`${s.provider} | ${s.model} | ${s.serviceType}`);
  });
  summary.services = services.length;
  if (services.length === 0) throw new Error("listService returned no service");
  const providerAddress = wantedProvider || services[0].provider;

  // Sub-account: move 1 0G from the ledger to the provider (amount in neuron, a bigint).
  const accountBefore = await broker.inference.getAccount(providerAddress);
  await broker.ledger.transferFund(providerAddress, "inference", ethers.parseEther("1"));
  const accountAfter = await broker.inference.getAccount(providerAddress);
  const ledgerAfterTransfer = await broker.ledger.getLedger();

  // Make inference request
  const messages = [{ role: "user", content: "Hello from the official SDK" }];
  const { endpoint, model } = await broker.inference.getServiceMetadata(providerAddress);
  const headers = await broker.inference.getRequestHeaders(providerAddress);

  const response = await fetch(`${endpoint}/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ messages, model })
  });
  if (!response.ok) throw new Error(`chat completion: HTTP ${response.status}: ${await response.text()}`);

  const data = await response.json();

  // Extract chatID (see chatID table below)
  let chatID = response.headers.get("ZG-Res-Key") || response.headers.get("zg-res-key");
  summary.chatIdFromHeader = !!chatID;
  if (!chatID) chatID = data.id;

  // 0.9.0's processResponse is (provider, chatID, usage JSON) — the seed documents an older order.
  const valid = await broker.inference.processResponse(providerAddress, chatID, JSON.stringify(data.usage));

  Object.assign(summary, {
    provider: providerAddress,
    endpoint,
    model,
    content: data.choices?.[0]?.message?.content ?? null,
    usage: data.usage ?? null,
    processResponse: valid,
    ledgerBefore: { total: ledgerBefore.totalBalance.toString(), available: ledgerBefore.availableBalance.toString() },
    ledgerAfterDeposit: { total: ledgerAfterDeposit.totalBalance.toString(), available: ledgerAfterDeposit.availableBalance.toString() },
    ledgerAfterTransfer: { total: ledgerAfterTransfer.totalBalance.toString(), available: ledgerAfterTransfer.availableBalance.toString() },
    accountBefore: { balance: accountBefore.balance.toString() },
    accountAfter: { balance: accountAfter.balance.toString() },
  });
  if (valid !== true) throw new Error(`processResponse returned ${valid}, expected true`);
  summary.ok = true;
} catch (e) {
  summary.error = e?.message ?? String(e);
}
console.log("SUMMARY " + JSON.stringify(summary));
process.exit(summary.ok ? 0 : 1);
