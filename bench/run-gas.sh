#!/usr/bin/env bash
# Gas benchmark: ours vs the official bytecode on one anvil; writes bench/reports/gas.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d contracts/node_modules/solc ] || (cd contracts && npm ci --no-audit --no-fund)
[ -d interop/node_modules/@0gfoundation ] || (cd interop && npm ci --ignore-scripts --no-audit --no-fund)
mvn -q -B -DskipTests -pl bench -am install
mvn -q -B -pl bench exec:java -Dexec.mainClass=zg.compute.bench.gas.GasBenchmark -Dzg.repo.dir="$PWD"
