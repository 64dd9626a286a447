#!/usr/bin/env bash
# tract-linalg's own tests of its wasm f32 GEMM kernels and of their dispatch, on the patched
# copy in vendor/tract-linalg (whose patch adds the 4x8 kernel the wasm package runs and makes
# dispatch pick it): built for wasm32-wasip1 with SIMD, then with relaxed SIMD, and run in Node's
# WASI (vendor/wasi-run.mjs). Every kernel gets tract's generated suite (packed and strided
# products against a reference, each fused op, stores); the dispatch tests check which kernel
# serves which shape; the patch's own max-pool kernel (src/wasm/max_pool.rs) is checked against
# tract-core's scalar fold. The vendored copy has no test targets or dev-dependencies, so they come
# from the checked crates.io release (vendor/update.sh --released). Target dir:
# target/wasm-kernel-tests.
#
#   vendor/test-wasm-kernels.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rustup target list --installed | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/vendor/update.sh" --released tract-linalg "$work"
released=$(echo "$work"/tract-linalg-*)
crate="$work/crate"
cp -r "$root/vendor/tract-linalg" "$crate"
cp -r "$released/Cargo.toml" "$released/Cargo.lock" "$released/benches" "$released/tests" "$crate/"
echo '[workspace]' >> "$crate/Cargo.toml" # not a member of Regula's workspace
for features in +simd128 +simd128,+relaxed-simd; do
  echo "tract-linalg wasm kernels, $features:"
  flag=""
  [ "$features" = +simd128 ] || flag=--experimental-wasm-relaxed-simd # Node 20 runs relaxed SIMD behind a flag
  (cd "$crate" && RUSTFLAGS="-C target-feature=$features" CARGO_TARGET_WASM32_WASIP1_RUNNER="node $flag --no-warnings $root/vendor/wasi-run.mjs" \
    cargo test --quiet --release --locked --target wasm32-wasip1 --target-dir "$root/target/wasm-kernel-tests" --lib -- \
    wasm::mmm_f32_gemm wasm::dispatch_tests wasm::max_pool)
done
