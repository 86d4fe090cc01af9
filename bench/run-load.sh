#!/usr/bin/env bash
# Broker load benchmark: broker vs nginx (plain reverse proxy) vs direct, JSON and SSE, driven by wrk; streaming
# time to first byte, settlement throughput, SDK getRequestHeaders (ours vs the official TS SDK).
# Writes docs/benchmarks.md and docs/benchmarks/*.png (about 12 minutes). Arguments go to LoadBenchmark
# (--seconds N, --rounds N, --connections 1,16,64,256, --users N, --out FILE, --no-profile, --no-sdk); MAVEN_ARGS=-o keeps
# Maven offline. Installs nothing: it says what is missing and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx)
command -v node >/dev/null || missing+=("node (Node.js >= 20)")
command -v jcmd >/dev/null || missing+=("jcmd (a full JDK 17)")
[ -d contracts/node_modules/solc ] || missing+=("contracts/node_modules (cd contracts && npm ci)")
[ -d interop/node_modules/@0gfoundation ] || missing+=("interop/node_modules (cd interop && npm ci --ignore-scripts)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench/run-load.sh: missing: ${missing[*]} — Debian packages: apt-get install -y wrk nginx" >&2
  exit 2
fi
# build bench and what it needs from source (nothing installed into ~/.m2), and write its class path
mvn -q -B -DskipTests -pl bench -am package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt ${MAVEN_ARGS:-}
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" zg.compute.bench.load.LoadBenchmark \
  --repo "$PWD" "$@"
