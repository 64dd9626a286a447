// Runs wasm/js/ism-worker.js: one full fast ISM with progress, then one cancelled after the
// first progress message. Result in window.workerResult.
const worker = new Worker("/js/ism-worker.js", { type: "module" });
const next = () => new Promise((resolve) => worker.addEventListener("message", (e) => resolve(e.data), { once: true }));
const seq = "AGGACCGGATCAACTTGTTTCTTAGGAAAGGCGGCCAACCCAGGGTCTCCAGTGACACGTTTCCGGGTCATCATCCGGTGGCCACAGGGAATCACAGGCTCGGTGTGACTTTCTCAGAGCGCCATGGTAGCTCTTCCTGTGCGTGCGGGCCTCTCCTCCCGCCTGCCGACGCCCGGGTGGCCCCGCCCCAGAGCCTCCTGCCCGCAGCCTCGTCATTGCGTGAACCGA".slice(0, 230);
try {
  const onnx = new Uint8Array(await (await fetch("/fixtures/mpra3.onnx")).arrayBuffer());
  const manifest = await (await fetch("/fixtures/mpra3.manifest.json")).text();
  worker.postMessage({ type: "load", pkg: new URL("/pkg/regula_wasm.js", location.href).href, onnx, manifest });
  const loaded = await next();
  worker.postMessage({ type: "ism", sequence: seq, chunk: 40 });
  const progress = [];
  let m;
  while ((m = await next()).type === "progress") progress.push(m.done);
  const result = m;
  worker.postMessage({ type: "ism", sequence: seq, chunk: 10 });
  const first = await next();
  worker.postMessage({ type: "cancel" });
  let last;
  while ((last = await next()).type === "progress");
  window.workerResult = {
    loaded, progress, resultType: result.type, effects: result.result?.effects?.length,
    method: result.result?.method, firstAfterStart: first.type, afterCancel: last.type,
  };
} catch (e) {
  window.workerResult = { error: String(e?.stack ?? e) };
}
