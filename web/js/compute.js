// The compute handler: what a worker of the pool does with each request. It loads the wasm
// module (compiled once by the page) and one model from bytes the page posts, and runs
// predictions and saturation mutagenesis (both chunked, with progress and cancel: pkg/jobs.js),
// variant scoring, attributions, motif scans and filter logos. It makes no network request:
// the page hands it everything.
//
// A sequence is a string, or {name, promoter, distal} for a two-segment model.
// Page -> worker: {id, type, ...}; worker -> page: {id, type: "progress" | "result" | "error" | "cancelled"}.
// worker.js runs it in a Web Worker; when workers are unavailable the pool runs it on the page.
import * as wasm from "../pkg/regula_wasm.js";
import { listJob, runJob } from "../pkg/jobs.js";

export function createHandler(post) {
  let ready = false;
  let predictor = null;
  let motifs = null;
  let motifBytes = null;
  const cancelled = new Set();

  async function handle(msg) {
    const { id, type } = msg;
    if (type === "cancel") {
      cancelled.add(msg.target);
      return;
    }
    // the loop of a chunked request: progress after each chunk, a cancel gets in between chunks
    const run = (job, chunk) => runJob(job, {
      chunk, onProgress: (done, total) => post({ id, type: "progress", done, total }), cancelled: () => cancelled.has(id),
    });
    try {
      let result;
      let transfer = [];
      switch (type) {
        case "init": {
          if (!ready) {
            await wasm.default({ module_or_path: msg.wasmModule });
            ready = true;
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
        case "predict":
          result = await run(listJob(msg.sequences, (items) => predictor.predict(items, msg.options ?? {})), 16);
          break;
        case "ism": {
          result = await run(predictor.startMutagenesis(msg.sequence, msg.options ?? {}), msg.chunk ?? 25);
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
      post(e?.cancelled ? { id, type: "cancelled" } : { id, type: "error", message: e?.message ?? String(e) });
    } finally {
      cancelled.delete(id);
    }
  }
  return handle;
}
