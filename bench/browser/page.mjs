// The measurements, run in the benchmark page (bench.html) on the page's main thread; run.mjs
// calls them one at a time through page.evaluate and gets plain JSON back. Times are
// performance.now() differences in ms.
import init, * as regula from "/pkg/regula_wasm.js";
import { wasmUrl } from "/js/simd.js";
import * as ort from "/ort/ort.wasm.min.mjs";
import { randomDna, oneHotBatch, oneHotInto, graphLength, regulaItem, reportedValue, rawManifest, median, round, maxAbsDiff, SEED_1KB } from "/bench/lib.mjs";
// Regula's forward strand only, as onnxruntime-web runs the model: the same work on both sides
// (the app and the models' defaults average both strands, twice the forward passes).
const ONE_STRAND = { reverseComplement: false };

// onnxruntime-web: wasm execution provider, one thread (tract-wasm is single-threaded), its
// SIMD build (the only one onnxruntime-web ships), .wasm and glue served from /ort/.
ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.wasm.wasmPaths = "/ort/";
ort.env.logLevel = "error";

const now = () => performance.now();
const bytes = async (url) => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
};
const text = async (url) => new TextDecoder().decode(await bytes(url));
const errorText = (e) => String(e?.message ?? e);

/** A model as the page sees it: `{id, manifestText, manifest, onnx, attribution}`; `dir` is a URL
 * prefix holding manifest.json, model.onnx (or the manifest's model_file) and the attribution graph. */
async function loadModel(id, manifestUrl) {
  const manifestText = await text(manifestUrl);
  const manifest = JSON.parse(manifestText);
  const base = manifestUrl.slice(0, manifestUrl.lastIndexOf("/") + 1);
  const onnx = await bytes(base + (manifest.model_file ?? "model.onnx"));
  const attrFile = manifest.graphs?.attribution?.file;
  const attribution = attrFile ? await bytes(base + attrFile) : undefined;
  return { id, manifestText, manifest, onnx, attribution, length: graphLength(manifest) };
}
const modelUrl = (id) => (id === "reference1000" ? "/fixtures/reference1000.manifest.json" : `/models/${id}/manifest.json`);

async function ortSession(onnx) {
  return ort.InferenceSession.create(onnx, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
}

/** Runs `session` on `[n, 4, l]` in batches of `batch`; returns the output `name` as one Float32Array. */
async function ortForward(session, x, n, l, batch, name) {
  const out = [];
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const t = new ort.Tensor("float32", x.subarray(s * 4 * l, (s + m) * 4 * l), [m, 4, l]);
    const r = await session.run({ [session.inputNames[0]]: t });
    out.push(r[name].data);
    for (const v of Object.values(r)) v.dispose?.();
  }
  const all = new Float32Array(out.reduce((a, o) => a + o.length, 0));
  let o = 0;
  for (const a of out) { all.set(a, o); o += a.length; }
  return all;
}

let ready = null;
export function start() {
  ready ??= (async () => {
    // the build the web app runs here: the relaxed-SIMD one where the engine has it and the
    // package carries it (wasm/build.sh with RELAXED=1)
    const wasm = await wasmUrl(new URL("/pkg/", location.href));
    await init({ module_or_path: wasm });
    return { regula: regula.version(), wasm: wasm.split("/").pop(), ort: ort.env.versions?.web ?? ort.env.versions?.common ?? null, userAgent: navigator.userAgent, crossOriginIsolated: globalThis.crossOriginIsolated ?? false };
  })();
  return ready;
}

/** Item 1: sequences/s of Regula's predict vs onnxruntime-web's session.run on the same model and
 * sequences. */
export async function throughput(id, { runs = 5, seqs = 128, batch = 32, seed = 1000 } = {}) {
  const m = await loadModel(id, modelUrl(id));
  const l = m.length;
  const sequences = Array.from({ length: seqs }, (_, i) => randomDna(l, seed + i));
  const x = oneHotBatch(sequences, m.manifest.inputs[0].encoding?.n_value ?? 0.25);
  const items = sequences.map((s) => regulaItem(m.manifest, s));
  const outName = m.manifest.output.name;
  const res = { model: id, length: l, inputs: m.manifest.inputs.map((i) => ({ name: i.name, length: i.length })), sequencesPerRun: seqs, ortBatch: batch, regulaBatch: 32 };

  const session = await ortSession(m.onnx);
  res.graphInput = session.inputMetadata?.[0]?.shape ?? null;
  let ortOut;
  const ortRun = async () => { const t = now(); ortOut = await ortForward(session, x, seqs, l, batch, outName); return now() - t; };
  let predictor = null;
  try {
    predictor = new regula.Predictor(m.onnx, m.manifestText);
  } catch (e) {
    res.regulaSkipped = errorText(e);
  }
  let regOut;
  const regRun = () => {
    const t = now();
    regOut = predictor.predict(items, ONE_STRAND);
    return now() - t;
  };
  if (predictor) {
    try { regRun(); } catch (e) { res.regulaSkipped = errorText(e); predictor.free(); predictor = null; }
  }
  res.ortWarmupMs = round(await ortRun());
  const regMs = [], ortMs = [];
  for (let i = 0; i < runs; i++) { // interleaved, so load changes hit both alike
    if (predictor) regMs.push(regRun());
    ortMs.push(await ortRun());
  }
  const seqsPerS = (ms) => round((seqs / ms) * 1000, 1);
  res.ort = { runsMs: ortMs.map((v) => round(v, 2)), medianMs: round(median(ortMs), 2), seqPerS: seqsPerS(median(ortMs)) };
  if (predictor) {
    res.regula = { runsMs: regMs.map((v) => round(v, 2)), medianMs: round(median(regMs), 2), seqPerS: seqsPerS(median(regMs)) };
    res.ratio = round(median(ortMs) / median(regMs), 3);
    // Sanity: Regula's reported values vs ORT-web's raw outputs through the same manifest
    // transform, and raw vs raw (a second Predictor with the transform removed).
    const t = m.manifest.targets.length;
    const regVals = regOut.flatMap((r) => r.values);
    const ortVals = Array.from(ortOut, (z, i) => reportedValue(m.manifest, i % t, z));
    res.maxAbsDiffReported = maxAbsDiff(regVals, ortVals);
    try {
      const raw = new regula.Predictor(m.onnx, JSON.stringify(rawManifest(m.manifest)));
      const rawVals = raw.predict(items, ONE_STRAND).flatMap((r) => r.values);
      raw.free();
      res.maxAbsDiffRaw = maxAbsDiff(rawVals, ortOut);
    } catch (e) {
      res.maxAbsDiffRaw = null;
      res.rawCheckError = errorText(e);
    }
    predictor.free();
  }
  await session.release();
  return res;
}

/** Naive ISM with onnxruntime-web: the reference and all 3·L substitutions as one-hot inputs,
 * run in batches; effects `[T, L, 4]` (alt − ref in reported units, 0 at the reference base), the
 * layout of Regula's `effects`. */
async function ortNaiveIsm(session, m, seq, batch) {
  const l = seq.length;
  const t = m.manifest.targets.length;
  const nValue = m.manifest.inputs[0].encoding?.n_value ?? 0.25;
  const outName = m.manifest.output.name;
  const ref = new Float32Array(4 * l);
  oneHotInto(seq, ref, 0, nValue);
  const refOut = await ortForward(session, ref, 1, l, 1, outName);
  const refVal = Array.from({ length: t }, (_, k) => reportedValue(m.manifest, k, refOut[k]));
  const subs = [];
  for (let p = 0; p < l; p++) for (let b = 0; b < 4; b++) if ("ACGT"[b] !== seq[p].toUpperCase()) subs.push([p, b]);
  const effects = new Float32Array(t * l * 4);
  const x = new Float32Array(batch * 4 * l);
  let passes = 1;
  for (let s = 0; s < subs.length; s += batch) {
    const n = Math.min(batch, subs.length - s);
    for (let i = 0; i < n; i++) {
      const [p, b] = subs[s + i];
      const o = i * 4 * l;
      x.set(ref, o);
      for (let r = 0; r < 4; r++) x[o + r * l + p] = r === b ? 1 : 0;
    }
    const y = await ortForward(session, x, n, l, n, outName);
    passes += n;
    for (let i = 0; i < n; i++) {
      const [p, b] = subs[s + i];
      for (let k = 0; k < t; k++) effects[k * l * 4 + p * 4 + b] = reportedValue(m.manifest, k, y[i * t + k]) - refVal[k];
    }
  }
  return { effects, passes };
}

/** Item 2: Regula's fast exact ISM vs naive ISM with onnxruntime-web (and, optionally, Regula's own
 * naive ISM, and one fast ISM of a `tiledLength` sequence tiled) on one random sequence of
 * `length` (default: the model's). */
export async function ism(id, { runs = 5, naiveRuns = 2, regulaNaiveRuns = 0, batch = 64, length, seed, tiledLength = 0 } = {}) {
  const m = await loadModel(id, modelUrl(id));
  const l = length ?? m.length;
  const seq = randomDna(l, seed ?? (l === 1000 ? SEED_1KB : 7000 + l));
  const item = regulaItem(m.manifest, seq);
  const res = { model: id, length: l, substitutions: 3 * l, ortBatch: batch };
  let predictor;
  try {
    predictor = new regula.Predictor(m.onnx, m.manifestText);
  } catch (e) {
    return { ...res, regulaSkipped: errorText(e) };
  }
  const session = await ortSession(m.onnx);
  try {
    // Warm-up: tract plans for the window lengths; ORT's first runs.
    let t = now();
    let fast;
    try {
      fast = predictor.saturationMutagenesis(item, { method: "fast", ...ONE_STRAND });
    } catch (e) {
      return { ...res, regulaSkipped: errorText(e) };
    }
    res.fastWarmupMs = round(now() - t);
    res.method = fast.method;
    if (fast.fallback_reason) res.fallbackReason = fast.fallback_reason;
    res.fitting = fast.fitting;
    t = now();
    await ortForward(session, new Float32Array(batch * 4 * l), batch, l, batch, m.manifest.output.name);
    res.ortWarmupMs = round(now() - t);
    const fastMs = [];
    for (let i = 0; i < runs; i++) {
      t = now();
      fast = predictor.saturationMutagenesis(item, { method: "fast", ...ONE_STRAND });
      fastMs.push(now() - t);
    }
    const naiveMs = [];
    let naive;
    for (let i = 0; i < naiveRuns; i++) {
      t = now();
      naive = await ortNaiveIsm(session, m, seq, batch);
      naiveMs.push(now() - t);
    }
    res.fast = { runsMs: fastMs.map((v) => round(v)), medianMs: round(median(fastMs)), basesComputed: fast.bases_computed, passes: fast.passes };
    res.ortNaive = { runsMs: naiveMs.map((v) => round(v)), medianMs: round(median(naiveMs)), passes: naive.passes, basesComputed: naive.passes * l };
    res.speedup = round(median(naiveMs) / median(fastMs), 2);
    res.maxAbsDiff = maxAbsDiff(fast.effects, naive.effects);
    if (tiledLength && m.manifest.inputs.length === 1 && tiledLength > l) {
      // A longer sequence under tiling (windows of the model's length, stride L/2, the web app's
      // "tile" option): effects on the mean over windows at every base; one run, plans warm.
      const policy = { policy: "tile", stride: Math.floor(l / 2), padding: "n" };
      try {
        t = now();
        const r = predictor.saturationMutagenesis(randomDna(tiledLength, SEED_1KB), { method: "fast", policy, ...ONE_STRAND });
        res.tiled = { length: tiledLength, policy, ms: round(now() - t), method: r.method, fitting: r.fitting, basesComputed: r.bases_computed };
      } catch (e) {
        res.tiled = { length: tiledLength, policy, error: errorText(e) };
      }
    }
    if (regulaNaiveRuns > 0) {
      const rn = [];
      let r;
      for (let i = 0; i < regulaNaiveRuns; i++) {
        t = now();
        r = predictor.saturationMutagenesis(item, { method: "naive", chunk: 100, ...ONE_STRAND });
        rn.push(now() - t);
      }
      res.regulaNaive = { runsMs: rn.map((v) => round(v)), medianMs: round(median(rn)), speedup: round(median(rn) / median(fastMs), 2), maxAbsDiffToFast: maxAbsDiff(fast.effects, r.effects) };
    }
    return res;
  } finally {
    predictor.free();
    await session.release();
  }
}

/** Does the model take a sequence of `length` bp? The ONNX graph in onnxruntime-web (one
 * `[1, 4, length]` pass) and Regula's ISM under the manifest's default length policy (tiled: see
 * `ism`'s `tiledLength`). */
export async function lengthCheck(id, length = 1000) {
  const m = await loadModel(id, modelUrl(id));
  const res = { model: id, length, modelLength: m.length };
  const session = await ortSession(m.onnx);
  res.graphInput = session.inputMetadata?.[0]?.shape ?? null;
  try {
    await ortForward(session, oneHotBatch([randomDna(length, SEED_1KB)]), 1, length, 1, m.manifest.output.name);
    res.graphAccepts = true;
  } catch (e) {
    res.graphAccepts = false;
    res.graphError = errorText(e).split("\n")[0].slice(0, 300);
  }
  await session.release();
  try {
    const p = new regula.Predictor(m.onnx, m.manifestText);
    try {
      // starting the job fits the sequence (or refuses it); the fitting is predict's
      const seq = randomDna(length, SEED_1KB);
      const job = p.startMutagenesis(seq, { method: "fast", ...ONE_STRAND });
      res.regulaIsm = { ok: true, method: job.method, positions: job.total, fitting: p.predict([seq], ONE_STRAND)[0].fitting };
      job.free();
    } catch (e) {
      res.regulaIsm = { ok: false, error: errorText(e) };
    }
    p.free();
  } catch (e) {
    res.regulaIsm = { ok: false, error: errorText(e) };
  }
  return res;
}

/** Item 3: gradient × input through the attribution graph. */
export async function attribution(id, { runs = 5, length, seed } = {}) {
  const m = await loadModel(id, modelUrl(id));
  const l = length ?? m.length;
  const seq = randomDna(l, seed ?? (l === 1000 ? SEED_1KB : 7000 + l));
  const res = { model: id, length: l };
  if (!m.attribution) return { ...res, regulaSkipped: "the manifest names no attribution graph" };
  let p;
  try {
    p = new regula.Predictor(m.onnx, m.manifestText, m.attribution);
  } catch (e) {
    return { ...res, regulaSkipped: errorText(e) };
  }
  try {
    let t = now();
    const item = regulaItem(m.manifest, seq);
    let a = p.gradientTimesInput(item);
    res.warmupMs = round(now() - t, 2);
    const ms = [];
    for (let i = 0; i < runs; i++) {
      t = now();
      a = p.gradientTimesInput(item);
      ms.push(now() - t);
    }
    res.runsMs = ms.map((v) => round(v, 2));
    res.medianMs = round(median(ms), 2);
    res.fitting = a.fitting;
    return res;
  } catch (e) {
    return { ...res, regulaSkipped: errorText(e) };
  } finally {
    p.free();
  }
}
