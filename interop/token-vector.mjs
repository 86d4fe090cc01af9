// Interop item 4: the OFFICIAL npm SDK issues an ephemeral session token (getRequestHeaders) and an API key
// (createApiKey) at a FIXED time and with a FIXED Math.random, so the Java side can rebuild both byte for byte.
// Nothing in the official package is modified: only the two inputs it reads from the runtime are pinned.
//
// Usage: node token-vector.mjs <rpcUrl> <ledgerCA> <inferenceCA> <fineTuningCA> <provider>
//   env PRIVATE_KEY (never printed), ZG_FIXED_NOW (ms since epoch), ZG_FIXED_RANDOM (a number in [0, 1)).
// Prints one line "TOKENS {json}" and exits 0, or exits non-zero with a message.
import { ethers } from "ethers";
import { createZGComputeNetworkBroker } from "@0gfoundation/0g-compute-ts-sdk";

const [rpc, ledgerCA, inferenceCA, fineTuningCA, provider] = process.argv.slice(2);
const now = Number(process.env.ZG_FIXED_NOW);
const random = Number(process.env.ZG_FIXED_RANDOM);
if (!rpc || !provider || !process.env.PRIVATE_KEY || !Number.isFinite(now) || !(random >= 0 && random < 1)) {
  console.error("usage: PRIVATE_KEY=… ZG_FIXED_NOW=ms ZG_FIXED_RANDOM=r node token-vector.mjs <rpc> <ledger> <inference> <fineTuning> <provider>");
  process.exit(2);
}
try {
  const wallet = new ethers.Wallet(process.env.PRIVATE_KEY, new ethers.JsonRpcProvider(rpc));
  const broker = await createZGComputeNetworkBroker(wallet, ledgerCA, inferenceCA, fineTuningCA);
  // pinned only around token creation: the chain calls before it run with the real clock
  const realNow = Date.now;
  const realRandom = Math.random;
  Date.now = () => now;
  Math.random = () => random;
  let headers;
  let apiKey;
  try {
    headers = await broker.inference.getRequestHeaders(provider);
    // 0.9.0 exposes createApiKey on the request processor; its own `get-secret` command calls it this way
    apiKey = await broker.inference.requestProcessor.createApiKey(provider, { tokenId: 7, expiresIn: 3600000 });
  } finally {
    Date.now = realNow;
    Math.random = realRandom;
  }
  console.log("TOKENS " + JSON.stringify({ authorization: headers.Authorization, apiKey: apiKey.rawToken }));
  process.exit(0);
} catch (e) {
  console.error(`token-vector: ${e?.message ?? e}`);
  process.exit(1);
}
