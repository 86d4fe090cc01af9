#!/usr/bin/env node
// Compiles every contract under src/ with the pinned npm solc and writes one artifact per
// deployable contract: {contractName, sourceName, abi, bytecode, deployedBytecode}.
// Usage: node build.js [outDir]   (default: target/classes/contracts)
// A hash of sources + settings is stored next to the artifacts so an unchanged tree is not recompiled.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const solc = require('solc');

const ROOT = __dirname;
const SRC = path.join(ROOT, 'src');
const OUT = path.resolve(process.argv[2] || path.join(ROOT, 'target', 'classes', 'contracts'));

// Contracts that Java deploys; everything else is only compiled as a dependency.
const DEPLOYABLE = {
  'ledger/LedgerManager.sol': 'LedgerManager',
  'inference/InferenceServing.sol': 'InferenceServing',
  'finetuning/FineTuningServing.sol': 'FineTuningServing',
  'proxy/Proxies.sol': ['UpgradeableBeacon', 'BeaconProxy'],
};

const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  viaIR: true,
  evmVersion: 'istanbul',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : p.endsWith('.sol') ? [p] : [];
  });
}

function findImport(importPath) {
  const candidates = [path.join(SRC, importPath), path.join(ROOT, 'node_modules', importPath)];
  for (const c of candidates) {
    if (fs.existsSync(c)) return { contents: fs.readFileSync(c, 'utf8') };
  }
  return { error: 'File not found: ' + importPath };
}

// ONLY=<ContractName> compiles just that contract's source file (its imports are resolved on demand),
// so a half-written sibling contract cannot break the build of another.
const ONLY = process.env.ONLY;
const selected = Object.entries(DEPLOYABLE).filter(([, n]) => !ONLY || [].concat(n).includes(ONLY));
if (ONLY && selected.length === 0) {
  console.error('unknown contract ' + ONLY);
  process.exit(1);
}
const files = ONLY ? selected.map(([s]) => path.join(SRC, s)) : walk(SRC).sort();
const sources = {};
for (const f of files) sources[path.relative(SRC, f).split(path.sep).join('/')] = { content: fs.readFileSync(f, 'utf8') };

const hash = crypto.createHash('sha256')
  .update(solc.version()).update(JSON.stringify(SETTINGS)).update(JSON.stringify(sources))
  .digest('hex');
const stamp = path.join(OUT, '.build-hash');
if (!ONLY && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) {
  console.log('contracts: up to date (' + OUT + ')');
  process.exit(0);
}

const started = Date.now();
const input = { language: 'Solidity', sources, settings: SETTINGS };
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) {
  if (e.severity !== 'error' && /Contract code size/.test(e.message)) console.warn(e.formattedMessage);
}
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}

fs.mkdirSync(OUT, { recursive: true });
for (const [source, names] of selected) {
  for (const name of [].concat(names).filter((n) => !ONLY || n === ONLY)) {
    // Re-exported contracts (the OZ proxies) live under their own source name.
    const owner = Object.keys(output.contracts).find((s) => s === source)
      && output.contracts[source][name] ? source
      : Object.keys(output.contracts).find((s) => output.contracts[s][name]);
    const c = owner && output.contracts[owner][name];
    if (!c) {
      console.error('missing contract ' + name + ' in ' + source);
      process.exit(1);
    }
    const artifact = {
      contractName: name,
      sourceName: owner,
      compiler: 'solc ' + solc.version(),
      abi: c.abi,
      bytecode: '0x' + c.evm.bytecode.object,
      deployedBytecode: '0x' + c.evm.deployedBytecode.object,
    };
    fs.writeFileSync(path.join(OUT, name + '.json'), JSON.stringify(artifact, null, 2));
    fs.writeFileSync(path.join(OUT, name + '.abi'), JSON.stringify(c.abi));
    fs.writeFileSync(path.join(OUT, name + '.bin'), c.evm.bytecode.object);
    const size = c.evm.deployedBytecode.object.length / 2;
    console.log(`contracts: ${name} runtime ${size} bytes${size > 24576 ? ' (OVER EIP-170 LIMIT)' : ''}`);
  }
}
if (!ONLY) fs.writeFileSync(stamp, hash);
console.log(`contracts: compiled ${files.length} files with solc ${solc.version()} in ${Date.now() - started} ms`);
