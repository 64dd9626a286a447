// What two workers can do for one scan on this machine, with no app around them: the web app's
// split (`part: [i, 2]`, each worker half of the substitutions: a strand each where the model
// averages both, else half of the positions; then one merges) run by two bare module workers
// (wasm/js/ism-worker.js), against the whole scan in one of them. The app's own speed-up (part
// "pool", app-scan.mjs) is measured against this: what the app loses is the page's, what this
// loses is the machine's (two cores shared with the browser, each worker's own reference pass
// and self-checks). Fast scans, the same sequence as parts "ism" and "pool".
import { median, randomDna, round } from "/bench/lib.mjs";
import { wasmUrl } from "/js/simd.js";

function worker() {
  const w = new Worker("/js/ism-worker.js", { type: "module" });
  const waiting = [];
  w.onmessage = (e) => {
    if (e.data.type === "progress") return;
    waiting.shift()?.(e.data);
  };
  const ask = (msg) => new Promise((resolve) => { waiting.push(resolve); w.postMessage(msg); });
  return { ask, terminate: () => w.terminate() };
}

async function scan(w, sequence, part) {
  const t = performance.now();
  // stepped as the app steps (the job's stepPositions): one step of the whole scan kept every
  // substitution's changed spans at once and ran 1.27x slower than the app's own worker
  const m = await w.ask({ type: "ism", sequence, options: { method: "fast", ...(part ? { part } : {}) } });
  if (m.type !== "result") throw new Error(m.message ?? m.type);
  return { ms: performance.now() - t, method: m.result.method, fastPath: m.result.fast_path, result: m.result };
}

// The parts' raw outputs merged into the scan's result in one worker, as the app does.
async function merge(w, sequence, parts) {
  const m = await w.ask({ type: "merge", sequence, options: { method: "fast" }, parts: parts.map((p) => p.result) });
  if (m.type !== "result") throw new Error(m.message ?? m.type);
  return m.result;
}

/** One worker's whole scan and two workers' halves at once, `runs` times each (after a warm-up
 * of each), interleaved. */
export async function poolCeiling(id, length, runs) {
  const [onnx, manifest] = await Promise.all([
    fetch(`/models/${id}/model.onnx`).then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b)),
    fetch(`/models/${id}/manifest.json`).then((r) => r.text()),
  ]);
  const workers = [worker(), worker()];
  try {
    const pkg = new URL("/pkg/regula_wasm.js", location.href).href;
    // the build the app would run (page.mjs's choice)
    const wasm = await wasmUrl(new URL("/pkg/", location.href));
    for (const w of workers) {
      const m = await w.ask({ type: "load", pkg, wasm, onnx, manifest });
      if (m.type !== "loaded") throw new Error(m.message ?? m.type);
    }
    const sequence = randomDna(length, 7000 + length);
    const whole = [], split = [], halves = [];
    let method;
    for (let i = 0; i <= runs; i++) {
      const one = await scan(workers[0], sequence);
      method = `${one.method}${one.fastPath ? ` (${one.fastPath})` : ""}`;
      const t = performance.now();
      const both = await Promise.all(workers.map((w, k) => scan(w, sequence, [k, 2])));
      await merge(workers[0], sequence, both);
      const wall = performance.now() - t;
      if (i === 0) continue; // warm-up: plans, the engine's tiers
      whole.push(one.ms);
      split.push(wall);
      halves.push(...both.map((b) => b.ms));
    }
    // one half alone, for the cost of running two at once
    const alone = [];
    for (let i = 0; i < runs; i++) alone.push((await scan(workers[0], sequence, [0, 2])).ms);
    const r = (x) => round(x, 1);
    return {
      model: id, length, method,
      wholeMs: whole.map(r), splitMs: split.map(r), halfAloneMs: alone.map(r), halfTogetherMs: halves.map(r),
      speedup: round(median(whole) / median(split), 2), stepping: "the job's stepPositions",
    };
  } finally {
    workers.forEach((w) => w.terminate());
  }
}

// A worker that spins a pure integer loop (registers only: no memory traffic, no wasm, no
// allocation) for `n` steps and says how long it took.
// (`n` read once: `e.data` is a getter into the browser, which in the loop's test took 13x the loop.)
const SPIN = "onmessage = (e) => { const n = e.data, t = performance.now(); let x = 1; for (let i = 0; i < n; i++) x = (Math.imul(x, 1103515245) + 12345) | 0; postMessage({ ms: performance.now() - t, x }); };";

/** What this machine gives any two threads beside the browser: two workers spinning the same
 * loop at once against one alone, `runs` times each, interleaved (after a warm-up that sizes the
 * loop to about 300 ms). Two independent loops share nothing, so anything under 2× is the
 * machine's (other tenants, clocks, the browser's own threads), not the app's. */
export async function machineCeiling(runs) {
  const url = URL.createObjectURL(new Blob([SPIN], { type: "text/javascript" }));
  const workers = [new Worker(url), new Worker(url)];
  const spin = (w, n) => new Promise((resolve) => { w.onmessage = (e) => resolve(e.data.ms); w.postMessage(n); });
  try {
    let n = 1e8;
    n = Math.round((n * 300) / (await spin(workers[0], n)));
    await Promise.all(workers.map((w) => spin(w, n)));
    const alone = [], together = [];
    for (let i = 0; i < runs; i++) {
      alone.push(await spin(workers[i % 2], n));
      const t = performance.now();
      await Promise.all(workers.map((w) => spin(w, n)));
      together.push(performance.now() - t);
    }
    const r = (x) => round(x, 1);
    return { steps: n, aloneMs: alone.map(r), togetherMs: together.map(r), speedup: round((2 * median(alone)) / median(together), 2) };
  } finally {
    workers.forEach((w) => w.terminate());
    URL.revokeObjectURL(url);
  }
}

// run.mjs calls window.poolCeiling(modelId, length, runs) and window.machineCeiling(runs)
if (typeof window !== "undefined") {
  window.poolCeiling = poolCeiling;
  window.machineCeiling = machineCeiling;
  window.poolCeilingReady = true;
}
