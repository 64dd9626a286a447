#!/usr/bin/env bash
# Says clearly whether a shipped model is there for the web app to offer.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
manifests=(models/*/manifest.json)
if [ ${#manifests[@]} -eq 0 ]; then
  echo "Note: no shipped model yet — models/ holds no trained model. The page opens and checks"
  echo "sequences, but it has nothing to predict with until a model is trained into models/."
else
  echo "Shipped models: ${#manifests[@]} (${manifests[*]})"
fi
