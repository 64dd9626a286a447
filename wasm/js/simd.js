// Which of the package's two wasm builds this engine can run. The relaxed-SIMD build
// (wasm/build.sh with RELAXED=1) is the faster; an engine without relaxed SIMD cannot compile it,
// so it is chosen only where WebAssembly.validate accepts a module that uses it.

// A minimal module whose one function uses i8x16.relaxed_swizzle (as wasm-feature-detect probes).
const RELAXED_SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15,
  1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);

/** Whether this engine compiles relaxed-SIMD instructions. */
export function relaxedSimd() {
  try {
    return WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/** The package's two wasm files. */
export const WASM_FILES = { relaxed: "regula_wasm_bg.relaxed.wasm", simd: "regula_wasm_bg.wasm" };

/** The URL of the build to load from the package at `base` (a folder URL ending in "/"): the
 * relaxed-SIMD one where the engine runs it and the package carries it, else the SIMD one. */
export async function wasmUrl(base) {
  if (relaxedSimd()) {
    const url = new URL(WASM_FILES.relaxed, base).href;
    if ((await fetch(url, { method: "HEAD" }).catch(() => null))?.ok) return url;
  }
  return new URL(WASM_FILES.simd, base).href;
}
