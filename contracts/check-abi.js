#!/usr/bin/env node
// Quick developer check: compares compiled ABIs with the official deployed ABIs (types, order,
// mutability, indexed flags; names ignored). The JUnit AbiConformanceTest is the real gate.
// Usage: node check-abi.js [artifactDir] [officialAbiDir]
'use strict';
const fs = require('fs');
const path = require('path');
const OUT = path.resolve(process.argv[2] || path.join(__dirname, 'target', 'classes', 'contracts'));
const OFFICIAL = path.resolve(process.argv[3] || path.join(__dirname, '..', '..', 'shared', 'spec', 'abi'));
const PAIRS = {
  LedgerManager: 'LedgerManagerImpl.abi.json',
  InferenceServing: 'InferenceServing_v1.0Impl.abi.json',
  FineTuningServing: 'FineTuningServing_v1.0Impl.abi.json',
};
const type = (p) => (p.type.startsWith('tuple') ? '(' + p.components.map(type).join(',') + ')' + p.type.slice(5) : p.type);
function key(e) {
  const ins = (e.inputs || []).map((p) => type(p) + (p.indexed ? ' indexed' : '')).join(',');
  const outs = e.outputs ? ' returns (' + e.outputs.map(type).join(',') + ')' : '';
  const mut = e.stateMutability ? ' ' + e.stateMutability : '';
  return `${e.type} ${e.name || ''}(${ins})${outs}${mut}${e.anonymous ? ' anonymous' : ''}`;
}
let bad = 0;
for (const [name, file] of Object.entries(PAIRS)) {
  const artifact = path.join(OUT, name + '.abi');
  if (!fs.existsSync(artifact)) { console.log(`${name}: not compiled`); bad++; continue; }
  const ours = new Set(JSON.parse(fs.readFileSync(artifact, 'utf8')).map(key));
  const theirs = new Set(JSON.parse(fs.readFileSync(path.join(OFFICIAL, file), 'utf8')).map(key));
  const missing = [...theirs].filter((k) => !ours.has(k));
  const extra = [...ours].filter((k) => !theirs.has(k));
  console.log(`${name}: ${missing.length} missing, ${extra.length} extra`);
  missing.forEach((k) => console.log('  missing ' + k));
  extra.forEach((k) => console.log('  extra   ' + k));
  bad += missing.length + extra.length;
}
process.exit(bad ? 1 : 0);
