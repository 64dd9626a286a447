// The sequence input: the two boxes (one for a one-sequence model), file drop, examples, and the
// records they hold. The wasm module checks the text (checkSequences): it returns each record's
// name, bases and summary, or throws with the location of the first bad letter; the page parses
// nothing itself. This module owns the records, the selected one and each record's prediction.
import { checkSequences } from "../pkg/regula_wasm.js";
import { $, el, fmt, setStatus, settleStatus } from "./dom.js";
import { emit } from "./events.js";
import { current, paired, targets, unitOf } from "./model.js";
import { pool } from "./pool.js";
import { progressBar } from "./progress.js";

// Files larger than this are read and checked in a worker, with progress, and not copied into
// the text box (the page stays responsive); smaller ones go into the box as typed text would.
export const LARGE_INPUT_BYTES = 5e6;
// The records table lists at most this many rows (all are predicted and exported).
const TABLE_ROWS = 500;

// {name, bases, length, gc, n_count, masked, distal?, distalName?, distalLength?,
//  prediction?: {values, fitting}} (fitting: how the length policy fitted it; per segment for two)
let records = [];
let active = 0;
let examples = []; // {name, text}
let examplesText = "";
let pairedInput; // whether the boxes were last read for a two-segment model
let checking = false; // the page's wasm instance is ready for the checks
let inputTimer = null;
// What read() last read, once a model was there: the page's start reads the boxes again only if
// they changed (a second read would predict the same records again).
let lastInput = null;
// Records of a large file, checked in a worker (used while the sequence box is empty).
let fileRecords = null; // {name, size, records}
const inputKey = () => `${paired()}|${$("sequence-input").value}|${$("distal-input").value}|${fileRecords?.name ?? ""}`;

export const getRecords = () => records;
export const activeRecord = () => records[active];
// Keeps a record's prediction (the pool's answer for it) with the record.
// An answer with `error` (this record could not be predicted) is kept as the record's error.
export function setPrediction(rec, p) {
  if (p.error) {
    delete rec.prediction;
    rec.predictionError = p.error;
    return;
  }
  delete rec.predictionError;
  rec.prediction = { values: p.values, fitting: p.segments ?? p.fitting };
}
// Drops every record's prediction (another model or length policy).
export function clearPredictions() {
  for (const r of records) { delete r.prediction; delete r.predictionError; }
}
// Where the selected record lies in the genome, as entered in the Sequence view (once, for
// every analysis and export): {chrom, start} (start: 1-based position of its first base), or null.
export function coordinates() {
  const chrom = $("coord-chrom").value.trim();
  const start = Number($("coord-start").value);
  if (!chrom && !start) return null;
  return { chrom: chrom || null, start: Number.isFinite(start) && start >= 1 ? Math.floor(start) : 1 };
}
// The genomic position of 1-based position `pos` of the selected record, as "chrX:123", or "".
export function genomicPosition(pos) {
  const c = coordinates();
  if (!c || pos === undefined || pos === null) return "";
  return `${c.chrom ? `${c.chrom}:` : ""}${(c.start - 1 + pos).toLocaleString("en")}`;
}

// The page's wasm instance is ready: read the boxes (again) if they changed since the last read.
export function enable() {
  checking = true;
}
export function readIfChanged() {
  if (inputKey() !== lastInput) read();
}
// Applies typed text at once (a button pressed within the input's debounce acts on the new text).
export function flushInput() {
  if (inputTimer) { clearTimeout(inputTimer); inputTimer = null; read(); }
}

// Offers to select the offending letter of a located error in its box.
function selectButton(boxId, location) {
  if (location?.offset === undefined) return [];
  return [el("button", { type: "button", class: "show-error", onclick: () => {
    const box = $(boxId);
    box.focus();
    box.setSelectionRange(location.offset, location.end);
  } }, "Select it in the text")];
}
function showError(message, boxId, location) {
  const error = $("input-error");
  error.replaceChildren(message, " ", ...selectButton(boxId, location));
  error.hidden = false;
}

// Checks one box: its records, or null after showing the error.
function check(text, boxId, prefix) {
  try {
    return checkSequences(text).map((r) => ({ ...r, bases: r.bases.toUpperCase() }));
  } catch (e) {
    showError(`${prefix}${e.message ?? e}`, boxId, e.location);
    return null;
  }
}

// Reads the boxes into records.
function read() {
  lastInput = current() && checking ? inputKey() : null;
  if (!checking) return;
  const text = $("sequence-input").value;
  const distalText = $("distal-input").value;
  let next = [];
  let failed = false;
  if (!paired() && text.length > LARGE_INPUT_BYTES) {
    checkLargeText(text); // in a worker, with progress; records follow when it answers
    return;
  }
  if (!paired()) {
    if (text.trim()) next = check(text, "sequence-input", "Not a valid sequence: ");
    else if (fileRecords) next = fileRecords.records;
  } else if (text.trim() || distalText.trim()) {
    // two boxes: promoter records pair with distal records in order
    const promoters = text.trim() ? check(text, "sequence-input", "Promoter box: not a valid sequence: ") : [];
    const distals = promoters && (distalText.trim() ? check(distalText, "distal-input", "Distal box: not a valid sequence: ") : []);
    if (promoters && distals && promoters.length !== distals.length) {
      showError(`This model reads a promoter and a distal sequence per prediction: the promoter box has ${promoters.length} record${promoters.length === 1 ? "" : "s"}, the distal box ${distals.length}. Give one distal record per promoter record, in the same order.`);
      next = null;
    } else if (promoters && distals) {
      next = promoters.map((r, i) => ({
        ...r, distal: distals[i].bases, distalName: distals[i].name, distalLength: distals[i].length,
        gc: (r.gc * r.length + distals[i].gc * distals[i].length) / Math.max(1, r.length + distals[i].length),
        n_count: r.n_count + distals[i].n_count, masked: r.masked + distals[i].masked,
      }));
    } else next = null;
  }
  if (next === null) { failed = true; next = []; }
  records = next;
  if (!failed) $("input-error").hidden = true;
  if (!failed && records.length) settleStatus(`${records.length} record${records.length === 1 ? "" : "s"} read.`);
  $("records").hidden = records.length === 0;
  if (records.length) {
    active = Math.min(active, records.length - 1);
    renderRecords();
  }
  emit("records");
}

// Text over LARGE_INPUT_BYTES pasted into the box: checked in a worker with progress (the page
// stays responsive); a located error selects its letter in the box as for short text.
let largeCheck = 0;
async function checkLargeText(text) {
  const mine = ++largeCheck;
  let job = null;
  const ui = progressBar("input-progress", { onCancel: () => job?.cancel() });
  const mb = (text.length / 1e6).toFixed(1);
  setStatus(`Checking the pasted ${mb} MB in a worker…`);
  job = pool.run({ type: "check", text }, (d, t) => ui.update(d, t, `checking ${Math.floor((100 * d) / t)} %`));
  try {
    const recs = await job.promise;
    if (mine !== largeCheck) return;
    records = recs.map((r) => ({ ...r, bases: r.bases.toUpperCase() }));
    $("input-error").hidden = true;
    $("records").hidden = records.length === 0;
    active = Math.min(active, Math.max(0, records.length - 1));
    renderRecords();
    setStatus(`Read ${records.length} record${records.length === 1 ? "" : "s"} (${mb} MB, checked in a worker).`, "ok");
    emit("records");
  } catch (e) {
    if (mine !== largeCheck) return;
    if (e.cancelled) setStatus("Checking the pasted text cancelled.", "");
    else { showError(`Not a valid sequence: ${e.message ?? e}`, "sequence-input", e.location); setStatus("The pasted text is not a valid sequence.", "bad"); }
  } finally {
    if (mine === largeCheck) ui.end();
  }
}

export function renderRecords() {
  const table = $("records");
  const ts = targets();
  table.querySelector("thead tr").replaceChildren(
    ...["record", "length (bp)", "GC", "N", "soft-masked"].map((h) => el("th", { scope: "col" }, h)),
    ...ts.map((t, i) => el("th", { scope: "col" }, `${t}${unitOf(i) ? ` (${unitOf(i)})` : ""}`)),
  );
  const shown = records.slice(0, Math.max(TABLE_ROWS, active + 1));
  table.querySelector("tbody").replaceChildren(...shown.map((r, i) => {
    const values = r.prediction?.values;
    const cells = r.predictionError
      ? [el("td", { class: "error-cell record-error", colspan: Math.max(1, ts.length), title: r.predictionError }, `not predicted: ${r.predictionError}`)]
      : ts.map((_, t) => el("td", { class: "num", dataset: values ? { value: String(values[t]) } : {} }, values ? fmt(values[t]) : ""));
    const row = el("tr", { class: `${i === active ? "active" : ""}${r.predictionError ? " record-failed" : ""}`, tabindex: 0, "aria-selected": i === active },
      el("td", {}, r.distal !== undefined ? `${r.name} + ${r.distalName}` : r.name), el("td", {}, r.distal !== undefined ? `${r.length} + ${r.distalLength}` : String(r.length)), el("td", {}, `${(100 * r.gc).toFixed(1)} %`),
      el("td", {}, String(r.n_count)), el("td", {}, String(r.masked)), ...cells);
    const select = () => { active = i; renderRecords(); emit("active"); };
    row.addEventListener("click", select);
    row.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(); } });
    return row;
  }), ...(records.length > shown.length ? [el("tr", {}, el("td", { colspan: 5 + ts.length, class: "muted" }, `… and ${records.length - shown.length} more records (all are predicted by “Predict all” and in its export).`))] : []));
}

// A new model: its targets head the table; a two-segment model shows the distal box, and the
// boxes are read again when the model reads a different number of sequences.
export function modelChanged() {
  clearPredictions();
  renderRecords();
  const two = paired();
  $("distal-box").hidden = $("pair-help").hidden = !two;
  $("sequence-label").textContent = two ? "Promoter sequence: a sequence or FASTA records (one or many)" : "Paste a sequence or FASTA records (one or many)";
  if (pairedInput !== two) { pairedInput = two; read(); }
}

// A file's problem: said in the error box and the status line; the boxes keep what they had.
function fileProblem(message) {
  showError(message);
  setStatus(message, "bad");
}
// Reads a file as text with progress (FileReader), for large files.
let reader = null; // the FileReader of a large file being read (Cancel aborts it)
function readText(file, onProgress) {
  return new Promise((resolve, reject) => {
    const r = reader = new FileReader();
    r.onabort = () => reject(Object.assign(new Error("cancelled"), { cancelled: true }));
    r.onprogress = (e) => onProgress?.(e.loaded, e.total || file.size);
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("the browser could not read it"));
    r.readAsText(file);
  });
}
const looksBinary = (text) => text.slice(0, 65536).includes("\u0000") || (text.slice(0, 65536).match(/\uFFFD/g)?.length ?? 0) > 16;

export async function loadFile(file) {
  const keep = "; the sequence box keeps what it had.";
  if (file.size > 50e6) return fileProblem(`${file.name} is ${(file.size / 1e6).toFixed(0)} MB: too large for this page (50 MB at most)${keep}`);
  if (file.size === 0) return fileProblem(`${file.name} is empty: no sequence was read${keep}`);
  if (file.size <= LARGE_INPUT_BYTES) {
    let text;
    try { text = await file.text(); } catch (e) { return fileProblem(`${file.name} could not be read (${e.message ?? e})${keep}`); }
    if (!text.trim()) return fileProblem(`${file.name} holds only blank space: no sequence was read${keep}`);
    if (looksBinary(text)) return fileProblem(`${file.name} is not a text file (FASTA, plain sequence or a table)${keep}`);
    fileRecords = null;
    $("sequence-input").value = text;
    read();
    if (records.length) setStatus(`Read ${records.length} record${records.length === 1 ? "" : "s"} from ${file.name}.`, "ok");
    return;
  }
  // A large file: read with progress, checked in a worker in pieces, kept out of the text box.
  const mb = (file.size / 1e6).toFixed(1);
  let job = null, cancelled = false;
  const ui = progressBar("input-progress", { onCancel: () => { cancelled = true; reader?.abort(); job?.cancel(); } });
  try {
    setStatus(`Reading ${file.name} (${mb} MB)…`);
    const text = await readText(file, (d, t) => ui.update(d, 2 * t, `reading ${Math.floor((50 * d) / t)} %`));
    if (cancelled) throw Object.assign(new Error("cancelled"), { cancelled: true });
    if (!text.trim()) return fileProblem(`${file.name} holds only blank space: no sequence was read${keep}`);
    if (looksBinary(text)) return fileProblem(`${file.name} is not a text file (FASTA, plain sequence or a table)${keep}`);
    setStatus(`Checking ${file.name} (${mb} MB) in a worker…`);
    job = pool.run({ type: "check", text }, (d, t) => ui.update(t + d, 2 * t, `checking ${50 + Math.floor((50 * d) / t)} %`));
    const recs = await job.promise;
    fileRecords = { name: file.name, size: file.size, records: recs.map((r) => ({ ...r, bases: r.bases.toUpperCase() })) };
    $("sequence-input").value = "";
    $("file-note").textContent = `${fileRecords.records.length} record${fileRecords.records.length === 1 ? "" : "s"} from ${file.name} (${mb} MB), checked in a worker; files over ${LARGE_INPUT_BYTES / 1e6} MB are not copied into the box. Typing in the box replaces them.`;
    $("file-note").hidden = false;
    read();
    setStatus(`Read ${fileRecords.records.length} record${fileRecords.records.length === 1 ? "" : "s"} from ${file.name} (${mb} MB).`, "ok");
  } catch (e) {
    if (e.cancelled) setStatus(`Reading ${file.name} cancelled; the sequence box keeps what it had.`, "");
    else fileProblem(`${file.name}: not a valid sequence: ${e.message ?? e}${keep}`);
  } finally {
    ui.end();
  }
}

// Example sequences ({text, label} from assets.examples): one menu entry per FASTA record.
export function showExamples({ text, label }) {
  document.querySelector('label[for="example-select"]').textContent = label;
  $("example-select").replaceChildren(el("option", { value: "" }, "— choose an example —"));
  examplesText = text;
  let recs = [];
  try { recs = text.trim() ? checkSequences(text) : []; } catch (e) { console.warn("examples:", e); }
  examples = recs.map((r) => ({ name: r.name, text: `>${r.name}${r.description ? ` ${r.description}` : ""}\n${r.bases}\n` }));
  $("example-select").append(
    ...examples.map((ex, i) => el("option", { value: i }, ex.name)),
    el("option", { value: "__all" }, `all ${examples.length} examples (table)`));
}

export function setupInput() {
  for (const id of ["sequence-input", "distal-input"]) {
    $(id).addEventListener("input", () => {
      if (id === "sequence-input" && fileRecords) { fileRecords = null; $("file-note").hidden = true; }
      clearTimeout(inputTimer);
      inputTimer = setTimeout(() => { inputTimer = null; read(); }, 200);
    });
  }
  $("fasta-file").addEventListener("change", (e) => { if (e.target.files[0]) loadFile(e.target.files[0]); e.target.value = ""; });
  // the coordinates head every export and place variants: another element, another analysis
  for (const id of ["coord-chrom", "coord-start"]) $(id).addEventListener("change", () => emit("coordinates"));
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
      const ex = examples;
      const pairs = v === "__all" ? [...Array(Math.floor(ex.length / 2)).keys()] : [Math.floor(Number(v) / 2)];
      $("sequence-input").value = pairs.map((k) => ex[2 * k].text).join("");
      $("distal-input").value = pairs.map((k) => ex[(2 * k + 1) % ex.length].text).join("");
    } else {
      $("sequence-input").value = v === "__all" ? examplesText : examples[Number(v)].text;
    }
    fileRecords = null;
    $("file-note").hidden = true;
    read();
  });
}
