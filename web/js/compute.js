// The compute handler: what a worker of the pool does with each request. It loads the wasm
// module (compiled once by the page) and one model from bytes the page posts, and runs
// predictions and saturation mutagenesis (both chunked, with progress and cancel: pkg/jobs.js),
// variant scoring (in a sequence, or on a genome: chunks of a VCF), attributions, attention maps,
// motif scans and filter logos. It makes no network request:
// the page hands it everything.
//
// A sequence is a string, or {name, promoter, distal} for a two-segment model.
// Page -> worker: {id, type, ...}; worker -> page: {id, type: "progress" | "result" | "error" | "cancelled"}.
// worker.js runs it in a Web Worker; when workers are unavailable the pool runs it on the page.
import * as wasm from "../pkg/regula_wasm.js";
import { listJob, runJob, tick } from "../pkg/jobs.js";

// Adds `recordsBefore` and `linesBefore` to the record and line a located error of a piece of a
// larger text names, and `charsBefore` to its offsets, so that it locates the letter in the whole.
function shiftLocation(e, recordsBefore, linesBefore, charsBefore) {
  const loc = e.location;
  if (!loc) return e;
  const shifted = { ...loc };
  if (loc.record !== undefined) shifted.record = loc.record + recordsBefore;
  if (loc.line !== undefined) shifted.line = loc.line + linesBefore;
  if (loc.offset !== undefined) { shifted.offset = loc.offset + charsBefore; shifted.end = loc.end + charsBefore; }
  shifted.message = loc.message
    .replace(/^record (\d+)/, (_, n) => `record ${Number(n) + recordsBefore}`)
    .replace(/\(line (\d+)\)|^line (\d+)/, (m, a, b) => (a ? `(line ${Number(a) + linesBefore})` : `line ${Number(b) + linesBefore}`));
  return Object.assign(new Error(shifted.message), { location: shifted });
}

export function createHandler(post) {
  let ready = false;
  let predictor = null;
  let motifs = null;
  let motifBytes = null;
  let genome = null; // {id, index}: the reference index of the genome-variants run in progress
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
            attentionUnavailable: predictor.attentionUnavailable ?? null, // why there is no attention map, or null
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
        case "predict": {
          // every item on its own: one that cannot be predicted gets its error, the others their values
          const one = (item) => { try { return predictor.predict([item], msg.options ?? {})[0]; } catch (e) { return { error: e?.message ?? String(e) }; } };
          const work = (items) => { try { return predictor.predict(items, msg.options ?? {}); } catch { return items.map(one); } };
          result = await run(listJob(msg.sequences, work), msg.chunk ?? 16);
          break;
        }
        case "check": {
          // a large text, checked in pieces of whole records (about 1 MB each) with progress
          const text = msg.text;
          const fasta = text.trimStart().startsWith(">");
          const records = [];
          let a = 0, lines = 0;
          while (a < text.length) {
            if (cancelled.has(id)) throw Object.assign(new Error("cancelled"), { cancelled: true });
            let b = text.length;
            if (fasta && text.length - a > 1e6) {
              const cut = text.indexOf("\n>", a + 1e6);
              if (cut >= 0) b = cut + 1;
            }
            const piece = text.slice(a, b);
            try {
              records.push(...wasm.checkSequences(piece));
            } catch (e) {
              throw shiftLocation(e, records.length, lines, a);
            }
            for (let i = a; i < b; i++) if (text.charCodeAt(i) === 10) lines++;
            a = b;
            post({ id, type: "progress", done: a, total: text.length });
            await tick();
          }
          result = records;
          break;
        }
        case "ism": {
          // by default in steps that fill the engine's batches (runJob: the job's stepPositions);
          // a part of a shared scan gives raw outputs for "ism-merge"
          result = await run(predictor.startMutagenesis(msg.sequence, msg.options ?? {}), msg.chunk);
          if (result.effects) transfer = [result.effects.buffer, result.importance.buffer];
          break;
        }
        case "ism-merge": {
          result = predictor.mergeMutagenesis(msg.sequence, msg.parts, msg.options ?? {});
          transfer = [result.effects.buffer, result.importance.buffer];
          break;
        }
        case "variants":
          result = predictor.scoreVariants(msg.sequence, msg.variants, msg.options ?? {});
          break;
        case "genome-variants": {
          // a chunk of VCF lines against the reference regions the page read (js/genome.js),
          // scored as regula-train score-variants scores them; the .fai is parsed once per run
          if (genome?.id !== msg.genome.id) {
            genome?.index.free();
            genome = { id: msg.genome.id, index: new wasm.ReferenceIndex(msg.genome.fai) };
          }
          result = predictor.scoreGenomeVariants(genome.index, msg.text, msg.lines, msg.regions, msg.bases, msg.options ?? {});
          break;
        }
        case "attribution": {
          const a = predictor.gradientTimesInput(msg.sequence, msg.options ?? {});
          result = { perPosition: a.perPosition, perChannel: a.perChannel, bases: a.bases, window_start: a.window_start, shape: a.shape, method: a.method, segments: a.segments };
          break;
        }
        case "attention": {
          result = predictor.attentionMap(msg.sequence, msg.options ?? {});
          transfer = [result.perHead.buffer, result.mean.buffer];
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
      post(e?.cancelled ? { id, type: "cancelled" } : { id, type: "error", message: e?.message ?? String(e), location: e?.location });
    } finally {
      cancelled.delete(id);
    }
  }
  return handle;
}
