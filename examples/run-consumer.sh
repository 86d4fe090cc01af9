#!/usr/bin/env bash
# Outside-reactor check: publish the modules to a file repository, start a devnet (chat providers), build the
# examples project from the published coordinates only, and run its LangChain4j AI Service and its Spring Boot
# application; both must print a VERIFIED answer. Exit 0 on success. Leaves ~/.m2 untouched.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=$(mktemp -d)
export ZG_REPO=${ZG_REPO:-$work/repo}
export ZG_EXAMPLES_M2=${ZG_EXAMPLES_M2:-$work/m2}
export ZG_DEVNET_JSON=$work/devnet.json
devnet_pid=
cleanup() {
  local rc=$?
  if [ -n "$devnet_pid" ]; then kill "$devnet_pid" 2>/dev/null || true; wait "$devnet_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT

[ -n "${ZG_SKIP_PUBLISH:-}" ] || "$here/publish.sh"
"$root/0g-compute-cli" devnet up --port 0 --chat-only --out "$ZG_DEVNET_JSON" > "$work/devnet.log" 2>&1 &
devnet_pid=$!
for _ in $(seq 1 180); do grep -q 'ready' "$work/devnet.log" 2>/dev/null && break; sleep 1; done
grep -q 'ready' "$work/devnet.log" || { cat "$work/devnet.log"; echo "devnet did not start" >&2; exit 1; }

"$here/run.sh" assistant | tee "$work/assistant.out"
"$here/run.sh" spring | tee "$work/spring.out"
grep -q 'LangChain4j verification: VERIFIED' "$work/assistant.out"
grep -q 'Spring AI verification: VERIFIED' "$work/spring.out"
echo "consumer check passed: LangChain4j AI Service and Spring Boot app answered VERIFIED from published coordinates"
