// 0G Storage merkle roots computed by the OFFICIAL storage SDK (@0glabs/0g-ts-sdk, ZgFile.merkleTree()),
// so StorageRootInteropTest can compare ours byte for byte. Nothing official is modified.
//
// Usage: node storage-root.mjs <file>...
// Prints ONE JSON line on stdout: {"<file>": "0x<root>" | null (no tree, e.g. an empty file), …}.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { ZgFile } = require("@0glabs/0g-ts-sdk");

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node storage-root.mjs <file>...");
  process.exit(2);
}
const roots = {};
for (const path of files) {
  const file = await ZgFile.fromFilePath(path);
  try {
    const [tree, err] = await file.merkleTree();
    if (err != null) {
      throw err;
    }
    roots[path] = tree == null ? null : tree.rootHash();
  } finally {
    await file.close();
  }
}
console.log(JSON.stringify(roots));
