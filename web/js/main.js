// Regula's page. All work happens in this tab: the wasm module runs in a pool of Web Workers
// (worker.js, js/compute.js); nothing is sent anywhere. This module starts the page and says, in
// one place, which module reacts to what (events.js).
//
// Modules: assets (where bytes come from: served files or the single-file build), pool (the
// workers), model (index, current model, card, length policy), input (boxes, records, examples),
// prediction, scan-view (mutagenesis heatmap and importance tracks), motifs, variants, genome
// (a VCF scored against a reference genome read from disk), teach; dom and events are helpers.
import init, { version } from "../pkg/regula_wasm.js";
import { assets } from "./assets.js";
import { $, setStatus } from "./dom.js";
import { on } from "./events.js";
import * as input from "./input.js";
import * as model from "./model.js";
import { setupMotifs } from "./motifs.js";
import { setupReport } from "./report.js";
import { createPool } from "./pool.js";
import { refreshActive, setupPrediction } from "./prediction.js";
import * as genome from "./genome.js";
import * as scanView from "./scan-view.js";
import * as teach from "./teach.js";
import * as variants from "./variants.js";

// ---------- tabs ----------
function showTab(name) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", on);
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
  }
  if (name === "results") scanView.drawTracks();
  if (name === "teach") teach.renderTeach();
}
function setupTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => showTab(tab.id.slice(4)));
    tab.addEventListener("keydown", (e) => {
      const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!d) return;
      const next = tabs[(i + d + tabs.length) % tabs.length];
      next.focus();
      showTab(next.id.slice(4));
    });
  });
  showTab("input");
}

function updateButtons() {
  const ready = !!model.current() && input.getRecords().length > 0;
  for (const id of ["predict-all", "scan-run", "variant-run", "motif-run", "report-open", "records-tsv"]) $(id).disabled = !ready;
}

// ---------- who reacts to what ----------
function wire() {
  on("model", () => {
    scanView.modelChanged();
    variants.modelChanged();
    genome.modelChanged();
    teach.modelChanged();
    input.modelChanged(); // may read the boxes again ("records")
    updateButtons();
    refreshActive();
  });
  on("records", () => {
    scanView.clearTracks();
    updateButtons();
    refreshActive();
  });
  on("active", () => {
    scanView.clearTracks();
    refreshActive();
  });
  on("coordinates", () => {
    variants.coordinatesChanged();
    scanView.drawTracks();
  });
  on("policy", () => {
    input.clearPredictions();
    scanView.clearTracks();
    input.renderRecords();
    refreshActive();
  });
}

// ---------- start ----------
async function main() {
  setupTabs();
  input.setupInput();
  model.setupModel();
  setupPrediction();
  scanView.setupScan();
  setupMotifs();
  variants.setupVariants();
  genome.setupGenome();
  teach.setupTeach();
  setupReport();
  wire();
  $("model-select").addEventListener("change", (e) => {
    const entry = model.entryOf(e.target.value);
    if (!entry) return; // "own": loaded from files
    if (entry.files.examples) assets.examples(entry).then(input.showExamples);
    model.useShipped(entry.id);
  });

  // Everything the first prediction needs is fetched at once, while the wasm compiles: the model
  // index, then the first model's files and the example sequences.
  const indexP = assets.index();
  const filesP = indexP.then((index) => (model.firstOf(index) ? assets.modelFiles(model.firstOf(index)) : null));
  filesP.then(() => performance.mark("regula:fetched"), () => null); // an error is reported where it is awaited
  const examplesP = assets.examples(null);

  // one worker per core (each holds its own copy of the model), at most 8; they load their scripts
  // while the page compiles the wasm module, which they then get from the page (compiled once)
  const size = Math.max(1, Math.min(8, navigator.hardwareConcurrency || 2));
  const pool = createPool(size, assets.worker(), async (post) => (await import("./compute.js")).createHandler(post));
  pool.spawn();
  const { module: wasmModule, relaxedSimd } = await assets.wasmModule();
  performance.mark("regula:compiled");
  const started = pool.start({ type: "init", wasmModule });
  // the first model goes to a worker as soon as its files are here (queued behind the init), while
  // the page instantiates its own copy of the module (for the input checks)
  const firstP = filesP.then((files) => (files ? { files, loading: model.preload(files) } : null));
  firstP.catch(() => null);
  await init({ module_or_path: wasmModule });
  input.enable();
  $("version").textContent = version();
  await started;
  $("pool-info").textContent = (pool.mode === "workers" ? `${pool.workers.length} Web Worker${pool.workers.length > 1 ? "s" : ""}` : "running on the page (Web Workers unavailable)")
    + (relaxedSimd ? ", relaxed SIMD" : ", SIMD");
  document.body.dataset.ready = "true";
  performance.mark("regula:ready");

  const index = await indexP;
  model.setIndex(index);
  input.showExamples(await examplesP);
  if (index.models.length) {
    let firstLoad = null;
    try { firstLoad = await firstP; } catch (e) { console.warn("model files:", e); } // fetched again below, reporting the error
    // the choice of another model appears once the first one's load is under way (queued after it)
    model.listModels();
    await model.useShipped(model.firstOf(index).id, firstLoad ?? undefined);
  } else {
    model.listModels();
    setStatus("No shipped model in this build: load your own ONNX + manifest on the Model tab.", "warn");
  }
  input.readIfChanged(); // text typed before the model was in
  $("single-file").hidden = !assets.singleFileUrl(index);
  // The service worker caches the app and every shipped model for offline use: it starts when
  // the workers are first idle, so that its downloads do not hold up the first prediction.
  assets.registerServiceWorker(() => pool.whenIdle());
}
main().catch((e) => {
  setStatus(`Could not start: ${e.message ?? e}`, "bad");
  console.error(e);
});
