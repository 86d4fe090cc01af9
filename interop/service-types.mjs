// The OFFICIAL npm SDK (@0gfoundation/0g-compute-ts-sdk, pinned in package.json) against the non-chat providers of
// a zg-compute devnet: for each given provider, getServiceMetadata → getRequestHeaders → the request → processResponse
// with the content the SDK documents for that type (text-to-image: the request JSON; speech-to-text: the usage JSON),
// and the fee the SDK caches for it.
//
// Usage: node service-types.mjs <rpcUrl> <ledgerCA> <inferenceCA> <fineTuningCA> <type>=<provider> … [wav=<file>]
//   types: text-to-image, image-editing (needs png=<file>), speech-to-text (needs wav=<file>)
// The user's private key comes ONLY from env PRIVATE_KEY, never from argv, and is never printed.
// Prints one JSON line prefixed with "SUMMARY " last; exits non-zero on any failure.
import { readFileSync } from "node:fs";
import { ethers } from "ethers";
import { createZGComputeNetworkBroker } from "@0gfoundation/0g-compute-ts-sdk";

function fail(message) {
  console.error(`service-types: ${message}`);
  process.exit(2);
}

const [rpcUrl, ledgerCA, inferenceCA, fineTuningCA, ...rest] = process.argv.slice(2);
if (!rpcUrl || !ledgerCA || !inferenceCA || !fineTuningCA || rest.length === 0) {
  fail("usage: node service-types.mjs <rpcUrl> <ledgerCA> <inferenceCA> <fineTuningCA> <type>=<provider> … [wav=<file>] [png=<file>]");
}
if (!process.env.PRIVATE_KEY) fail("env PRIVATE_KEY (the user's private key) is not set");
const args = Object.fromEntries(rest.map(a => {
  const i = a.indexOf("=");
  if (i <= 0) fail(`not <name>=<value>: ${a}`);
  return [a.slice(0, i), a.slice(i + 1)];
}));

const wallet = new ethers.Wallet(process.env.PRIVATE_KEY, new ethers.JsonRpcProvider(rpcUrl));
const broker = await createZGComputeNetworkBroker(wallet, ledgerCA, inferenceCA, fineTuningCA);

// One paid request the way the SDK README shows it; returns what the SDK made of it.
async function paid(type, providerAddress, path, body, contentType, contentFor) {
  const { endpoint, model } = await broker.inference.getServiceMetadata(providerAddress);
  const headers = await broker.inference.getRequestHeaders(providerAddress);
  const init = { method: "POST", headers: { ...headers }, body: body(model) };
  if (contentType) init.headers["Content-Type"] = contentType;
  const response = await fetch(`${endpoint}${path}`, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${type}: HTTP ${response.status}: ${text}`);
  const chatID = response.headers.get("ZG-Res-Key");
  if (!chatID) throw new Error(`${type}: no ZG-Res-Key header`);
  const before = await broker.inference.responseProcessor.getCachedFee(providerAddress);
  const valid = await broker.inference.processResponse(providerAddress, chatID, contentFor(JSON.parse(text), init));
  const after = await broker.inference.responseProcessor.getCachedFee(providerAddress);
  return { provider: providerAddress, model, chatID, processResponse: valid, cachedFee: (after - before).toString(),
    response: JSON.parse(text) };
}

const summary = { ok: false, results: {} };
try {
  for (const type of ["text-to-image", "image-editing", "speech-to-text"]) {
    const provider = args[type];
    if (!provider) continue;
    let r;
    if (type === "text-to-image") {
      const request = (model) => JSON.stringify({ model, prompt: "a red bicycle, official SDK", n: 2, size: "256x256" });
      r = await paid(type, provider, "/images/generations", request, "application/json",
        (_data, init) => init.body); // the SDK documents the request JSON as the content for images
      r.images = r.response.data.length;
    } else if (type === "image-editing") {
      if (!args.png) fail("image-editing needs png=<file>");
      const form = (model) => {
        const f = new FormData();
        f.append("model", model);
        f.append("prompt", "add a hat, official SDK");
        f.append("n", "1");
        f.append("image", new Blob([readFileSync(args.png)], { type: "image/png" }), "input.png");
        return f;
      };
      r = await paid(type, provider, "/images/edits", form, null, () => JSON.stringify({ n: 1 }));
      r.images = r.response.data.length;
    } else {
      if (!args.wav) fail("speech-to-text needs wav=<file>");
      const form = (model) => {
        const f = new FormData();
        f.append("model", model);
        f.append("response_format", "json");
        f.append("file", new Blob([readFileSync(args.wav)], { type: "audio/wav" }), "speech.wav");
        return f;
      };
      r = await paid(type, provider, "/audio/transcriptions", form, null,
        (data) => JSON.stringify(data.usage)); // the usage object, as the SDK documents for speech-to-text
      r.usage = r.response.usage;
    }
    delete r.response;
    if (r.processResponse !== true) throw new Error(`${type}: processResponse returned ${r.processResponse}`);
    summary.results[type] = r;
  }
  summary.ok = true;
} catch (e) {
  summary.error = e?.message ?? String(e);
}
console.log("SUMMARY " + JSON.stringify(summary));
process.exit(summary.ok ? 0 : 1);
