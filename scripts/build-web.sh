#!/usr/bin/env bash
# Builds the static web app in web/: the wasm package (wasm/build.sh, SIMD and relaxed SIMD, into
# web/pkg, plus wasm/js/jobs.js, the chunked-job loop the workers share, and wasm/js/simd.js, which
# picks the build), the model index and copies of the shipped models (web/models/), and the
# single-file build (web/dist/regula.html, bundled with esbuild, which `npm ci` installs into
# scripts/node_modules the first time). All outputs are gitignored. The served app needs no
# bundling: the browser loads web/js/*.js as ES modules.
#
#   scripts/build-web.sh                 # models from models/
#   MODELS_DIR=/tmp/m scripts/build-web.sh
#   SKIP_WASM=1 scripts/build-web.sh     # reuse web/pkg
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "${SKIP_WASM:-0}" != 1 ] || [ ! -f web/pkg/regula_wasm_bg.wasm ]; then
  RELAXED=1 wasm/build.sh web/pkg
fi
cp wasm/js/jobs.js web/pkg/jobs.js
cp wasm/js/simd.js web/pkg/simd.js
if [ ! -f scripts/node_modules/esbuild/package.json ] \
  || [ "$(node -p 'require("./scripts/node_modules/esbuild/package.json").version')" != "$(node -p 'require("./scripts/package.json").devDependencies.esbuild')" ]; then
  (cd scripts && npm ci --no-audit --no-fund --loglevel=error)
fi
node scripts/web-index.mjs "${MODELS_DIR:-models}" web/models
node scripts/build-single-file.mjs ${SINGLE_MODEL:+--model "$SINGLE_MODEL"}
