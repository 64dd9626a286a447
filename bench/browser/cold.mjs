// Cold start, the minimal way: import the package, compile and instantiate the wasm (streaming),
// fetch one model, load it, predict one sequence. Times are ms since navigation start.
import init, { Predictor } from "/pkg/regula_wasm.js";
import { randomDna, graphLength } from "/bench/lib.mjs";
const id = new URLSearchParams(location.search).get("model");
try {
  const t = { imported: performance.now() };
  await init({ module_or_path: "/pkg/regula_wasm_bg.wasm" });
  t.wasmReady = performance.now();
  const manifestText = await (await fetch(`/models/${id}/manifest.json`)).text();
  const manifest = JSON.parse(manifestText);
  const onnx = new Uint8Array(await (await fetch(`/models/${id}/${manifest.model_file ?? "model.onnx"}`)).arrayBuffer());
  t.fetched = performance.now();
  const p = new Predictor(onnx, manifestText);
  t.modelLoaded = performance.now();
  const r = p.predict([randomDna(graphLength(manifest), 1)]);
  t.firstPrediction = performance.now();
  window.coldResult = { ...t, value: r[0].values[0] };
} catch (e) {
  window.coldResult = { error: String(e?.stack ?? e) };
}
