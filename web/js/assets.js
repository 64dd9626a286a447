// Where the page's bytes come from. The served app fetches them from its own origin; the
// single-file build (scripts/build-single-file.mjs) carries them in the page itself, in
// globalThis.REGULA_INLINE = {worker, wasm, motifs, examples, model}. This module is the one
// place that knows the difference: the rest of the page asks `assets` and gets bytes.
import { WASM_FILES, relaxedSimd } from "../pkg/simd.js";

const INLINE = globalThis.REGULA_INLINE ?? null;
const DEFAULT_EXAMPLES = "examples/lentimpra_hepg2.fa";
const DEFAULT_LABEL = "Example sequences (lentiMPRA HepG2)";

async function getBytes(path) {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}
const text = (bytes) => new TextDecoder().decode(bytes);
function b64decode(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// The app served over HTTP(S) (or any URL it can fetch its files from).
const served = {
  // {models: [{id, name, files, ...}], single_file?}
  async index() {
    try {
      const r = await fetch("models/index.json");
      return r.ok ? await r.json() : { models: [] };
    } catch { return { models: [] }; }
  },
  // A shipped model's files: {manifestText, onnx, attribution}.
  async modelFiles(entry) {
    const [manifestBytes, onnx, attribution] = await Promise.all([
      getBytes(`models/${entry.files.manifest}`), getBytes(`models/${entry.files.onnx}`),
      entry.files.attribution ? getBytes(`models/${entry.files.attribution}`) : Promise.resolve(undefined)]);
    return { manifestText: text(manifestBytes), onnx, attribution };
  },
  // Example sequences: the model's own (examples.fa in its folder), else the lentiMPRA set.
  async examples(entry) {
    if (entry?.files?.examples) {
      try { return { text: text(await getBytes(`models/${entry.files.examples}`)), label: `Example sequences (${entry.name})` }; } catch { /* the default set */ }
    }
    try { return { text: text(await getBytes(DEFAULT_EXAMPLES)), label: DEFAULT_LABEL }; } catch { return { text: "", label: DEFAULT_LABEL }; }
  },
  motifs: () => getBytes("motifs/jaspar2024_core_vertebrates.meme"),
  // The relaxed-SIMD build where the engine runs it (and the server has it), else the SIMD one.
  async wasmModule() {
    const compile = (path) => WebAssembly.compileStreaming(fetch(path))
      .catch(async () => WebAssembly.compile(await getBytes(path)));
    if (relaxedSimd()) {
      try { return { module: await compile(`pkg/${WASM_FILES.relaxed}`), relaxedSimd: true }; } catch (e) { console.warn("relaxed-SIMD build:", e); }
    }
    return { module: await compile(`pkg/${WASM_FILES.simd}`), relaxedSimd: false };
  },
  // The compute worker: a module worker (worker.js imports the wasm glue and js/compute.js).
  worker: () => ({ url: new URL("worker.js", location.href), type: "module" }),
  reportUrl: (entry) => (entry?.files?.report ? `models/${entry.files.report}` : null),
  singleFileUrl: (index) => index.single_file ?? null,
  // The service worker caches the app and every shipped model for offline use.
  registerServiceWorker(when) {
    if (!("serviceWorker" in navigator) || !location.protocol.startsWith("http")) return;
    when().then(() => navigator.serviceWorker.register("sw.js")).catch((e) => console.warn("service worker:", e));
  },
};

// The single-file build: everything is in the page, nothing is fetched.
const inline = (data) => ({
  index: async () => ({ models: [data.model.entry] }),
  modelFiles: async () => ({
    manifestText: data.model.manifest, onnx: b64decode(data.model.onnx),
    attribution: data.model.attribution ? b64decode(data.model.attribution) : undefined,
  }),
  examples: async () => ({ text: data.examples ?? "", label: DEFAULT_LABEL }),
  motifs: async () => b64decode(data.motifs),
  // Only the SIMD build: the page must run in any browser it is carried to.
  wasmModule: async () => ({ module: await WebAssembly.compile(b64decode(data.wasm)), relaxedSimd: false }),
  // Under file:// a module worker cannot load from a blob: URL, so the worker is a classic
  // script: worker.js bundled with everything it imports.
  worker: () => ({ url: URL.createObjectURL(new Blob([data.worker], { type: "text/javascript" })), type: "classic" }),
  reportUrl: () => null,
  singleFileUrl: () => null,
  registerServiceWorker() {},
});

export const assets = INLINE ? inline(INLINE) : served;
