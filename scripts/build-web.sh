#!/usr/bin/env bash
# Builds the static web app in web/: the wasm package (wasm/build.sh, SIMD, into web/pkg), the
# model index and copies of the shipped models (web/models/), and the single-file build
# (web/dist/regula.html). All outputs are gitignored.
#
#   scripts/build-web.sh                 # models from models/
#   MODELS_DIR=/tmp/m scripts/build-web.sh
#   SKIP_WASM=1 scripts/build-web.sh     # reuse web/pkg
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "${SKIP_WASM:-0}" != 1 ] || [ ! -f web/pkg/regula_wasm_bg.wasm ]; then
  wasm/build.sh web/pkg
fi
node scripts/web-index.mjs "${MODELS_DIR:-models}" web/models
node scripts/build-single-file.mjs ${SINGLE_MODEL:+--model "$SINGLE_MODEL"}
