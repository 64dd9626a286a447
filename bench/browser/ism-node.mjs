// The issue-5 saturation-mutagenesis benchmark in Node (the Chromium numbers are run.mjs's ISM
// rows): full ISM of the 1,000 bp sequence with the reference CNN (infer/tests/fixtures/
// reference1000.onnx), Regula's fast exact ISM against its own naive ISM (one forward pass per
// substitution). Needs no npm packages.
//
//   node bench/browser/ism-node.mjs [PKG_DIR]     (default web/pkg; env FAST_RUNS=5, NAIVE_RUNS=1)
import { readFileSync } from "node:fs";
import { resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import os from "node:os";
import { randomDna, median, maxAbsDiff, round, SEED_1KB } from "./lib.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const pkg = resolve(process.argv[2] ?? `${root}/web/pkg`);
const wasm = await import(pathToFileURL(`${pkg}/regula_wasm.js`).href);
await wasm.default({ module_or_path: readFileSync(`${pkg}/regula_wasm_bg.wasm`) });
const fixtures = `${root}/infer/tests/fixtures`;
const fastRuns = Number(process.env.FAST_RUNS ?? 5);
const naiveRuns = Number(process.env.NAIVE_RUNS ?? 1);
const log = (s) => console.error(s);

let t = performance.now();
const p = new wasm.Predictor(readFileSync(`${fixtures}/reference1000.onnx`), readFileSync(`${fixtures}/reference1000.manifest.json`, "utf8"));
const loadMs = performance.now() - t;
const seq = randomDna(1000, SEED_1KB);
// Warm-up: builds and caches tract's plans for the window lengths and the head.
t = performance.now();
const warm = p.saturationMutagenesis(seq, { method: "fast", reverseComplement: false });
const warmMs = performance.now() - t;
log(`fast warm-up (plans built): ${warmMs.toFixed(0)} ms`);
const fastMs = [];
let fast;
for (let i = 0; i < fastRuns; i++) {
  t = performance.now();
  fast = p.saturationMutagenesis(seq, { method: "fast", chunk: 100, onProgress: () => true, reverseComplement: false });
  fastMs.push(performance.now() - t);
  log(`fast run ${i + 1}: ${fastMs.at(-1).toFixed(0)} ms`);
}
const naiveMs = [];
let naive;
for (let i = 0; i < naiveRuns; i++) {
  t = performance.now();
  naive = p.saturationMutagenesis(seq, { method: "naive", chunk: 100, reverseComplement: false });
  naiveMs.push(performance.now() - t);
  log(`naive run ${i + 1}: ${naiveMs.at(-1).toFixed(0)} ms`);
}
console.log(JSON.stringify({
  runtime: `node ${process.version}`, cpu: os.cpus()[0].model, cores: os.cpus().length, pkg,
  length: seq.length, substitutions: 3 * seq.length,
  loadMs: round(loadMs), fastWarmupMs: round(warmMs),
  fastMs: fastMs.map((x) => round(x)), fastMedianMs: round(median(fastMs)),
  naiveMs: naiveMs.map((x) => round(x)), naiveMedianMs: round(median(naiveMs)),
  speedup: round(median(naiveMs) / median(fastMs)),
  fastBasesComputed: fast.bases_computed, naiveBasesComputed: naive.bases_computed,
  maxAbsDiff: maxAbsDiff(fast.effects, naive.effects),
  warmMatchesFast: warm.effects.every((v, i) => v === fast.effects[i]),
}, null, 2));
