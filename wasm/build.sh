#!/usr/bin/env bash
# Builds the regula-wasm ES module package (wasm-bindgen --target web: works in browsers, Web
# Workers, bundlers and Node >= 18 via init({module_or_path: bytes})), with SIMD (+simd128) by
# default, writes an npm package.json beside it and prints the raw and gzipped sizes.
#
#   wasm/build.sh [OUT_DIR]          # default web/pkg; SIMD=0 for a build without simd128
#
# The SIMD build has its own target dir (target/wasm-simd) so changing RUSTFLAGS does not
# rebuild the other targets; WASM_TARGET_DIR overrides it. The size settings (opt-level "z" for
# the dependencies that are not hot) are in the root Cargo.toml's profile wasm-release.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/web/pkg}
if [ "${SIMD:-1}" = 1 ]; then
  export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128"
  target_dir=${WASM_TARGET_DIR:-$root/target/wasm-simd}
else
  target_dir=${WASM_TARGET_DIR:-$root/target}
fi
cd "$root"
cargo build -p regula-wasm --target wasm32-unknown-unknown --profile wasm-release --target-dir "$target_dir"
wasm-bindgen --target web ${KEEP_NAMES:+--keep-debug} $([ -n "${KEEP_NAMES:-}" ] || echo --remove-name-section) --out-dir "$out" "$target_dir/wasm32-unknown-unknown/wasm-release/regula_wasm.wasm"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
cat > "$out/package.json" <<JSON
{
  "name": "regula-wasm",
  "version": "$version",
  "description": "Regula's private in-browser predictor: DNA sequence to expression models (ONNX) run with tract in WebAssembly; saturation mutagenesis, variant effects, attributions, motif highlights. No network I/O.",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "regula_wasm.js",
  "module": "regula_wasm.js",
  "types": "regula_wasm.d.ts",
  "files": ["regula_wasm.js", "regula_wasm.d.ts", "regula_wasm_bg.wasm", "regula_wasm_bg.wasm.d.ts"],
  "sideEffects": ["./snippets/*"],
  "keywords": ["genomics", "dna", "onnx", "webassembly", "saturation-mutagenesis"]
}
JSON
cp wasm/README.md "$out/README.md"
raw=$(stat -c %s "$out/regula_wasm_bg.wasm")
gz=$(gzip -9 -c "$out/regula_wasm_bg.wasm" | wc -c)
echo "regula_wasm_bg.wasm: $raw bytes raw, $gz bytes gzip -9 (SIMD=${SIMD:-1})"
