// Fine-tuning crypto interop: the OFFICIAL SDK's own functions, fed the inputs the Java test chose,
// so FineTuningSignaturesInteropTest can compare byte for byte. Nothing official is modified.
//
// Usage: PRIVATE_KEY=0x… node ft-crypto.mjs <input.json>      (the key is never printed)
// input.json: {userAddress, nonce, datasetHash, taskId, timestamp, eciesSecret, javaEcies,
//              modelKey, modelFile, modelOut, teeSigner}
// Prints ONE JSON line on stdout; everything the SDK logs goes to stderr. Exits non-zero on error.
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { readFileSync, mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
// the package's "exports" map hides lib.commonjs/*, so load the official files by path
const sdk = path.join(here, "node_modules/@0gfoundation/0g-compute-ts-sdk/lib.commonjs");
const official = require(path.join(sdk, "common/utils/encrypt.js"));
const { Provider } = require(path.join(sdk, "fine-tuning/provider/provider.js"));
const { ethers } = require("ethers");
const ecies = require("eciesjs");

console.log = console.error; // the SDK logs progress to stdout; keep stdout for the result line
console.warn = console.error;
process.env.NO_PROXY = "127.0.0.1,localhost"; // axios must reach the local capture server directly

const [inputPath] = process.argv.slice(2);
if (!inputPath || !process.env.PRIVATE_KEY) {
  console.error("usage: PRIVATE_KEY=0x… node ft-crypto.mjs <input.json>");
  process.exit(2);
}

try {
  const input = JSON.parse(readFileSync(inputPath, "utf8"));
  const wallet = new ethers.Wallet(process.env.PRIVATE_KEY);
  const out = {};

  out.taskCreation = await official.signRequest(wallet, input.userAddress, BigInt(input.nonce), input.datasetHash);
  out.cancel = await official.signTaskID(wallet, input.taskId);
  out.datasetUpload = await official.signDatasetUpload(wallet, input.userAddress, input.timestamp);
  out.loraDownload = await loraSignature(wallet, input.taskId, input.timestamp);

  // official direction → Java: eciesjs (the library the SDK depends on) encrypts to the user's key
  const userPub = Buffer.from(wallet.signingKey.publicKey.slice(2), "hex");
  out.eciesFromOfficial = Buffer.from(ecies.encrypt(userPub, Buffer.from(input.eciesSecret, "hex"))).toString("hex");
  // Java → official: the SDK's eciesDecrypt, given 0x-prefixed hex as the contract returns it
  out.officialEciesDecrypt = await official.eciesDecrypt(wallet, "0x" + input.javaEcies);

  await official.aesGCMDecryptToFile(input.modelKey, input.modelFile, input.modelOut, input.teeSigner);
  out.modelSha256 = createHash("sha256").update(readFileSync(input.modelOut)).digest("hex");

  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
} catch (e) {
  console.error(`ft-crypto: ${e?.stack ?? e}`);
  process.exit(1);
}

// The LoRA-download signature is inline in Provider.downloadLoRAFromTEE, so run that method against
// a local server that records the {signature, timestamp} body, with the clock pinned to `timestamp`.
async function loraSignature(wallet, taskId, timestamp) {
  let body;
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      body = JSON.parse(text);
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end("lora");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const self = {
    getProviderUrl: async () => `http://127.0.0.1:${server.address().port}`,
    contract: { getUserAddress: () => wallet.address, signer: wallet },
  };
  const realNow = Date.now;
  Date.now = () => timestamp * 1000;
  try {
    const dir = mkdtempSync(path.join(tmpdir(), "ft-lora-"));
    await Provider.prototype.downloadLoRAFromTEE.call(self, "0x0", taskId, path.join(dir, "lora.zip"), { maxRetries: 0 });
  } finally {
    Date.now = realNow;
    server.close();
  }
  if (body.timestamp !== timestamp) {
    throw new Error(`official code sent timestamp ${body.timestamp}, expected ${timestamp}`);
  }
  return body.signature;
}
