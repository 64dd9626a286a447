// A module Web Worker running saturation mutagenesis off the page's main thread, with progress
// and cancellation between chunks (the loop is jobs.js's, shared with the web app's worker).
// Nothing leaves the tab: the page posts the model bytes.
//
//   const worker = new Worker(new URL("ism-worker.js", import.meta.url), { type: "module" });
//   worker.postMessage({ type: "load", pkg: new URL("pkg/regula_wasm.js", location.href).href,
//                        onnx, manifest, attribution });          // -> {type: "loaded", length, targets}
//   worker.postMessage({ type: "ism", sequence, options: { method: "fast" } });   // chunk: positions per step (default the job's stepPositions)
//   // -> {type: "progress", done, total} ... then {type: "result", result} (effects transferred)
//   worker.postMessage({ type: "cancel" });                       // -> {type: "cancelled"}
//   // a scan shared by n workers: {type: "ism", options: {part: [i, n]}} in each gives a part;
//   worker.postMessage({ type: "merge", sequence, options, parts }); // -> {type: "result", result}
// Errors come back as {type: "error", message}.
import { runJob } from "./jobs.js";

let wasm;
let predictor;
let running = null;

async function mutagenesis(msg) {
  const job = predictor.startMutagenesis(msg.sequence, msg.options ?? {});
  const token = {};
  running = token;
  try {
    const result = await runJob(job, {
      chunk: msg.chunk, // by default the job's stepPositions
      onProgress: (done, total) => postMessage({ type: "progress", done, total }),
      cancelled: () => token.cancelled,
    });
    // a part of a shared scan (options.part) gives raw outputs for "merge"
    postMessage({ type: "result", result }, result.effects ? [result.effects.buffer, result.importance.buffer] : []);
  } catch (e) {
    if (!e.cancelled) throw e;
    postMessage({ type: "cancelled" });
  } finally {
    if (running === token) running = null;
  }
}

onmessage = async (event) => {
  const msg = event.data;
  try {
    if (msg.type === "load") {
      wasm = await import(msg.pkg);
      await wasm.default(msg.wasm ? { module_or_path: msg.wasm } : undefined);
      predictor?.free();
      predictor = new wasm.Predictor(msg.onnx, msg.manifest, msg.attribution);
      postMessage({ type: "loaded", length: predictor.length, targets: predictor.targets });
    } else if (msg.type === "ism") {
      await mutagenesis(msg);
    } else if (msg.type === "merge") {
      const result = predictor.mergeMutagenesis(msg.sequence, msg.parts, msg.options ?? {});
      postMessage({ type: "result", result }, [result.effects.buffer, result.importance.buffer]);
    } else if (msg.type === "cancel") {
      if (running) running.cancelled = true;
    }
  } catch (e) {
    postMessage({ type: "error", message: e?.message ?? String(e) });
  }
};
