// Regula's page. All work happens in this tab: the wasm module runs in a pool of module Web
// Workers (worker.js); nothing is sent anywhere. The single-file build (scripts/build-single-file.mjs)
// sets globalThis.REGULA_INLINE with the package, worker, model and motifs inlined.

const INLINE = globalThis.REGULA_INLINE ?? null;
const $ = (id) => document.getElementById(id);
const BASES = "ACGT";
const LOGO_COLOURS = { A: "#109648", C: "#255c99", G: "#d98c00", T: "#d62839", N: "#888888" };

const state = {
  index: { models: [] },
  model: null, // {id, name, manifest, onnx, attribution, info}
  records: [], // {name, bases, length, gc, n_count, masked, values}
  active: 0,
  scan: null, // {record, result, target}
  gxi: null, // {record, perPosition, shape}
  variants: null,
  sort: { key: null, dir: 1 },
  predictions: new Map(), // record index -> values
  fittings: new Map(), // record index -> how the length policy fitted it
};

// ---------- small helpers ----------
const fmt = (v, digits = 6) => (v === undefined || v === null || Number.isNaN(v) ? "—" : Number(v).toPrecision(digits));
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
};
function setStatus(text, kind = "") {
  const s = $("status");
  s.textContent = text;
  s.className = `status ${kind}`;
}
function b64decode(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
const xml = (t) => String(t).replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]);
function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
async function getBytes(path) {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}
const unitOf = (i) => state.model?.manifest?.targets?.[i]?.unit ?? "";
// Two-segment models (promoter + distal partner) read a pair per prediction.
const paired = () => (state.model?.info?.segments?.length ?? 1) > 1;
// What the wasm API takes for a record: its sequence, or {name, promoter, distal}.
const itemOf = (r) => (paired() ? { name: r.name, promoter: r.bases, distal: r.distal ?? "" } : r.bases);
const keyOf = (r) => (r ? `${r.bases}|${r.distal ?? ""}` : null);
// The segment a position of a result's joined bases lies in: {name, offset, window_length, window_start}.
const segmentAt = (segs, p) => segs?.find((s) => p >= s.offset && p < s.offset + s.window_length) ?? null;

// ---------- worker pool ----------
// The model goes to one worker first (the first prediction waits for that one only); the other
// workers get it when the pool is first idle, or before their first request, whichever comes first.
class Pool {
  constructor(size, workerUrl, fallbackHandler) {
    this.size = size;
    this.workerUrl = workerUrl;
    this.fallbackHandler = fallbackHandler;
    this.workers = [];
    this.nextId = 1;
    this.pending = new Map();
    this.model = null; // {msg, gen}: the "model" request of the current model
    this.gen = 0;
    this.warmTimer = null;
  }
  // Creates the workers; they load their scripts while the page compiles the wasm module.
  spawn() {
    if (this.workers.length || this.spawnError) return;
    let failed;
    // a worker whose script fails to load: noted from the start (the page may still be compiling)
    this.failed = new Promise((_, reject) => { failed = reject; });
    this.failed.catch(() => null);
    try {
      for (let i = 0; i < this.size; i++) {
        // the single-file build uses a classic worker: module workers cannot load from blob: under file://
        const w = new Worker(this.workerUrl, { type: INLINE ? "classic" : "module", name: `regula-${i}` });
        const slot = { w, busy: 0, index: i, modelGen: 0 };
        w.onmessage = (e) => this.onMessage(slot, e.data);
        w.onerror = (e) => console.error("worker error", e.message);
        w.addEventListener("error", (e) => failed(new Error(e.message || "a worker failed to load")));
        this.workers.push(slot);
      }
    } catch (e) {
      this.spawnError = e;
    }
  }
  // Sends `initMsg` to every worker (requests sent after it wait in the workers' queues); if the
  // workers fail, everything runs on the page's thread, the requests already sent included.
  start(initMsg) {
    this.ready = this.startWith(initMsg);
    return this.ready;
  }
  async startWith(initMsg) {
    this.spawn();
    try {
      if (this.spawnError) throw this.spawnError;
      const inits = this.workers.map((s) => this.send(s, initMsg).promise);
      await Promise.race([
        Promise.all(inits),
        this.failed,
        new Promise((_, reject) => setTimeout(() => reject(new Error("workers did not start")), 20000)),
      ]);
      this.mode = "workers";
    } catch (e) {
      console.warn("Web Workers unavailable, running on the page's thread:", e);
      for (const s of this.workers) s.w.terminate();
      const handler = await this.fallbackHandler((m) => this.onMessage(slot, m));
      const slot = { w: { postMessage: (m) => handler(m) }, busy: 0, index: 0, modelGen: 0 };
      // Requests run one at a time on the page, like in a worker.
      let queue = Promise.resolve();
      slot.w.postMessage = (m) => { if (m.type === "cancel") handler(m); else queue = queue.then(() => handler(m)); };
      // the requests sent to the workers meanwhile run on the page after its init
      const carried = [...this.pending.entries()].filter(([, p]) => p.msg.type !== "init");
      this.pending.clear();
      this.workers = [slot];
      const init = this.send(slot, initMsg).promise;
      for (const [id, p] of carried) {
        slot.busy++;
        this.pending.set(id, p);
        if (p.msg.type === "model") slot.modelGen = this.model?.gen ?? 0;
        slot.w.postMessage({ ...p.msg, id });
      }
      await init;
      this.mode = "page";
    }
  }
  onMessage(slot, msg) {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === "progress") {
      p.onProgress?.(msg.done, msg.total);
      return;
    }
    this.pending.delete(msg.id);
    slot.busy--;
    if (msg.type === "result") p.resolve(msg.result);
    else if (msg.type === "cancelled") p.reject(Object.assign(new Error("cancelled"), { cancelled: true }));
    else p.reject(new Error(msg.message));
    this.warmWhenIdle();
  }
  send(slot, msg, onProgress, transfer = []) {
    const id = this.nextId++;
    slot.busy++;
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    this.pending.set(id, { resolve, reject, onProgress, msg });
    slot.w.postMessage({ ...msg, id }, transfer);
    return { id, promise, cancel: () => slot.w.postMessage({ type: "cancel", target: id }) };
  }
  broadcast(msg) {
    return Promise.all(this.workers.map((s) => this.send(s, msg).promise));
  }
  // Loads a model ({type: "model", onnx, manifest, attribution}) into the least busy worker and
  // resolves with its answer; the others load it later (warmWhenIdle, ensureModel).
  async setModel(msg) {
    if (!this.workers.length) await this.ready; // no worker could be made: the page's thread, once ready
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const prev = this.model;
    const model = { msg, gen: ++this.gen };
    this.model = model; // requests from now on run on the new model
    slot.modelGen = model.gen;
    try {
      return await this.send(slot, msg).promise;
    } catch (e) {
      // back to the previous model; this worker dropped its old one too and reloads it when needed
      if (this.model === model) this.model = prev;
      slot.modelGen = -1;
      throw e;
    }
  }
  // Sends the current model to `slot` unless it has it; requests after it wait in the worker's queue.
  ensureModel(slot) {
    if (!this.model || slot.modelGen === this.model.gen) return;
    slot.modelGen = this.model.gen;
    this.send(slot, this.model.msg).promise.catch((e) => { slot.modelGen = -1; console.warn("worker model:", e); });
  }
  // When no worker has anything to do (checked again a little later, so that a request that
  // follows at once goes first), the workers without the current model load it, and whatever
  // waits in whenIdle() goes on.
  warmWhenIdle() {
    const idle = () => this.workers.every((s) => s.busy === 0);
    if (this.warmTimer || !idle()) return;
    this.warmTimer = setTimeout(() => {
      this.warmTimer = null;
      if (!idle()) return;
      this.workers.forEach((s) => this.ensureModel(s));
      const waiting = this.idleWaiters ?? [];
      this.idleWaiters = [];
      waiting.forEach((resolve) => resolve());
    }, 50);
  }
  whenIdle() {
    return new Promise((resolve) => {
      (this.idleWaiters ??= []).push(resolve);
      this.warmWhenIdle();
    });
  }
  // Runs a request on the least busy worker (the one that already has the model, on a tie).
  run(msg, onProgress) {
    const cost = (s) => s.busy + (this.model && s.modelGen !== this.model.gen ? 0.5 : 0);
    const slot = this.workers.reduce((a, b) => (cost(b) < cost(a) ? b : a));
    this.ensureModel(slot);
    return this.send(slot, msg, onProgress);
  }
}
let pool;
let wasm; // the page's own instance, for quick checks

// ---------- tabs ----------
function showTab(name) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", on);
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
  }
  if (name === "results") drawTracks();
  if (name === "teach") renderTeach();
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

// ---------- input ----------
function parseFasta(text) {
  const lines = text.replace(/\r/g, "").split("\n");
  const recs = [];
  let cur = null;
  for (const line of lines) {
    if (line.startsWith(">")) {
      cur = { name: line.slice(1).trim().split(/\s+/)[0] || `record ${recs.length + 1}`, parts: [] };
      recs.push(cur);
    } else if (line.trim()) {
      if (!cur) { cur = { name: "sequence", parts: [] }; recs.push(cur); }
      cur.parts.push(line.replace(/\s+/g, ""));
    }
  }
  return recs.map((r) => r.parts.join("").toUpperCase());
}
let inputTimer = null;
// What onInput last read, once a model was there: the page's start reads the boxes again only if
// they changed (a second read would predict the same records again).
let lastInput = null;
const inputKey = () => `${paired()}|${$("sequence-input").value}|${$("distal-input").value}`;
// Applies typed text at once (a button pressed within the input's debounce acts on the new text).
function flushInput() {
  if (inputTimer) { clearTimeout(inputTimer); inputTimer = null; onInput(); }
}
function onInput() {
  const text = $("sequence-input").value;
  const error = $("input-error");
  const table = $("records");
  state.predictions.clear();
  state.fittings.clear();
  lastInput = state.model && wasm ? inputKey() : null;
  if (paired()) return onPairedInput(text);
  if (!text.trim()) {
    error.hidden = true;
    table.hidden = true;
    state.records = [];
    updateButtons();
    return;
  }
  try {
    const summary = wasm.checkSequences(text);
    const bases = parseFasta(text);
    state.records = summary.map((r, i) => ({ ...r, bases: bases[i] ?? "" }));
    error.hidden = true;
    state.active = Math.min(state.active, state.records.length - 1);
    renderRecords();
    table.hidden = false;
  } catch (e) {
    const message = String(e.message ?? e);
    error.replaceChildren(`Not a valid sequence: ${message} `);
    const at = locateError(text, message);
    if (at !== null) {
      error.append(el("button", { type: "button", class: "show-error", onclick: () => {
        const box = $("sequence-input");
        box.focus();
        box.setSelectionRange(at, at + 1);
      } }, "Select it in the text"));
    }
    error.hidden = false;
    table.hidden = true;
    state.records = [];
  }
  state.scan = null;
  state.gxi = null;
  updateButtons();
  refreshActive();
}
// Two boxes: promoter records pair with distal records in order.
function onPairedInput(text) {
  const error = $("input-error");
  const table = $("records");
  const distalText = $("distal-input").value;
  const fail = (message, boxId, boxText) => {
    error.replaceChildren(message, " ");
    const at = boxText === null ? null : locateError(boxText, message);
    if (at !== null) {
      error.append(el("button", { type: "button", class: "show-error", onclick: () => { const box = $(boxId); box.focus(); box.setSelectionRange(at, at + 1); } }, "Select it in the text"));
    }
    error.hidden = false;
    table.hidden = true;
    state.records = [];
  };
  if (!text.trim() && !distalText.trim()) {
    error.hidden = true;
    table.hidden = true;
    state.records = [];
  } else {
    let promoters = null, distals = null;
    try { promoters = text.trim() ? wasm.checkSequences(text) : []; } catch (e) { fail(`Promoter box: not a valid sequence: ${e.message ?? e}`, "sequence-input", text); }
    if (promoters) {
      try { distals = distalText.trim() ? wasm.checkSequences(distalText) : []; } catch (e) { fail(`Distal box: not a valid sequence: ${e.message ?? e}`, "distal-input", distalText); }
    }
    if (promoters && distals) {
      if (promoters.length !== distals.length) {
        fail(`This model reads a promoter and a distal sequence per prediction: the promoter box has ${promoters.length} record${promoters.length === 1 ? "" : "s"}, the distal box ${distals.length}. Give one distal record per promoter record, in the same order.`, null, null);
      } else {
        const pb = parseFasta(text), db = parseFasta(distalText);
        state.records = promoters.map((r, i) => ({
          ...r, bases: pb[i] ?? "", distal: db[i] ?? "", distalName: distals[i].name, distalLength: distals[i].length,
          gc: (r.gc * r.length + distals[i].gc * distals[i].length) / Math.max(1, r.length + distals[i].length),
          n_count: r.n_count + distals[i].n_count, masked: r.masked + distals[i].masked,
        }));
        error.hidden = true;
        state.active = Math.min(state.active, state.records.length - 1);
        renderRecords();
        table.hidden = false;
      }
    }
  }
  state.scan = null;
  state.gxi = null;
  updateButtons();
  refreshActive();
}
// The offset in `text` of the letter an error names ("record R ... position P"), or null.
function locateError(text, message) {
  const rec = /record (\d+)/.exec(message);
  const pos = /position (\d+)/.exec(message);
  if (!pos) return null;
  const lines = text.split("\n");
  let r = 0, count = 0, offset = 0;
  const want = rec ? Number(rec[1]) : 1;
  const fasta = text.trimStart().startsWith(">");
  if (!fasta) r = 1;
  for (const line of lines) {
    if (line.startsWith(">")) r++;
    else if (r === want) {
      for (let i = 0; i < line.length; i++) {
        if (/\s/.test(line[i])) continue;
        if (++count === Number(pos[1])) return offset + i;
      }
    }
    offset += line.length + 1;
  }
  return null;
}
function renderRecords() {
  const table = $("records");
  const targets = state.model?.info?.targets ?? [];
  table.querySelector("thead tr").replaceChildren(
    ...["record", "length (bp)", "GC", "N", "soft-masked"].map((h) => el("th", { scope: "col" }, h)),
    ...targets.map((t, i) => el("th", { scope: "col" }, `${t}${unitOf(i) ? ` (${unitOf(i)})` : ""}`)),
  );
  table.querySelector("tbody").replaceChildren(...state.records.map((r, i) => {
    const values = state.predictions.get(i);
    const row = el("tr", { class: i === state.active ? "active" : "", tabindex: 0, "aria-selected": i === state.active },
      el("td", {}, r.distal !== undefined ? `${r.name} + ${r.distalName}` : r.name), el("td", {}, r.distal !== undefined ? `${r.length} + ${r.distalLength}` : String(r.length)), el("td", {}, `${(100 * r.gc).toFixed(1)} %`),
      el("td", {}, String(r.n_count)), el("td", {}, String(r.masked)),
      ...targets.map((_, t) => el("td", { class: "num", dataset: values ? { value: String(values[t]) } : {} }, values ? fmt(values[t]) : "")));
    const select = () => { state.active = i; state.scan = null; state.gxi = null; renderRecords(); refreshActive(); };
    row.addEventListener("click", select);
    row.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(); } });
    return row;
  }));
}
async function loadFile(file) {
  if (file.size > 50e6) {
    $("input-error").textContent = `${file.name} is ${(file.size / 1e6).toFixed(0)} MB: too large for this page (50 MB at most).`;
    $("input-error").hidden = false;
    return;
  }
  $("sequence-input").value = await file.text();
  onInput();
}
function setupInput() {
  $("sequence-input").addEventListener("input", () => {
    clearTimeout(inputTimer);
    inputTimer = setTimeout(() => { inputTimer = null; onInput(); }, 200);
  });
  $("distal-input").addEventListener("input", () => {
    clearTimeout(inputTimer);
    inputTimer = setTimeout(() => { inputTimer = null; onInput(); }, 200);
  });
  $("fasta-file").addEventListener("change", (e) => e.target.files[0] && loadFile(e.target.files[0]));
  for (const target of [$("drop-zone"), $("sequence-input")]) {
    target.addEventListener("dragover", (e) => { e.preventDefault(); $("drop-zone").classList.add("over"); });
    target.addEventListener("dragleave", () => $("drop-zone").classList.remove("over"));
    target.addEventListener("drop", (e) => {
      e.preventDefault();
      $("drop-zone").classList.remove("over");
      const f = e.dataTransfer.files[0];
      if (f) loadFile(f);
    });
  }
  $("example-select").addEventListener("change", (e) => {
    const v = e.target.value;
    if (!v) return;
    if (paired()) {
      // consecutive example records pair up: (1, 2), (3, 4), …
      const ex = state.examples;
      const pairs = v === "__all" ? [...Array(Math.floor(ex.length / 2)).keys()] : [Math.floor(Number(v) / 2)];
      $("sequence-input").value = pairs.map((k) => ex[2 * k].text).join("");
      $("distal-input").value = pairs.map((k) => ex[(2 * k + 1) % ex.length].text).join("");
    } else {
      $("sequence-input").value = v === "__all" ? state.examplesText : state.examples[Number(v)].text;
    }
    onInput();
  });
  $("predict-all").addEventListener("click", predictAll);
}
// Example sequences: the shipped model's own (examples.fa in its folder) or the lentiMPRA set.
async function loadExampleText(entry) {
  let text = INLINE?.examples ?? null;
  let label = "Example sequences (lentiMPRA HepG2)";
  if (!INLINE && entry?.files?.examples) {
    try {
      text = new TextDecoder().decode(await getBytes(`models/${entry.files.examples}`));
      label = `Example sequences (${entry.name})`;
    } catch { text = null; }
  }
  if (!text) {
    try { text = new TextDecoder().decode(await getBytes("examples/lentimpra_hepg2.fa")); } catch { text = ""; }
  }
  return { text, label };
}
function showExamples({ text, label }) {
  document.querySelector('label[for="example-select"]').textContent = label;
  $("example-select").replaceChildren(el("option", { value: "" }, "— choose an example —"));
  state.examplesText = text;
  state.examples = text.split(/(?=^>)/m).filter((s) => s.trim()).map((s) => ({ name: s.slice(1, s.indexOf("\n")).trim().split(/\s+/)[0], text: s.trim() + "\n" }));
  $("example-select").append(
    ...state.examples.map((ex, i) => el("option", { value: i }, ex.name)),
    el("option", { value: "__all" }, `all ${state.examples.length} examples (table)`));
}
async function loadExamples(entry) {
  showExamples(await loadExampleText(entry));
}

// ---------- model ----------
async function loadIndex() {
  if (INLINE) return { models: [INLINE.model.entry] };
  try {
    const r = await fetch("models/index.json");
    return r.ok ? await r.json() : { models: [] };
  } catch { return { models: [] }; }
}
// Model loads run one after the other, each after the one chosen before it (so the last one
// chosen is the one the page and the pool end with).
let modelQueue = Promise.resolve();
// `loading`: the pool's answer to this model's request when the page's start already sent it.
async function useModel({ id, name, manifestText, onnx, attribution, loading }) {
  $("model-error").hidden = true;
  setStatus(`Loading model ${name}…`);
  try {
    const manifest = JSON.parse(manifestText);
    // one worker loads it now, the others when the pool is idle or before their first request
    // (each gets its own copy of the bytes)
    if (!loading) {
      const msg = { type: "model", onnx, manifest: manifestText, attribution };
      loading = modelQueue = modelQueue.catch(() => null).then(() => pool.setModel(msg));
    }
    const info = await loading;
    state.model = { id, name, manifest, info };
    const select = $("model-select");
    select.querySelector('option[value="own"]')?.remove();
    if (id === "own") select.append(el("option", { value: "own" }, name));
    select.value = id;
    state.predictions.clear();
    state.fittings.clear();
    state.scan = null;
    state.gxi = null;
    // another model's variant scores would read as this one's
    state.variants = null;
    $("variant-table").hidden = true;
    $("variant-tsv").disabled = $("variant-csv").disabled = true;
    renderModelCard();
    renderRecords();
    $("target-select").replaceChildren(...info.targets.map((t, i) => el("option", { value: i }, t)));
    const def = manifest.inputs?.[0]?.default_length_policy;
    const two = info.segments.length > 1;
    $("policy-select").replaceChildren(
      el("option", { value: "" }, `model's default: ${describePolicy(def) || "—"}`),
      // a two-segment model reads each segment as one window: no tiling
      ...(two ? [] : [el("option", { value: "tile" }, `tile: mean over ${Math.floor(info.length / 2)} bp-stride windows`)]),
      el("option", { value: "crop" }, two ? "pad or crop each segment to its centre" : "pad or crop to the centre"));
    $("distal-box").hidden = $("pair-help").hidden = $("variant-segment-box").hidden = !two;
    $("sequence-label").textContent = two ? "Promoter sequence: a sequence or FASTA records (one or many)" : "Paste a sequence or FASTA records (one or many)";
    if (state.pairedInput !== two) { state.pairedInput = two; onInput(); }
    performance.mark("regula:model");
    document.body.dataset.model = name;
    document.body.dataset.segments = info.segments.map((s) => s.name).join(",");
    const lengths = info.segments.map((s) => `${s.length} bp ${two ? s.name : "input"}`).join(" + ");
    setStatus(`Model ${name} ready (${lengths}, ${info.targets.length} target${info.targets.length > 1 ? "s" : ""}).`, "ok");
    $("teach-done")?.remove();
    state.filters = null;
    updateButtons();
    refreshActive();
  } catch (e) {
    $("model-error").textContent = `Could not load the model: ${e.message ?? e}`;
    $("model-error").hidden = false;
    setStatus("Model not loaded.", "bad");
  }
}
// A shipped model's files: {manifestText, onnx, attribution}.
async function fetchShipped(entry) {
  if (INLINE) {
    const m = INLINE.model;
    return { manifestText: m.manifest, onnx: b64decode(m.onnx), attribution: m.attribution ? b64decode(m.attribution) : undefined };
  }
  const [manifestBytes, onnx, attribution] = await Promise.all([
    getBytes(`models/${entry.files.manifest}`), getBytes(`models/${entry.files.onnx}`),
    entry.files.attribution ? getBytes(`models/${entry.files.attribution}`) : Promise.resolve(undefined)]);
  return { manifestText: new TextDecoder().decode(manifestBytes), onnx, attribution };
}
// `first`: {files, loading} when the page's start already fetched the model's files (while the
// wasm compiled) and sent them to a worker.
async function useShipped(id, first) {
  const entry = state.index.models.find((m) => m.id === id);
  if (!entry) return;
  if (entry.files.examples && !first) loadExamples(entry);
  return useModel({ id, name: entry.name, ...(first ? { ...first.files, loading: first.loading } : await fetchShipped(entry)) });
}
async function useOwnFiles(files) {
  const list = [...files];
  const manifestFile = list.find((f) => f.name.endsWith(".json"));
  const onnxFiles = list.filter((f) => f.name.endsWith(".onnx"));
  if (!manifestFile || !onnxFiles.length) {
    $("model-error").textContent = "Choose the model's manifest.json and its .onnx file (and, for attributions, its attribution .onnx) together.";
    $("model-error").hidden = false;
    return;
  }
  const manifestText = await manifestFile.text();
  let manifest;
  try { manifest = JSON.parse(manifestText); } catch (e) {
    $("model-error").textContent = `${manifestFile.name} is not JSON: ${e.message}`;
    $("model-error").hidden = false;
    return;
  }
  const attrName = manifest.graphs?.attribution?.file?.split("/").pop();
  const attrFile = onnxFiles.find((f) => f.name === attrName) ?? onnxFiles.find((f) => f.name.includes("attribution"));
  const modelName = manifest.model_file?.split("/").pop();
  const onnxFile = onnxFiles.find((f) => f.name === modelName) ?? onnxFiles.find((f) => f !== attrFile);
  if (!onnxFile) {
    $("model-error").textContent = "No inference graph among the chosen .onnx files.";
    $("model-error").hidden = false;
    return;
  }
  await useModel({
    id: "own", name: `${manifest.name ?? onnxFile.name} (your file)`, manifestText,
    onnx: new Uint8Array(await onnxFile.arrayBuffer()),
    attribution: attrFile ? new Uint8Array(await attrFile.arrayBuffer()) : undefined,
  });
}
const limitsOf = (id) => state.index.models.find((x) => x.id === id)?.limits;
function renderModelCard() {
  const m = state.model.manifest;
  const card = $("model-card");
  const input = m.inputs?.[0] ?? {};
  const policy = describePolicy(input.default_length_policy) || "—";
  const dl = el("dl", {},
    el("dt", {}, "Input length"), el("dd", {}, paired()
      ? `${state.model.info.segments.map((s) => `${s.name} ${s.length} bp`).join(" + ")} (two sequences per prediction); other lengths: ${policy}, each segment`
      : `${input.length ?? state.model.info.length} bp; other lengths: ${policy}`),
    ...(input.flanks ? [el("dt", {}, "Flanks"), el("dd", { class: "mono small" }, `${input.flanks.left ?? ""} … ${input.flanks.right ?? ""}`)] : []),
    el("dt", {}, "Output"), el("dd", {}, m.output?.kind ?? "—"),
    el("dt", {}, "Targets"), el("dd", {}, (m.targets ?? []).map((t) => `${t.name}${t.unit ? ` (${t.unit})` : ""}`).join(", ")),
    el("dt", {}, "Training data"), el("dd", {}, ...(m.training?.data ?? []).map((d) => el("div", {}, `${d.name}${d.rows ? `, ${d.rows} rows` : ""}${d.source ? ` — ${d.source}` : ""}${d.licence ? ` (licence: ${d.licence})` : ""}`))),
    el("dt", {}, "Split"), el("dd", {}, String(m.training?.split ?? "—")),
    el("dt", {}, "Architecture"), el("dd", { class: "small" }, `${m.training?.architecture ?? "—"}${m.training?.parameters ? ` — ${m.training.parameters.toLocaleString("en")} parameters` : ""}`),
    el("dt", {}, "Training"), el("dd", {}, [
      m.training?.epochs ? `${m.training.epochs} epochs` : null, m.training?.seed !== undefined ? `seed ${m.training.seed}` : null,
      m.training?.seconds ? `${(m.training.seconds / 60).toFixed(1)} min` : null, m.training?.machine ? `on ${m.training.machine}` : null,
    ].filter(Boolean).join(", ") || "—"),
    el("dt", {}, "Licence"), el("dd", {}, m.licence ?? "—"),
    ...(limitsOf(state.model.id) ? [el("dt", {}, "Known limits"), el("dd", {}, limitsOf(state.model.id))] : []),
    el("dt", {}, "Mutagenesis"), el("dd", {}, state.model.info.fastMutagenesisUnavailable ? `naive (${state.model.info.fastMutagenesisUnavailable})` : "fast exact (receptive-field windows)"),
  );
  // metrics: {split: {rows, per_target: {target: {metric: value}}}} -> one row per split and target
  const metrics = m.metrics ?? {};
  const rows = [];
  const names = new Set();
  for (const [split, v] of Object.entries(metrics)) {
    for (const [target, ms] of Object.entries(v?.per_target ?? {})) {
      Object.keys(ms).forEach((k) => names.add(k));
      rows.push({ split, n: v.rows, target, ms });
    }
  }
  const cols = [...names];
  const metricsEl = rows.length
    ? el("table", { class: "metrics" },
      el("thead", {}, el("tr", {}, ...["split", "rows", "target", ...cols].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows.map((r) => el("tr", {}, el("td", {}, r.split), el("td", { class: "num" }, String(r.n ?? "")), el("td", {}, r.target),
        ...cols.map((c) => el("td", { class: "num" }, typeof r.ms[c] === "number" ? fmt(r.ms[c], 4) : "—"))))))
    : el("p", { class: "muted" }, "No metrics recorded in the manifest.");
  const entry = state.index.models.find((x) => x.id === state.model.id);
  const report = entry?.files?.report && !INLINE ? el("p", {}, el("a", { href: `models/${entry.files.report}`, target: "_blank", rel: "noopener" }, "Training report")) : null;
  card.replaceChildren(el("h3", {}, m.name ?? state.model.name), el("p", {}, m.description ?? ""), dl, el("h4", {}, "Metrics"), el("div", { class: "table-wrap" }, metricsEl), ...(report ? [report] : []));
}

// ---------- prediction ----------
function updateButtons() {
  const ready = !!state.model && state.records.length > 0;
  for (const id of ["predict-all", "scan-run", "variant-run", "motif-run"]) $(id).disabled = !ready;
}
function progressUI(containerId, job, label) {
  const box = $(containerId);
  const bar = box.querySelector("progress");
  const text = box.querySelector(".progress-text");
  box.hidden = false;
  bar.value = 0;
  box.querySelector(".cancel").onclick = () => job.cancel?.();
  return {
    update(done, total) { bar.max = total; bar.value = done; if (text) text.textContent = `${label} ${Math.floor((100 * done) / total)} %`; },
    done() { box.hidden = true; },
  };
}
async function predictAll() {
  flushInput();
  const n = state.records.length;
  // split the records over the pool
  const per = Math.ceil(n / pool.workers.length);
  const jobs = [];
  let done = 0;
  const box = $("predict-progress");
  box.hidden = false;
  const bar = box.querySelector("progress");
  bar.max = n;
  bar.value = 0;
  for (let start = 0; start < n; start += per) {
    const seqs = state.records.slice(start, start + per).map(itemOf);
    const job = pool.run({ type: "predict", sequences: seqs, options: policyOptions() });
    let last = 0;
    jobs.push({ start, job });
    pool.pending.get(job.id).onProgress = (d) => { done += d - last; last = d; bar.value = done; };
  }
  box.querySelector(".cancel").onclick = () => jobs.forEach((j) => j.job.cancel());
  setStatus(`Predicting ${n} record${n > 1 ? "s" : ""}…`);
  try {
    const results = await Promise.all(jobs.map((j) => j.job.promise));
    results.forEach((res, k) => res.forEach((r, i) => {
      state.predictions.set(jobs[k].start + i, r.values);
      state.fittings.set(jobs[k].start + i, r.segments ?? r.fitting);
    }));
    setStatus(`Predicted ${n} record${n > 1 ? "s" : ""}.`, "ok");
  } catch (e) {
    setStatus(e.cancelled ? "Prediction cancelled." : `Prediction failed: ${e.message}`, e.cancelled ? "" : "bad");
  }
  box.hidden = true;
  renderRecords();
  renderPrediction();
}
async function refreshActive() {
  const rec = state.records[state.active];
  for (const id of ["active-name", "motif-name", "variant-name"]) $(id).textContent = rec ? (rec.distal !== undefined ? `— ${rec.name} (${rec.length} bp) + ${rec.distalName} (${rec.distalLength} bp)` : `— ${rec.name} (${rec.length} bp)`) : "";
  renderPrediction();
  drawTracks();
  if (!rec || !state.model) return;
  const myRecord = rec;
  try {
    if (!state.predictions.has(state.active)) {
      const [p] = await pool.run({ type: "predict", sequences: [itemOf(rec)], options: policyOptions() }).promise;
      if (state.records[state.active] !== myRecord) return;
      state.predictions.set(state.active, p.values);
      state.fittings.set(state.active, p.segments ?? p.fitting);
      renderPrediction();
      renderRecords();
    }
    if (state.model.info.hasAttributionGraph && !currentGxi()) {
      const a = await pool.run({ type: "attribution", sequence: itemOf(rec), options: policyOptions() }).promise;
      if (state.records[state.active] !== myRecord) return;
      state.gxi = { ...a, recordKey: keyOf(myRecord) };
      if (!state.scan) $("importance-source").value = "gxi";
      drawTracks();
    }
    if (!$("view-teach").hidden) renderTeach();
  } catch (e) {
    if (state.records[state.active] !== myRecord) return;
    const long = !paired() && rec.length > state.model.info.length;
    $("prediction").replaceChildren(el("p", { class: "error", role: "alert" }, `Cannot predict ${rec.name}: ${e.message}`,
      ...(long ? [el("br"), "Choose “tile” or “crop” under “Other lengths” above to fit it to the model."] : [])));
    setStatus(`Prediction failed for ${rec.name}.`, "bad");
  }
}
// The length policy the user chose for sequences of other lengths (undefined: the model's own).
function policyOptions() {
  const choice = $("policy-select").value;
  if (!choice || !state.model) return {};
  const L = state.model.info.length;
  const padding = state.model.manifest.inputs?.[0]?.default_length_policy?.padding ?? "n";
  const policy = choice === "tile" ? { policy: "tile", stride: Math.max(1, Math.floor(L / 2)), padding }
    : choice === "crop" ? { policy: "pad_or_crop", padding }
    : { policy: choice };
  return { policy };
}
function describePolicy(p) {
  if (!p) return "";
  const pad = p.padding ? (p.padding === "n" ? "N" : "the training flanks") : "";
  return { exact: "exact length only", pad: `pad with ${pad}`, crop: "crop to the centre", pad_or_crop: `pad with ${pad} or crop to the centre`, tile: `tile (stride ${p.stride}, pad with ${pad})` }[p.policy] ?? p.policy;
}
function renderPrediction() {
  const box = $("prediction");
  const values = state.predictions.get(state.active);
  if (!values || !state.model) {
    box.replaceChildren(el("p", { class: "muted" }, state.model ? (state.records.length ? "Predicting…" : "Paste a sequence on the Sequence tab.") : "Choose a model on the Model tab."));
    return;
  }
  const fit = state.fittings.get(state.active);
  const describeFit = (f) => (!f || f.action === "unchanged" ? "" : f.action === "tiled" ? `mean over ${f.windows} windows (stride ${f.stride})` : `${f.action} (${f.left} left, ${f.right} right)`);
  const fitText = Array.isArray(fit)
    ? fit.filter((f) => f.fitting.action !== "unchanged").map((f) => `${f.name} ${f.length} bp vs ${f.window_length} bp: ${describeFit(f.fitting)}`).join("; ")
    : describeFit(fit);
  box.replaceChildren(
    ...values.map((v, i) => el("div", { class: "pred" },
      el("span", { class: "label" }, state.model.info.targets[i]),
      el("span", { class: "value", dataset: { target: state.model.info.targets[i], value: String(v) } }, fmt(v, 5)),
      el("span", { class: "unit" }, unitOf(i)))),
    ...(fitText ? [el("p", { class: "help" }, Array.isArray(fit) ? `${fitText}.` : `Length ${state.records[state.active].length} bp vs model ${state.model.info.length} bp: ${fitText}.`)] : []));
}

// ---------- saturation mutagenesis ----------
let scanJob = null;
async function runScan() {
  flushInput();
  const rec = state.records[state.active];
  if (!rec) return;
  const total = rec.length + (rec.distalLength ?? 0);
  const job = pool.run({ type: "ism", sequence: itemOf(rec), options: policyOptions(), chunk: Math.max(5, Math.min(50, Math.ceil(total / 20))) });
  scanJob = job;
  const ui = progressUI("scan-progress", job, "scanned");
  pool.pending.get(job.id).onProgress = (d, t) => ui.update(d, t);
  $("scan-run").disabled = true;
  setStatus(`Scanning ${total} positions × 3 substitutions…`);
  const t0 = performance.now();
  try {
    const result = await job.promise;
    state.scan = { record: rec, result };
    state.selected = null;
    $("importance-source").value = "ism";
    const f = result.fitting;
    const segText = result.segments ? ` Both segments: ${result.segments.map((sg) => `${sg.name} ${sg.window_length} bp${sg.fitting.action === "unchanged" ? "" : ` (${sg.fitting.action})`}`).join(" + ")}.` : "";
    const fitText = result.segments ? segText : f.action === "unchanged" ? "" : f.action === "tiled" ? ` Effects on the mean over ${f.windows} windows (stride ${f.stride}).` : ` The sequence was ${f.action} to the model's ${state.model.info.length} bp (${f.left} left, ${f.right} right); the tracks show that window.`;
    $("scan-info").textContent = `${result.method} mutagenesis${result.fallback_reason ? ` (${result.fallback_reason})` : ""}: ${result.shape[1]} positions in ${((performance.now() - t0) / 1000).toFixed(2)} s. Reference prediction ${result.reference.map((v) => fmt(v)).join(", ")}.${fitText}`;
    setStatus("Scan finished.", "ok");
    drawTracks();
  } catch (e) {
    setStatus(e.cancelled ? "Scan cancelled." : `Scan failed: ${e.message}`, e.cancelled ? "" : "bad");
  } finally {
    ui.done();
    $("scan-run").disabled = false;
    scanJob = null;
  }
}
// colour-blind-safe diverging scale (ColorBrewer RdBu): blue (negative) - white - red (positive)
const RDBU = [[33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247], [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43]];
function colour(t) { // t in [-1, 1]
  const x = (Math.max(-1, Math.min(1, t)) + 1) / 2 * (RDBU.length - 1);
  const i = Math.min(RDBU.length - 2, Math.floor(x));
  const f = x - i;
  const c = RDBU[i].map((a, k) => Math.round(a + (RDBU[i + 1][k] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
const CELL_H = 16;
// The tracks show the model's window of the sequence: the whole sequence, or (cropped/padded by
// the length policy) a window starting at `start` (negative: padding before the sequence).
function windowOf() {
  const hm = heatmapData();
  if (hm) return { L: hm.L, start: hm.start };
  const g = currentGxi();
  if (g) return { L: g.shape[1], start: g.window_start };
  return { L: state.records[state.active]?.length ?? 0, start: 0 };
}
// Segments of the joined bases the tracks show (two-segment models), else null.
function trackSegments() {
  return heatmapData()?.segments ?? currentGxi()?.segments ?? null;
}
function currentGxi() {
  return state.gxi && state.gxi.recordKey === keyOf(state.records[state.active]) ? state.gxi : null;
}
function geometry() {
  const { L, start } = windowOf();
  let cw = Number($("zoom").value);
  if (L * cw > 32000) cw = Math.max(1, Math.floor(32000 / L));
  return { L, cw, left: 18, start };
}
function heatmapData() {
  if (!state.scan || keyOf(state.scan.record) !== keyOf(state.records[state.active])) return null;
  const r = state.scan.result;
  const t = Number($("target-select").value || 0);
  const [, L] = r.shape;
  const effects = r.effects.subarray(t * L * 4, (t + 1) * L * 4);
  let max = 0;
  for (const v of effects) max = Math.max(max, Math.abs(v));
  return { effects, L, start: r.window_start, max: max || 1, bases: r.bases, t, importance: r.importance.subarray(t * L, (t + 1) * L), segments: r.segments ?? null };
}
function importanceRow() {
  const rec = state.records[state.active];
  const t = Number($("target-select").value || 0);
  const src = $("importance-source").value;
  const hm = heatmapData();
  if (src === "ism" && hm) return { values: hm.importance, bases: hm.bases, start: hm.start, label: "ISM importance" };
  const g = currentGxi();
  if (g && (!hm || g.window_start === hm.start)) {
    const L = g.shape[1];
    return { values: g.perPosition.subarray(t * L, (t + 1) * L), bases: g.bases, start: g.window_start, label: "gradient × input" };
  }
  if (hm) return { values: hm.importance, bases: hm.bases, start: hm.start, label: "ISM importance" };
  return null;
}
function drawTracks() {
  const rec = state.records[state.active];
  const tracks = $("tracks");
  if (!rec || !state.model || $("view-results").hidden) { if (!rec) tracks.hidden = true; return; }
  const hm = heatmapData();
  const imp = importanceRow();
  tracks.hidden = !hm && !imp;
  if (tracks.hidden) return;
  const { L, cw, left, start } = geometry();
  const width = left + L * cw;
  // heatmap
  const hc = $("heatmap");
  hc.width = width;
  hc.height = hm ? 4 * CELL_H : 0;
  hc.hidden = !hm;
  if (hm) {
    const ctx = hc.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, hc.height);
    for (let p = 0; p < L; p++) {
      for (let b = 0; b < 4; b++) {
        const isRef = hm.bases[p] === BASES[b];
        ctx.fillStyle = isRef ? "#d9d9d9" : colour(hm.effects[p * 4 + b] / hm.max);
        ctx.fillRect(left + p * cw, b * CELL_H, Math.max(1, cw - (cw > 4 ? 1 : 0)), CELL_H - 1);
      }
    }
    ctx.fillStyle = "#333";
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    for (let b = 0; b < 4; b++) ctx.fillText(BASES[b], 3, b * CELL_H + CELL_H / 2);
    if (state.selected) {
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 2;
      ctx.strokeRect(left + state.selected.p * cw, state.selected.b * CELL_H, cw, CELL_H - 1);
    }
    drawSegmentBounds(ctx, hm.segments, cw, left, hc.height);
    $("legend-min").textContent = fmt(-hm.max, 3);
    $("legend-max").textContent = `+${fmt(hm.max, 3)} ${unitOf(hm.t)}`;
    const lg = $("legend").getContext("2d");
    for (let x = 0; x < 200; x++) { lg.fillStyle = colour(x / 100 - 1); lg.fillRect(x, 0, 1, 12); }
  }
  $("export-png").disabled = $("export-svg").disabled = $("export-ism-tsv").disabled = !hm;
  $("cell-to-variant").disabled = !hm || !state.selected;
  for (const id of ["legend", "legend-min", "legend-max"]) $(id).hidden = !hm;
  if (!hm) $("scan-info").textContent = "";
  // importance logo
  const lc = $("logo");
  lc.width = width;
  const ctx = lc.getContext("2d");
  ctx.clearRect(0, 0, width, lc.height);
  if (imp) {
    let max = 0;
    for (const v of imp.values) max = Math.max(max, Math.abs(v));
    max = max || 1;
    const mid = lc.height / 2;
    ctx.strokeStyle = "#ccc";
    ctx.beginPath(); ctx.moveTo(left, mid); ctx.lineTo(width, mid); ctx.stroke();
    ctx.font = "bold 100px ui-monospace, monospace";
    ctx.textBaseline = "alphabetic";
    const capH = 72;
    const letterW = ctx.measureText("A").width;
    for (let p = 0; p < L; p++) {
      const v = imp.values[p];
      const h = Math.abs(v) / max * (mid - 2);
      if (h < 0.3) continue;
      const base = imp.bases[p];
      ctx.fillStyle = LOGO_COLOURS[base] ?? "#888";
      ctx.save();
      ctx.translate(left + p * cw, mid);
      ctx.scale(cw / letterW, h / capH);
      ctx.fillText(base, 0, v < 0 ? capH : 0); // negative: hangs below the midline
      ctx.restore();
    }
    ctx.fillStyle = "#333";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText(imp.label, left + 2, 11);
    drawSegmentBounds(ctx, trackSegments(), cw, left, lc.height);
  }
  // ruler
  const rc = $("ruler");
  rc.width = width;
  const r = rc.getContext("2d");
  r.fillStyle = "#555";
  r.font = "11px system-ui, sans-serif";
  r.textBaseline = "top";
  const step = cw >= 8 ? 10 : cw >= 4 ? 25 : 50;
  // labels are positions in the sequence (1-based); for two segments, in each segment
  const segs = trackSegments();
  for (let p = 1; p <= L; p++) {
    const seg = segmentAt(segs, p - 1);
    const pos = seg ? seg.window_start + (p - 1 - seg.offset) + 1 : start + p;
    if (pos % step !== 0 || pos < 1) continue;
    if (seg && p - 1 - seg.offset < 3) continue; // room for the segment's name
    r.fillRect(left + (p - 0.5) * cw, 0, 1, 4);
    r.fillText(String(pos), left + (p - 0.5) * cw - 8, 5);
  }
  for (const seg of segs ?? []) {
    r.fillStyle = "#000";
    r.font = "600 11px system-ui, sans-serif";
    r.fillText(seg.name, left + seg.offset * cw + 2, 5);
  }
}
// A line between the segments of a two-segment model, and each one's name.
function drawSegmentBounds(ctx, segs, cw, left, height) {
  if (!segs) return;
  ctx.save();
  ctx.fillStyle = "#000";
  for (const seg of segs.slice(1)) ctx.fillRect(left + seg.offset * cw - 1, 0, 2, height);
  ctx.restore();
}
function cellAt(x, y) {
  const { L, cw, left } = geometry();
  const p = Math.floor((x - left) / cw);
  const b = Math.floor(y / CELL_H);
  if (p < 0 || p >= L || b < 0 || b > 3) return null;
  return { p, b };
}
function describeCell(cell) {
  const hm = heatmapData();
  if (!hm || !cell) return null;
  const ref = hm.bases[cell.p];
  const alt = BASES[cell.b];
  const v = hm.effects[cell.p * 4 + cell.b];
  const seg = segmentAt(hm.segments, cell.p);
  if (seg) {
    // two-segment model: positions are within the promoter or the distal sequence
    const spos = seg.window_start + (cell.p - seg.offset) + 1;
    const where = `${seg.name} position ${spos}`;
    if (spos < 1 || spos > seg.length) return { text: `${seg.name} padding (${spos < 1 ? "before" : "after"} the sequence), ${ref}>${alt}: effect ${Number(v.toPrecision(7))}`, v, ref, alt, pos: spos, segment: seg.name };
    return { pos: spos, segment: seg.name, v, ref, alt, text: ref === alt ? `${where}: reference ${ref}` : `${where} ${ref}>${alt}: effect ${v >= 0 ? "+" : ""}${Number(v.toPrecision(7))} ${unitOf(hm.t)} (${state.model.info.targets[hm.t]})` };
  }
  const pos = hm.start + cell.p + 1;
  const len = state.records[state.active].length;
  if (pos < 1 || pos > len) return { text: `padding (${pos < 1 ? "before" : "after"} the sequence), ${ref}>${alt}: effect ${Number(v.toPrecision(7))}`, v, ref, alt, pos };
  return { pos, text: ref === alt ? `position ${pos}: reference ${ref}` : `position ${pos} ${ref}>${alt}: effect ${v >= 0 ? "+" : ""}${Number(v.toPrecision(7))} ${unitOf(hm.t)} (${state.model.info.targets[hm.t]})`, v, ref, alt };
}
function showTooltip(cell, x, y) {
  const tip = $("tooltip");
  const d = describeCell(cell);
  if (!d) { tip.hidden = true; return; }
  tip.textContent = d.text;
  tip.dataset.position = d.pos;
  tip.dataset.alt = d.alt;
  tip.dataset.effect = String(d.v);
  if (d.segment) tip.dataset.segment = d.segment; else delete tip.dataset.segment;
  tip.hidden = false;
  const box = $("tracks").getBoundingClientRect();
  tip.style.left = `${Math.min(Math.max(0, x - box.left + 12), box.width - 260)}px`;
  tip.style.top = `${y - box.top + 14}px`;
}
function setupScan() {
  $("scan-run").addEventListener("click", runScan);
  $("zoom").addEventListener("input", drawTracks);
  $("target-select").addEventListener("change", drawTracks);
  $("importance-source").addEventListener("change", drawTracks);
  const hc = $("heatmap");
  hc.addEventListener("mousemove", (e) => {
    const r = hc.getBoundingClientRect();
    showTooltip(cellAt(e.clientX - r.left, e.clientY - r.top), e.clientX, e.clientY);
  });
  hc.addEventListener("mouseleave", () => { $("tooltip").hidden = true; });
  // touch screens have no hover: a tap shows the cell
  hc.addEventListener("pointerdown", (e) => {
    const r = hc.getBoundingClientRect();
    const cell = cellAt(e.clientX - r.left, e.clientY - r.top);
    if (cell) { state.selected = cell; drawTracks(); showTooltip(cell, e.clientX, e.clientY); }
  });
  hc.addEventListener("keydown", (e) => {
    const { L } = geometry();
    const s = state.selected ?? { p: 0, b: 0 };
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (!moves[e.key]) return;
    e.preventDefault();
    state.selected = { p: Math.max(0, Math.min(L - 1, s.p + moves[e.key][0])), b: Math.max(0, Math.min(3, s.b + moves[e.key][1])) };
    drawTracks();
    const { cw, left } = geometry();
    const r = hc.getBoundingClientRect();
    const x = r.left + left + state.selected.p * cw;
    $("scroller").scrollLeft = Math.max(0, left + state.selected.p * cw - $("scroller").clientWidth / 2);
    showTooltip(state.selected, x, r.top + state.selected.b * CELL_H);
  });
  $("cell-to-variant").addEventListener("click", () => {
    const d = describeCell(state.selected);
    if (!d || d.ref === d.alt || !d.pos) return;
    if (d.segment) {
      // the variant list is for one segment at a time
      if ($("variant-segment").value !== d.segment) $("variant-input").value = "";
      $("variant-segment").value = d.segment;
    }
    const box = $("variant-input");
    box.value = `${box.value.replace(/\s*$/, "")}${box.value.trim() ? "\n" : ""}${d.pos} ${d.ref}>${d.alt}\n`;
    setStatus(`Added ${d.segment ? `${d.segment} ` : ""}${d.pos} ${d.ref}>${d.alt} to the variant list (Variants tab).`, "ok");
  });
  $("export-png").addEventListener("click", () => {
    const rec = state.records[state.active];
    const c = document.createElement("canvas");
    const hc2 = $("heatmap"), lc = $("logo"), rc = $("ruler");
    c.width = hc2.width; c.height = lc.height + hc2.height + rc.height;
    const ctx = c.getContext("2d");
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, c.width, c.height);
    ctx.drawImage(lc, 0, 0); ctx.drawImage(hc2, 0, lc.height); ctx.drawImage(rc, 0, lc.height + hc2.height);
    c.toBlob((blob) => download(`${rec.name}_ism.png`, blob), "image/png");
  });
  $("export-svg").addEventListener("click", () => {
    const hm = heatmapData();
    const rec = state.records[state.active];
    const cw = 6, left = 14;
    const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${left + hm.L * cw}" height="${4 * CELL_H + 20}" font-family="sans-serif" font-size="11">`,
      `<title>${xml(`Saturation mutagenesis of ${rec.name} (${state.model.name}, ${state.model.info.targets[hm.t]}); colour range ±${hm.max}`)}</title>`];
    for (let b = 0; b < 4; b++) parts.push(`<text x="2" y="${b * CELL_H + 12}">${BASES[b]}</text>`);
    for (let p = 0; p < hm.L; p++) for (let b = 0; b < 4; b++) {
      const ref = hm.bases[p] === BASES[b];
      const v = hm.effects[p * 4 + b];
      parts.push(`<rect x="${left + p * cw}" y="${b * CELL_H}" width="${cw}" height="${CELL_H - 1}" fill="${ref ? "#d9d9d9" : colour(v / hm.max)}"><title>${p + 1} ${hm.bases[p]}>${BASES[b]}: ${v}</title></rect>`);
    }
    for (let p = 10; p <= hm.L; p += 10) parts.push(`<text x="${left + (p - 1) * cw}" y="${4 * CELL_H + 14}">${p}</text>`);
    parts.push("</svg>");
    download(`${rec.name}_ism.svg`, new Blob([parts.join("\n")], { type: "image/svg+xml" }));
  });
  $("export-ism-tsv").addEventListener("click", () => {
    const r = state.scan.result;
    const [T, L] = r.shape;
    const segs = r.segments;
    const rows = [segs ? "segment\tposition\tref\talt\ttarget\teffect" : "position\tref\talt\ttarget\teffect"];
    for (let t = 0; t < T; t++) for (let p = 0; p < L; p++) for (let b = 0; b < 4; b++) {
      if (r.bases[p] === BASES[b]) continue;
      const seg = segmentAt(segs, p);
      const where = seg ? `${seg.name}\t${seg.window_start + p - seg.offset + 1}` : `${p + 1}`;
      rows.push(`${where}\t${r.bases[p]}\t${BASES[b]}\t${state.model.info.targets[t]}\t${r.effects[(t * L + p) * 4 + b]}`);
    }
    download(`${state.records[state.active].name}_ism.tsv`, new Blob([rows.join("\n") + "\n"], { type: "text/tab-separated-values" }));
  });
}

// ---------- motifs ----------
let motifsLoaded = null;
async function ensureMotifs() {
  if (!motifsLoaded) {
    motifsLoaded = (async () => {
      const bytes = INLINE ? b64decode(INLINE.motifs) : await getBytes("motifs/jaspar2024_core_vertebrates.meme");
      await pool.broadcast({ type: "motifs", bytes });
    })();
  }
  return motifsLoaded;
}
async function runMotifs() {
  flushInput();
  const rec = state.records[state.active];
  if (!rec) return;
  setStatus("Scanning JASPAR motifs…");
  try {
    await ensureMotifs();
    const imp = importanceRow();
    // one scan per segment (promoter and distal for a two-segment model), each with the
    // attribution of its own bases when the tracks cover exactly those
    const segs = trackSegments();
    const parts = paired()
      ? [["promoter", rec.bases], ["distal", rec.distal]].map(([name, bases]) => {
        const seg = segs?.find((x) => x.name === name);
        const whole = imp && seg && seg.window_start === 0 && seg.window_length === bases.length;
        return { label: name, rec: { bases, length: bases.length }, attribution: whole ? Float32Array.from(imp.values.subarray(seg.offset, seg.offset + seg.window_length)) : undefined };
      })
      : [{ label: null, rec, attribution: imp && imp.start === 0 && imp.values.length === rec.length ? Float32Array.from(imp.values) : undefined }];
    let shown = 0, total = 0;
    for (const part of parts) {
      let hits = await pool.run({ type: "highlights", bases: part.rec.bases, pThreshold: Number($("pvalue").value), attribution: part.attribution }).promise;
      part.total = hits.length;
      if ($("overlap-only").checked && part.attribution) {
        const sorted = Array.from(part.attribution, Math.abs).sort((a, b) => a - b);
        const q = sorted[Math.floor(sorted.length * 0.75)];
        hits = hits.filter((h) => Math.abs(h.mean_attribution ?? 0) >= q);
      }
      part.hits = hits;
      shown += hits.length;
      total += part.total;
    }
    renderMotifs(parts);
    setStatus(`${shown} motif hit${shown === 1 ? "" : "s"} shown (${total} at p < ${$("pvalue").value}).`, "ok");
  } catch (e) {
    setStatus(`Motif scan failed: ${e.message}`, "bad");
  }
}
function renderMotifs(parts) {
  const views = parts.map((p) => motifView(p.rec, p.hits, p.total, p.label));
  $("motif-map").replaceChildren(...views.flatMap((v) => v.nodes));
  const table = $("motif-table");
  table.querySelector("tbody").replaceChildren(...views.flatMap((v) => v.rows));
  table.hidden = views.every((v) => v.rows.length === 0);
}
// One sequence's motif map (a segment's, under its name, for a two-segment model) and table rows.
function motifView(rec, hits, total, label) {
  const L = rec.length;
  // greedy rows so that labels do not overlap: each bar takes its label's width (about 7 px a
  // letter) in sequence units; bars near the right end grow leftwards
  const MAX_ROWS = 6;
  const shown = hits.slice(0, 40);
  const px = Math.max(200, $("motif-map").clientWidth || 800);
  const rows = [];
  const placed = shown.slice().sort((a, b) => a.start - b.start).map((h) => {
    const label = `${h.motif_name ?? h.motif_id} ${h.strand}`;
    const w = Math.max(h.end - h.start, ((label.length * 7 + 12) / px) * L);
    const rightAnchored = h.start / L > 0.7;
    const a = rightAnchored ? h.end - w : h.start;
    const b = rightAnchored ? h.end : h.start + w;
    let r = rows.findIndex((spans) => spans.every(([x, y]) => b <= x || a >= y));
    if (r < 0) {
      if (rows.length >= MAX_ROWS) return null;
      rows.push([]);
      r = rows.length - 1;
    }
    rows[r].push([a, b]);
    return { h, r, label, rightAnchored };
  }).filter(Boolean);
  const seq = el("div", { class: "motif-seq" });
  const inHit = new Uint8Array(L);
  for (const h of hits) for (let i = h.start; i < h.end; i++) inHit[i] = 1;
  let i = 0;
  while (i < L) {
    let j = i;
    while (j < L && inHit[j] === inHit[i]) j++;
    seq.append(inHit[i] ? el("mark", {}, rec.bases.slice(i, j)) : rec.bases.slice(i, j));
    i = j;
  }
  const track = el("div", { class: "motif-track", "aria-label": "motif hits along the sequence" });
  track.style.height = `${Math.max(1, rows.length) * 22}px`;
  for (const { h, r, label, rightAnchored } of placed) {
    const bar = el("div", { class: `motif-bar ${h.strand === "-" ? "minus" : ""}`, title: `${h.motif_name ?? ""} ${h.motif_id} ${h.start + 1}-${h.end} (${h.strand}) p=${h.p_value.toExponential(2)}` }, label);
    if (rightAnchored) bar.style.right = `${100 - (100 * h.end) / L}%`;
    else bar.style.left = `${(100 * h.start) / L}%`;
    bar.style.minWidth = `${(100 * (h.end - h.start)) / L}%`;
    bar.style.top = `${r * 22}px`;
    track.append(bar);
  }
  const axis = el("div", { class: "motif-axis" }, el("span", {}, "1"), el("span", {}, String(L)));
  const note = el("p", { class: "help" }, `Map: ${placed.length} of ${hits.length} hits (strongest first; overlapping ones beyond ${MAX_ROWS} rows are in the table). Orange: + strand, blue: − strand.`);
  const tableRows = hits.map((h) => el("tr", { class: "motif-hit", dataset: label ? { segment: label } : {} },
    el("td", {}, `${h.motif_name ?? ""} (${h.motif_id})`), el("td", {}, `${label ? `${label} ` : ""}${h.start + 1}–${h.end}`), el("td", {}, h.strand),
    el("td", { class: "mono" }, h.matched), el("td", { class: "num" }, h.p_value.toExponential(2)),
    el("td", { class: "num" }, h.mean_attribution === undefined ? "—" : fmt(h.mean_attribution, 3))));
  const nodes = [
    ...(label ? [el("h3", { class: "segment-title" }, `${label[0].toUpperCase()}${label.slice(1)} (${L} bp)`)] : []),
    ...(hits.length ? [] : [el("p", { class: "muted" }, `No hits${total ? " after the overlap filter" : ""} at this threshold.`)]),
    note, track, axis, el(label ? "h4" : "h3", {}, "Sequence (motif bases marked)"), seq];
  return { nodes, rows: tableRows };
}

// ---------- variants ----------
async function runVariants() {
  flushInput();
  const rec = state.records[state.active];
  if (!rec) return;
  setStatus("Scoring variants…");
  try {
    const segment = paired() ? { segment: $("variant-segment").value } : {};
    const report = await pool.run({ type: "variants", sequence: itemOf(rec), variants: $("variant-input").value, options: { ...policyOptions(), ...segment, reverseComplement: $("variant-rc").checked, offset: Number($("variant-offset").value) || 0 } }).promise;
    state.variants = report.scores;
    renderVariants();
    const bad = report.scores.filter((s) => s.error).length;
    setStatus(`${report.scores.length} variant${report.scores.length === 1 ? "" : "s"} scored${bad ? `, ${bad} with errors` : ""}.`, bad ? "warn" : "ok");
  } catch (e) {
    setStatus(`Variant scoring failed: ${e.message}`, "bad");
  }
}
function variantColumns() {
  const targets = state.model.info.targets;
  const cols = [
    { key: "line", label: "line", get: (s) => s.line },
    { key: "id", label: "variant", get: (s) => s.id ?? "" },
    { key: "position", label: "position", get: (s) => s.position ?? "" },
    { key: "reference", label: "REF", get: (s) => s.reference ?? "" },
    { key: "alternate", label: "ALT", get: (s) => s.alternate ?? "" },
  ];
  targets.forEach((t, i) => {
    const suffix = targets.length > 1 ? ` ${t}` : "";
    cols.push({ key: `ref${i}`, label: `ref${suffix}`, get: (s) => s.ref_prediction[i], num: true });
    cols.push({ key: `alt${i}`, label: `alt${suffix}`, get: (s) => s.alt_prediction[i], num: true });
    cols.push({ key: `diff${i}`, label: `alt − ref${suffix}${unitOf(i) ? ` (${unitOf(i)})` : ""}`, get: (s) => s.difference[i], num: true });
    cols.push({ key: `lfc${i}`, label: `log2 FC${suffix}`, get: (s) => s.log2_fold_change[i], num: true });
  });
  cols.push({ key: "error", label: "error", get: (s) => s.error ?? "" });
  return cols;
}
function sortedVariants() {
  const cols = variantColumns();
  const col = cols.find((c) => c.key === state.sort.key);
  const rows = state.variants.slice();
  if (col) rows.sort((a, b) => {
    const x = col.get(a), y = col.get(b);
    if (x === undefined || x === "") return 1;
    if (y === undefined || y === "") return -1;
    return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * state.sort.dir;
  });
  return rows;
}
function renderVariants() {
  const table = $("variant-table");
  const cols = variantColumns();
  table.querySelector("thead").replaceChildren(el("tr", {}, ...cols.map((c) => {
    const sorted = state.sort.key === c.key;
    const th = el("th", { scope: "col", "aria-sort": sorted ? (state.sort.dir > 0 ? "ascending" : "descending") : "none" },
      el("button", { type: "button", class: "sort", onclick: () => { state.sort = { key: c.key, dir: sorted ? -state.sort.dir : 1 }; renderVariants(); } }, c.label, sorted ? (state.sort.dir > 0 ? " ▲" : " ▼") : ""));
    return th;
  })));
  table.querySelector("tbody").replaceChildren(...sortedVariants().map((s) => el("tr", { class: s.error ? "variant-error" : "" },
    ...cols.map((c) => {
      const v = c.get(s);
      return el("td", { class: c.num ? "num" : c.key === "error" ? "error-cell" : "", dataset: c.num && v !== undefined ? { value: String(v) } : {} }, c.num ? fmt(v, 5) : String(v));
    }))));
  table.hidden = false;
  $("variant-tsv").disabled = $("variant-csv").disabled = false;
}
function exportVariants(sep) {
  const cols = variantColumns();
  const q = (v) => {
    const s = v === undefined ? "" : String(v);
    return sep === "," && /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s.replace(/\t/g, " ");
  };
  const lines = [cols.map((c) => q(c.label)).join(sep), ...sortedVariants().map((s) => cols.map((c) => q(c.get(s))).join(sep))];
  const rec = state.records[state.active];
  download(`${rec.name}_variants.${sep === "," ? "csv" : "tsv"}`, new Blob([lines.join("\n") + "\n"], { type: sep === "," ? "text/csv" : "text/tab-separated-values" }));
}

// ---------- teaching ----------
function drawPwmLogo(canvas, probs) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width / probs.length, H = canvas.height;
  ctx.clearRect(0, 0, canvas.width, H);
  ctx.font = "bold 100px ui-monospace, monospace";
  const letterW = ctx.measureText("A").width;
  probs.forEach((col, i) => {
    let y = H; // letter height = probability (filters of a small model carry little information)
    col.map((p, b) => [p, b]).sort((a, b) => a[0] - b[0]).forEach(([p, b]) => {
      const h = p * H;
      if (h < 0.5) return;
      ctx.save();
      ctx.fillStyle = LOGO_COLOURS[BASES[b]];
      ctx.translate(i * w, y);
      ctx.scale(w / letterW, h / 72);
      ctx.fillText(BASES[b], 0, 0);
      ctx.restore();
      y -= h;
    });
  });
}
async function renderTeach() {
  const rec = state.records[state.active];
  const oh = $("onehot");
  if (rec) {
    const n = Math.min(rec.length, 16);
    const seq = rec.bases.slice(0, n);
    oh.replaceChildren(
      el("caption", {}, `first ${n} of ${rec.length} bases of ${rec.name}`),
      el("thead", {}, el("tr", {}, el("th", {}, ""), ...[...seq].map((b, i) => el("th", { scope: "col", title: `position ${i + 1}: mutate it below` },
        el("button", { type: "button", class: "sort", onclick: () => { $("mutate-pos").value = i + 1; updateMutateContext(); $("mutate-pos").focus(); } }, b))))),
      el("tbody", {}, ...[...BASES].map((B) => el("tr", {}, el("th", { scope: "row" }, B),
        ...[...seq].map((b) => { const v = b === "N" ? "0.25" : b === B ? "1" : "0"; return el("td", { class: v === "1" ? `hot base-${B}` : "" }, v); })))));
    $("mutate-pos").max = rec.length;
    updateMutateContext();
  } else oh.replaceChildren(el("caption", {}, "Paste a sequence first."));
  if (state.model && !state.filters) {
    state.filters = "loading";
    try {
      await ensureMotifs();
      state.filters = await pool.run({ type: "filters" }).promise;
    } catch (e) { state.filters = null; $("filters").textContent = `Filters unavailable: ${e.message}`; return; }
    // the most informative filters first
    const ranked = state.filters.slice().sort((a, b) => b.information_content - a.information_content);
    $("filters").replaceChildren(el("p", { class: "help filters-note" }, `${Math.min(32, ranked.length)} of ${ranked.length} filters, most informative first; letter height = probability.`),
      ...ranked.slice(0, 32).map((f) => {
      const c = el("canvas", { width: Math.max(60, f.probs.length * 12), height: 48, "aria-label": `filter ${f.filter} logo, consensus ${f.consensus}` });
      drawPwmLogo(c, f.probs);
      const best = f.matches?.[0];
      return el("figure", { class: "filter" }, c, el("figcaption", {}, el("strong", {}, `filter ${f.filter}`), ` ${f.consensus}`, el("br"),
        best ? `best JASPAR match: ${best.motif_name ?? ""} ${best.motif_id} (similarity ${best.similarity.toFixed(2)})` : "no JASPAR match"));
    }));
  }
}
function updateMutateContext() {
  const rec = state.records[state.active];
  if (!rec) return;
  const p = Math.max(1, Math.min(rec.length, Number($("mutate-pos").value) || 1)) - 1;
  const a = Math.max(0, p - 12), b = Math.min(rec.length, p + 13);
  $("mutate-context").replaceChildren(`${a + 1} `, rec.bases.slice(a, p), el("mark", {}, rec.bases[p]), rec.bases.slice(p + 1, b), ` ${b}`);
  for (const btn of $("mutate-bases").children) btn.setAttribute("aria-pressed", btn.dataset.base === rec.bases[p]);
}
async function mutate(base) {
  const rec = state.records[state.active];
  if (!rec || !state.model) return;
  const p = Math.max(1, Math.min(rec.length, Number($("mutate-pos").value) || 1)) - 1;
  const mutant = rec.bases.slice(0, p) + base + rec.bases.slice(p + 1);
  // a two-segment model: the base is mutated in the promoter, the distal partner kept
  const [ref, alt] = await pool.run({ type: "predict", sequences: [itemOf(rec), itemOf({ ...rec, bases: mutant })], options: policyOptions() }).promise;
  $("mutate-result").replaceChildren(...ref.values.map((v, i) => {
    const d = alt.values[i] - v;
    return el("div", { class: "pred" }, el("span", { class: "label" }, `${state.model.info.targets[i]}: ${rec.bases[p]}${p + 1}${base}`),
      el("span", { class: "value" }, `${fmt(v, 5)} → ${fmt(alt.values[i], 5)}`),
      el("span", { class: `delta ${d > 0 ? "up" : d < 0 ? "down" : ""}`, dataset: { delta: String(d) } }, `${d >= 0 ? "+" : ""}${fmt(d, 4)} ${unitOf(i)}`));
  }));
}

// ---------- start ----------
async function main() {
  setupTabs();
  setupInput();
  setupScan();
  $("policy-select").addEventListener("change", () => {
    state.predictions.clear();
    state.fittings.clear();
    state.scan = null;
    state.gxi = null;
    renderRecords();
    refreshActive();
  });
  $("motif-run").addEventListener("click", runMotifs);
  $("pvalue").addEventListener("change", () => $("motif-table").hidden || runMotifs());
  $("overlap-only").addEventListener("change", () => $("motif-table").hidden || runMotifs());
  $("variant-run").addEventListener("click", runVariants);
  $("variant-tsv").addEventListener("click", () => exportVariants("\t"));
  $("variant-csv").addEventListener("click", () => exportVariants(","));
  $("mutate-pos").addEventListener("input", updateMutateContext);
  for (const btn of $("mutate-bases").children) btn.addEventListener("click", () => mutate(btn.dataset.base));
  $("model-select").addEventListener("change", (e) => e.target.value !== "own" && useShipped(e.target.value));
  $("own-model").addEventListener("change", (e) => useOwnFiles(e.target.files));

  // Everything the first prediction needs is fetched at once, while the wasm compiles: the model
  // index, then the first model's files and the example sequences.
  const indexP = loadIndex();
  const firstOf = (index) => index.models.find((m) => (m.lengths?.length ?? 1) === 1) ?? index.models[0];
  const filesP = indexP.then((index) => (firstOf(index) ? fetchShipped(firstOf(index)) : null));
  filesP.then(() => performance.mark("regula:fetched"), () => null); // an error is reported where it is awaited
  const examplesP = indexP.then(loadExampleText);

  // one worker per core (each holds its own copy of the model), at most 8; they load their scripts
  // while the page compiles the wasm module, which they then get from the page (compiled once)
  const pkgUrl = INLINE ? URL.createObjectURL(new Blob([INLINE.glue], { type: "text/javascript" })) : new URL("pkg/regula_wasm.js", location.href).href;
  const workerUrl = INLINE ? URL.createObjectURL(new Blob([INLINE.workerClassic], { type: "text/javascript" })) : new URL("worker.js", location.href);
  const size = Math.max(1, Math.min(8, navigator.hardwareConcurrency || 2));
  const handlerModule = INLINE ? URL.createObjectURL(new Blob([INLINE.worker], { type: "text/javascript" })) : workerUrl;
  pool = new Pool(size, workerUrl, async (post) => (await import(handlerModule)).createHandler(post));
  pool.spawn();
  const glue = import(pkgUrl);
  glue.catch(() => null); // awaited below
  let wasmModule;
  if (INLINE) {
    wasmModule = await WebAssembly.compile(b64decode(INLINE.wasm));
  } else {
    const r = fetch("pkg/regula_wasm_bg.wasm");
    wasmModule = await WebAssembly.compileStreaming(r).catch(async () => WebAssembly.compile(await (await fetch("pkg/regula_wasm_bg.wasm")).arrayBuffer()));
  }
  performance.mark("regula:compiled");
  const started = pool.start({ type: "init", pkgUrl, wasmModule });
  // the first model goes to a worker as soon as its files are here (queued behind the init), while
  // the page instantiates its own copy of the module (for the input checks)
  const firstP = filesP.then((files) => {
    if (!files) return null;
    const loading = modelQueue = pool.setModel({ type: "model", onnx: files.onnx, manifest: files.manifestText, attribution: files.attribution });
    loading.catch(() => null); // reported by useModel
    return { files, loading };
  });
  firstP.catch(() => null);
  wasm = await glue;
  await wasm.default({ module_or_path: wasmModule });
  $("version").textContent = wasm.version();
  await started;
  $("pool-info").textContent = pool.mode === "workers" ? `${pool.workers.length} Web Worker${pool.workers.length > 1 ? "s" : ""}` : "running on the page (Web Workers unavailable)";
  document.body.dataset.ready = "true";
  performance.mark("regula:ready");

  state.index = await indexP;
  showExamples(await examplesP);
  const select = $("model-select");
  if (state.index.models.length) {
    // start with a model that reads one sequence (a promoter + distal model is one click away)
    const first = firstOf(state.index);
    let firstLoad = null;
    try { firstLoad = await firstP; } catch (e) { console.warn("model files:", e); } // fetched again below, reporting the error
    // the choice of another model appears once the first one's load is under way (queued after it)
    const bp = (m) => (m.lengths?.length > 1 ? `promoter ${m.lengths[0]} + distal ${m.lengths[1]} bp` : `${m.length} bp`);
    select.replaceChildren(...state.index.models.map((m) => el("option", { value: m.id }, `${m.name} — ${bp(m)}, ${m.targets.join(", ")}`)));
    await useShipped(first.id, firstLoad ?? undefined);
  } else {
    select.replaceChildren(el("option", { value: "" }, "no shipped model in this build"));
    setStatus("No shipped model in this build: load your own ONNX + manifest on the Model tab.", "warn");
  }
  if (inputKey() !== lastInput) onInput(); // text typed before the model was in
  $("single-file").hidden = INLINE || !state.index.single_file;
  // The service worker caches the app and every shipped model for offline use: it starts when
  // the workers are first idle, so that its downloads do not hold up the first prediction.
  if (!INLINE && "serviceWorker" in navigator && location.protocol.startsWith("http")) {
    pool.whenIdle().then(() => navigator.serviceWorker.register("sw.js")).catch((e) => console.warn("service worker:", e));
  }
}
main().catch((e) => {
  setStatus(`Could not start: ${e.message ?? e}`, "bad");
  console.error(e);
});
