// The OFFICIAL npm SDK's multi-model calls (0.9.0, pinned) against a zg-compute provider broker:
// getProviderModels (read-only broker: on-chain flag + the provider's /v1/models) and
// getServiceMetadata(provider, model) (a wallet broker).
//
// Usage: node provider-models.mjs <rpcUrl> <ledgerCA> <inferenceCA> <fineTuningCA> <provider> <model>
// The private key comes ONLY from env PRIVATE_KEY, never from argv, and is never printed.
// Prints one JSON line prefixed with "SUMMARY " last; exits non-zero on any failure.
import { ethers } from "ethers";
import { createZGComputeNetworkBroker, createZGComputeNetworkReadOnlyBroker } from "@0gfoundation/0g-compute-ts-sdk";

const [rpc, ledgerCA, inferenceCA, fineTuningCA, provider, model] = process.argv.slice(2);
if (!rpc || !ledgerCA || !inferenceCA || !fineTuningCA || !provider || !model) {
  console.error("usage: node provider-models.mjs <rpcUrl> <ledgerCA> <inferenceCA> <fineTuningCA> <provider> <model>");
  process.exit(2);
}
if (!process.env.PRIVATE_KEY) {
  console.error("env PRIVATE_KEY is not set");
  process.exit(2);
}
try {
  const readOnly = await createZGComputeNetworkReadOnlyBroker(rpc, 31337);
  const catalog = await readOnly.inference.getProviderModels(provider);
  const wallet = new ethers.Wallet(process.env.PRIVATE_KEY, new ethers.JsonRpcProvider(rpc));
  const broker = await createZGComputeNetworkBroker(wallet, ledgerCA, inferenceCA, fineTuningCA);
  const chosen = await broker.inference.getServiceMetadata(provider, model);
  const byDefault = await broker.inference.getServiceMetadata(provider);
  const summary = {
    multiModel: catalog.multiModel,
    priceDenomination: catalog.priceDenomination ?? null,
    defaultModel: catalog.defaultModel,
    models: catalog.models.map((m) => ({ id: m.id, type: m.type, prompt: m.pricing?.prompt, completion: m.pricing?.completion })),
    chosen,
    byDefault,
  };
  console.log("SUMMARY " + JSON.stringify(summary));
  process.exit(0);
} catch (e) {
  console.error(`provider-models: ${e?.message ?? e}`);
  process.exit(1);
}
