#!/usr/bin/env bash
# secp256k1 micro-benchmark (JMH): web3j vs native sign/recover and SHA-256 of 4 KiB; writes bench/reports/signing.md.
# Extra arguments go to Maven (e.g. -o). About 3 minutes of benchmarking after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d contracts/node_modules/solc ] || (cd contracts && npm ci --no-audit --no-fund)
# build bench and what it needs from source (nothing installed into ~/.m2), and write its class path
mvn -q -B -DskipTests -pl bench -am package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt "$@"
# plain java -cp: JMH forks its benchmark JVMs with this class path
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" zg.compute.bench.signing.SigningReport \
  bench/reports/signing.md
