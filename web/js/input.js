// The sequence input: the two boxes (one for a one-sequence model), file drop, examples, and the
// records they hold. The wasm module checks the text (checkSequences): it returns each record's
// name, bases and summary, or throws with the location of the first bad letter; the page parses
// nothing itself. This module owns the records, the selected one and each record's prediction.
import { checkSequences } from "../pkg/regula_wasm.js";
import { $, el, fmt } from "./dom.js";
import { emit } from "./events.js";
import { current, paired, targets, unitOf } from "./model.js";

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
const inputKey = () => `${paired()}|${$("sequence-input").value}|${$("distal-input").value}`;

export const getRecords = () => records;
export const activeRecord = () => records[active];
// Keeps a record's prediction (the pool's answer for it) with the record.
export function setPrediction(rec, p) {
  rec.prediction = { values: p.values, fitting: p.segments ?? p.fitting };
}
// Drops every record's prediction (another model or length policy).
export function clearPredictions() {
  for (const r of records) delete r.prediction;
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
  if (!paired()) {
    if (text.trim()) next = check(text, "sequence-input", "Not a valid sequence: ");
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
  $("records").hidden = records.length === 0;
  if (records.length) {
    active = Math.min(active, records.length - 1);
    renderRecords();
  }
  emit("records");
}

export function renderRecords() {
  const table = $("records");
  const ts = targets();
  table.querySelector("thead tr").replaceChildren(
    ...["record", "length (bp)", "GC", "N", "soft-masked"].map((h) => el("th", { scope: "col" }, h)),
    ...ts.map((t, i) => el("th", { scope: "col" }, `${t}${unitOf(i) ? ` (${unitOf(i)})` : ""}`)),
  );
  table.querySelector("tbody").replaceChildren(...records.map((r, i) => {
    const values = r.prediction?.values;
    const row = el("tr", { class: i === active ? "active" : "", tabindex: 0, "aria-selected": i === active },
      el("td", {}, r.distal !== undefined ? `${r.name} + ${r.distalName}` : r.name), el("td", {}, r.distal !== undefined ? `${r.length} + ${r.distalLength}` : String(r.length)), el("td", {}, `${(100 * r.gc).toFixed(1)} %`),
      el("td", {}, String(r.n_count)), el("td", {}, String(r.masked)),
      ...ts.map((_, t) => el("td", { class: "num", dataset: values ? { value: String(values[t]) } : {} }, values ? fmt(values[t]) : "")));
    const select = () => { active = i; renderRecords(); emit("active"); };
    row.addEventListener("click", select);
    row.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(); } });
    return row;
  }));
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

async function loadFile(file) {
  if (file.size > 50e6) {
    $("input-error").textContent = `${file.name} is ${(file.size / 1e6).toFixed(0)} MB: too large for this page (50 MB at most).`;
    $("input-error").hidden = false;
    return;
  }
  $("sequence-input").value = await file.text();
  read();
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
      clearTimeout(inputTimer);
      inputTimer = setTimeout(() => { inputTimer = null; read(); }, 200);
    });
  }
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
      const ex = examples;
      const pairs = v === "__all" ? [...Array(Math.floor(ex.length / 2)).keys()] : [Math.floor(Number(v) / 2)];
      $("sequence-input").value = pairs.map((k) => ex[2 * k].text).join("");
      $("distal-input").value = pairs.map((k) => ex[(2 * k + 1) % ex.length].text).join("");
    } else {
      $("sequence-input").value = v === "__all" ? examplesText : examples[Number(v)].text;
    }
    read();
  });
}
