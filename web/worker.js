// Regula's compute worker (a module Web Worker; the page keeps a pool of them). It loads the
// wasm package and one model from bytes the page posts, and runs predictions, saturation
// mutagenesis (chunked, with progress and cancel), variant scoring, attributions and motif
// scans. It makes no network request: the page hands it everything.
//
// A sequence is a string, or {name, promoter, distal} for a two-segment model.
// Page -> worker: {id, type, ...}; worker -> page: {id, type: "progress" | "result" | "error"}.
// The same handler also runs on the page's own thread when workers are unavailable (see app.js).

export function createHandler(post) {
  let wasm = null;
  let predictor = null;
  let motifs = null;
  let motifBytes = null;
  const cancelled = new Set();
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

  async function handle(msg) {
    const { id, type } = msg;
    if (type === "cancel") {
      cancelled.add(msg.target);
      return;
    }
    try {
      let result;
      let transfer = [];
      switch (type) {
        case "init": {
          if (!wasm) {
            // the single-file build's classic worker carries the package in itself
            wasm = globalThis.__regulaPkg ?? (await import(msg.pkgUrl));
            await wasm.default({ module_or_path: msg.wasmModule });
          }
          result = { version: wasm.version() };
          break;
        }
        case "model": {
          predictor?.free();
          predictor = null;
          predictor = new wasm.Predictor(msg.onnx, msg.manifest, msg.attribution ?? undefined);
          result = {
            length: predictor.length,
            targets: predictor.targets,
            hasAttributionGraph: predictor.hasAttributionGraph,
            fastMutagenesisUnavailable: predictor.fastMutagenesisUnavailable ?? null,
            segments: predictor.segments, // [{name, length, offset}]: two for a promoter + distal model
          };
          break;
        }
        case "motifs": {
          motifBytes = msg.bytes;
          motifs?.free();
          motifs = null;
          result = { ok: true };
          break;
        }
        case "check":
          result = wasm.checkSequences(msg.text);
          break;
        case "predict": {
          const items = msg.sequences;
          const out = [];
          for (let i = 0; i < items.length; i += 16) {
            if (cancelled.has(id)) throw new Error("cancelled");
            out.push(...predictor.predict(items.slice(i, i + 16), msg.options ?? {}));
            post({ id, type: "progress", done: Math.min(i + 16, items.length), total: items.length });
            await tick();
          }
          result = out;
          break;
        }
        case "ism": {
          const job = predictor.startMutagenesis(msg.sequence, msg.options ?? {});
          const chunk = msg.chunk ?? 25;
          for (;;) {
            const done = job.step(chunk);
            post({ id, type: "progress", done: job.done, total: job.total });
            if (done) break;
            await tick();
            if (cancelled.has(id)) {
              job.free();
              throw new Error("cancelled");
            }
          }
          result = job.finish();
          transfer = [result.effects.buffer, result.importance.buffer];
          break;
        }
        case "variants":
          result = predictor.scoreVariants(msg.sequence, msg.variants, msg.options ?? {});
          break;
        case "attribution": {
          const a = predictor.gradientTimesInput(msg.sequence, msg.options ?? {});
          result = { perPosition: a.perPosition, perChannel: a.perChannel, bases: a.bases, window_start: a.window_start, shape: a.shape, method: a.method, segments: a.segments };
          break;
        }
        case "highlights": {
          if (!motifs) motifs = new wasm.MotifSet(motifBytes);
          result = motifs.highlights(msg.bases, msg.pThreshold ?? 1e-4, msg.attribution ?? undefined);
          break;
        }
        case "filters": {
          if (motifBytes) {
            if (!motifs) motifs = new wasm.MotifSet(motifBytes);
            result = predictor.filterMotifs(motifs, 3);
          } else {
            result = predictor.filterPwms();
          }
          break;
        }
        default:
          throw new Error(`unknown request ${type}`);
      }
      post({ id, type: "result", result }, transfer);
    } catch (e) {
      const message = e?.message ?? String(e);
      post({ id, type: message === "cancelled" ? "cancelled" : "error", message });
    } finally {
      cancelled.delete(id);
    }
  }
  return handle;
}

if (typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope) {
  const handle = createHandler((m, t) => postMessage(m, t));
  // Requests run one at a time, except "cancel", which must get in between chunks.
  let queue = Promise.resolve();
  onmessage = (event) => {
    const msg = event.data;
    if (msg.type === "cancel") handle(msg);
    else queue = queue.then(() => handle(msg));
  };
}
