#!/usr/bin/env bash
# One example against a running devnet (./zg-devnet in another terminal):
#   examples/run.sh chat | stream | image | transcription | embeddings | fine-tuning | assistant | spring
# Builds the examples outside the reactor from the published coordinates (publish.sh runs first if $ZG_REPO is empty).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export ZG_REPO=${ZG_REPO:-/tmp/zgrepo}
export ZG_EXAMPLES_M2=${ZG_EXAMPLES_M2:-/tmp/zg-examples-m2}
export ZG_DEVNET_JSON=${ZG_DEVNET_JSON:-$(dirname "$here")/devnet.json}
case "${1:-}" in
  chat) main=Chat ;; stream) main=Stream ;; image) main=Image ;; transcription) main=Transcription ;;
  embeddings) main=Embeddings ;; fine-tuning) main=FineTuning ;; assistant) main=Assistant ;; spring) main=SpringApp ;;
  *) echo "usage: $0 chat|stream|image|transcription|embeddings|fine-tuning|assistant|spring" >&2; exit 2 ;;
esac
[ -d "$ZG_REPO/zg/compute/sdk" ] || "$here/publish.sh"
mvn -B -q -s "$here/settings.xml" -f "$here/pom.xml" compile exec:java -Dexec.mainClass="examples.$main"
