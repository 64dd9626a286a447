#!/usr/bin/env bash
# Builds the regula-wasm npm package with wasm-pack: `wasm-pack build --target web`, an ES module
# that works in browsers, Web Workers, bundlers and Node >= 18 (init({module_or_path: bytes})),
# with SIMD (+simd128) by default. package.json (name, version, description, licence, repository,
# keywords) comes from wasm/Cargo.toml, the TypeScript types (regula_wasm.d.ts) from the
# #[wasm_bindgen] API, the package's README from wasm/README.md. `--mode no-install` runs the
# wasm-bindgen on PATH (it must be the Cargo.lock version: `just wasm-bindgen-cli`) and downloads
# nothing; `wasm-opt = false` in wasm/Cargo.toml keeps wasm-pack from fetching binaryen (wasm-opt
# made the package larger after gzip, see the root Cargo.toml). wasm-pack leaves the name section
# (function names, about 2 MB), which scripts/strip-wasm-names.mjs removes unless KEEP_NAMES=1
# (for profiling). Prints the raw and gzipped sizes.
#
#   wasm/build.sh [OUT_DIR]              # default web/pkg
#   PROFILE=release wasm/build.sh DIR    # another cargo profile (default wasm-release, the size-tuned
#                                        # one in the root Cargo.toml, which the web app ships)
#   SIMD=0 wasm/build.sh DIR             # without simd128
#   RELAXED=1 wasm/build.sh DIR          # also a relaxed-SIMD build of the same crate, beside the
#                                        # other as DIR/regula_wasm_bg.relaxed.wasm (the web app's)
#
# The relaxed-SIMD build (+simd128,+relaxed-simd) lets tract's kernels use fused multiply-adds
# (f32x4.relaxed_madd), about 1.05-1.1x the inference speed of the SIMD build in Chromium with the 4x8 GEMM
# tile of vendor/tract-linalg (1.2x with tract's 8x8); engines
# without relaxed SIMD (Safari, older browsers, Node 20 without a flag) cannot compile it, so it is
# an extra file that a page loads only where WebAssembly.validate accepts it (wasm/js/simd.js). Both
# builds export the same functions, so they share one JS glue: checked here, byte for byte.
#
# The SIMD build has its own target dir (target/wasm-simd) so changing RUSTFLAGS does not
# rebuild the other targets; WASM_TARGET_DIR overrides it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/web/pkg}
case $out in /*) ;; *) out=$PWD/$out ;; esac
profile=${PROFILE:-wasm-release}
if [ "${SIMD:-1}" = 1 ]; then
  export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128"
  target_dir=${WASM_TARGET_DIR:-$root/target/wasm-simd}
else
  target_dir=${WASM_TARGET_DIR:-$root/target}
fi
case $target_dir in /*) ;; *) target_dir=$PWD/$target_dir ;; esac
if ! command -v wasm-pack >/dev/null; then
  echo "wasm/build.sh: wasm-pack is not installed; \`./just wasm-pack\` installs it from crates.io" >&2
  exit 1
fi
case $profile in
  release) profile_flag=(--release) ;;
  dev) profile_flag=(--dev) ;;
  *) profile_flag=(--profile "$profile") ;;
esac
cd "$root"
wasm-pack build wasm --target web --mode no-install --out-dir "$out" "${profile_flag[@]}" -- --target-dir "$target_dir"
wasm="$out/regula_wasm_bg.wasm"
[ -n "${KEEP_NAMES:-}" ] || node scripts/strip-wasm-names.mjs "$wasm"
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
echo "regula_wasm_bg.wasm: $raw bytes raw, $gz bytes gzip -9 (profile $profile, SIMD=${SIMD:-1})"
if [ "${RELAXED:-0}" = 1 ]; then
  relaxed_out=$(mktemp -d "${TMPDIR:-/tmp}/regula-relaxed-XXXX")
  trap 'rm -rf "$relaxed_out"' EXIT
  RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128,+relaxed-simd" \
    wasm-pack build wasm --target web --mode no-install --out-dir "$relaxed_out" "${profile_flag[@]}" \
    -- --target-dir "${WASM_RELAXED_TARGET_DIR:-$root/target/wasm-relaxed}"
  if ! cmp -s "$relaxed_out/regula_wasm.js" "$out/regula_wasm.js"; then
    echo "wasm/build.sh: the relaxed-SIMD build's JS glue differs from the SIMD build's; they cannot share it" >&2
    exit 1
  fi
  relaxed="$out/regula_wasm_bg.relaxed.wasm"
  mv "$relaxed_out/regula_wasm_bg.wasm" "$relaxed"
  [ -n "${KEEP_NAMES:-}" ] || node scripts/strip-wasm-names.mjs "$relaxed"
  echo "regula_wasm_bg.relaxed.wasm: $(stat -c %s "$relaxed") bytes raw, $(gzip -9 -c "$relaxed" | wc -c) bytes gzip -9"
fi
