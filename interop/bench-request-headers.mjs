// getRequestHeaders per second with the OFFICIAL npm SDK (pinned in package.json), for bench/ LoadBenchmark.
// Usage: node bench-request-headers.mjs <rpcUrl> <ledgerCA> <inferenceCA> <fineTuningCA> <provider> <seconds>
// The user's key comes only from env PRIVATE_KEY. Sets up the user (ledger 10 0G, 3 0G to the provider,
// acknowledges its signer), then counts calls for <seconds>, first plain, then with startAutoFunding.
// Prints one line "RESULT {json}" last; exits non-zero on any failure.
import { ethers } from "ethers";
import { createZGComputeNetworkBroker } from "@0gfoundation/0g-compute-ts-sdk";

const [rpc, ledgerCA, inferenceCA, fineTuningCA, provider, secondsArg] = process.argv.slice(2);
if (!rpc || !provider || !secondsArg || !process.env.PRIVATE_KEY) {
  console.error("usage: PRIVATE_KEY=… node bench-request-headers.mjs <rpc> <ledger> <inference> <fineTuning> <provider> <seconds>");
  process.exit(2);
}
const seconds = Number(secondsArg);

async function rate(broker) {
  await broker.inference.getRequestHeaders(provider); // warm-up: first session token, caches
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let calls = 0;
  while (performance.now() < end) {
    const h = await broker.inference.getRequestHeaders(provider);
    if (!h.Authorization) throw new Error("no Authorization header");
    calls++;
  }
  return { calls, perSecond: calls / ((performance.now() - t0) / 1000) };
}

try {
  const wallet = new ethers.Wallet(process.env.PRIVATE_KEY, new ethers.JsonRpcProvider(rpc));
  const broker = await createZGComputeNetworkBroker(wallet, ledgerCA, inferenceCA, fineTuningCA);
  await broker.ledger.addLedger(10);
  await broker.ledger.transferFund(provider, "inference", ethers.parseEther("3"));
  await broker.inference.acknowledgeProviderSigner(provider);
  const plain = await rate(broker);
  await broker.inference.startAutoFunding(provider);
  const autoFunding = await rate(broker);
  broker.inference.stopAutoFunding(provider);
  console.log("RESULT " + JSON.stringify({ plain, autoFunding }));
  process.exit(0);
} catch (e) {
  console.error(`bench-request-headers: ${e?.message ?? e}`);
  process.exit(1);
}
