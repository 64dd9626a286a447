// Helpers shared by the Node driver (run.mjs, ism-node.mjs) and the benchmark pages: runs in
// both Node and the browser (no imports).

/** Deterministic random DNA (xorshift32; the issue-5 benchmark's generator). */
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

/** The 1,000 bp sequence of the issue-5 ISM benchmark. */
export const SEED_1KB = 20261121;

const CHANNEL = { A: 0, C: 1, G: 2, T: 3, a: 0, c: 1, g: 2, t: 3 };

/** One-hot `[4, L]` (rows A, C, G, T; anything else `nValue` in every row) into `out` at `offset`. */
export function oneHotInto(seq, out, offset = 0, nValue = 0.25) {
  const l = seq.length;
  for (let i = 0; i < l; i++) {
    const c = CHANNEL[seq[i]];
    if (c === undefined) for (let r = 0; r < 4; r++) out[offset + r * l + i] = nValue;
    else out[offset + c * l + i] = 1;
  }
}

/** One-hot `[N, 4, L]` float32 of equal-length sequences. */
export function oneHotBatch(seqs, nValue = 0.25) {
  const l = seqs[0].length;
  const out = new Float32Array(seqs.length * 4 * l);
  seqs.forEach((s, i) => oneHotInto(s, out, i * 4 * l, nValue));
  return out;
}

/** The graph's sequence length: the sum of the manifest's input lengths (a dual-branch model's
 * two segments are concatenated into one `[N, 4, L1 + L2]` input). */
export const graphLength = (manifest) => manifest.inputs.reduce((a, i) => a + i.length, 0);

/** What Regula's API takes for one model input: the sequence itself, or for a model of several
 * inputs (a dual-branch model) an array of one sequence per input, cut from `seq` in order. */
export function regulaItem(manifest, seq) {
  if (manifest.inputs.length === 1) return seq;
  let o = 0;
  return manifest.inputs.map((i) => seq.slice(o, (o += i.length)));
}

/** Raw output -> reported value, as `Manifest::reported_value` (core/src/manifest.rs): a
 * classifier's logit through the sigmoid, a regression output with its normalisation undone. */
export function reportedValue(manifest, k, z) {
  if (manifest.output.kind === "classification") return 1 / (1 + Math.exp(-z));
  const n = manifest.targets[k].normalisation ?? {};
  let y = n.standardise ? z * n.standardise.std + n.standardise.mean : z;
  if (n.log) y = n.log.base ** y - n.log.pseudocount;
  return y;
}

/** The same manifest with the output transform removed (regression, no normalisation), so a
 * predictor built from it reports the raw graph outputs. */
export function rawManifest(manifest) {
  const m = structuredClone(manifest);
  m.output.kind = "regression";
  for (const t of m.targets) t.normalisation = {};
  m.metrics = {};
  return m;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? null : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export const round = (x, d = 1) => (x === null || x === undefined ? x : Number(x.toFixed(d)));

export function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
