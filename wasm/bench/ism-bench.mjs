// Full saturation mutagenesis of a 1,000 bp sequence with the reference CNN, fast vs naive.
// Shared by the Node runner (ism-node.mjs) and the headless Chromium page (ism.html).

/** Deterministic random DNA (xorshift32). */
export function randomDna(len, seed) {
  let s = seed >>> 0 || 1;
  let out = "";
  for (let i = 0; i < len; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out += "ACGT"[s & 3];
  }
  return out;
}

/**
 * @param {object} wasm   the initialised regula_wasm module
 * @param {Uint8Array} onnx
 * @param {string} manifest
 * @param {{fastRuns?: number, naiveRuns?: number, log?: (s: string) => void}} opts
 */
export function runBench(wasm, onnx, manifest, opts = {}) {
  const log = opts.log ?? (() => {});
  const fastRuns = opts.fastRuns ?? 5;
  const naiveRuns = opts.naiveRuns ?? 1;
  const t0 = performance.now();
  const p = new wasm.Predictor(onnx, manifest);
  const loadMs = performance.now() - t0;
  const seq = randomDna(1000, 20261121);
  // Warm-up: builds and caches tract's plans for the window lengths and the head.
  let t = performance.now();
  const warm = p.saturationMutagenesis(seq, { method: "fast" });
  const warmMs = performance.now() - t;
  log(`fast warm-up (plans built): ${warmMs.toFixed(0)} ms`);
  const fastMs = [];
  let fast;
  for (let i = 0; i < fastRuns; i++) {
    t = performance.now();
    fast = p.saturationMutagenesis(seq, { method: "fast", chunk: 100, onProgress: () => true });
    fastMs.push(performance.now() - t);
    log(`fast run ${i + 1}: ${fastMs.at(-1).toFixed(0)} ms`);
  }
  const naiveMs = [];
  let naive;
  for (let i = 0; i < naiveRuns; i++) {
    t = performance.now();
    naive = p.saturationMutagenesis(seq, { method: "naive", chunk: 100 });
    naiveMs.push(performance.now() - t);
    log(`naive run ${i + 1}: ${naiveMs.at(-1).toFixed(0)} ms`);
  }
  let maxDiff = 0;
  for (let i = 0; i < fast.effects.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fast.effects[i] - naive.effects[i]));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    length: seq.length,
    substitutions: 3 * seq.length,
    loadMs: +loadMs.toFixed(1),
    fastWarmupMs: +warmMs.toFixed(1),
    fastMs: fastMs.map((x) => +x.toFixed(1)),
    fastMedianMs: +median(fastMs).toFixed(1),
    naiveMs: naiveMs.map((x) => +x.toFixed(1)),
    naiveMedianMs: +median(naiveMs).toFixed(1),
    speedup: +(median(naiveMs) / median(fastMs)).toFixed(1),
    fastBasesComputed: fast.bases_computed,
    naiveBasesComputed: naive.bases_computed,
    maxAbsDiff: maxDiff,
    warmMatchesFast: warm.effects.every((v, i) => v === fast.effects[i]),
  };
}
