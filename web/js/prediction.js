// Predictions: of every record (in the worker pool, with progress and cancel) and of the
// selected one, with what the length policy did to it. Each prediction is kept on its record
// (input.js). Selecting a record also fetches its gradient × input for the tracks (scan-view.js).
import { $, download, el, fmt, setStatus, settleStatus } from "./dom.js";
import { headerLines } from "./provenance.js";
import { activeRecord, flushInput, getRecords, renderRecords, setPrediction } from "./input.js";
import { current, describePercentile, itemOf, percentileOf, labelOf, paired, policyOptions, strandsLabel, unitOf } from "./model.js";
import { pool } from "./pool.js";
import { progressBar } from "./progress.js";
import { drawTracks, needsGxi, setGxi } from "./scan-view.js";
import { renderTeach } from "./teach.js";

export async function predictAll() {
  flushInput();
  const records = getRecords();
  const n = records.length;
  // split the records over the pool
  const per = Math.ceil(n / pool.workers.length);
  const jobs = [];
  let done = 0;
  const ui = progressBar("predict-progress", { onCancel: () => jobs.forEach((j) => j.job.cancel()) });
  for (let start = 0; start < n; start += per) {
    const part = records.slice(start, start + per);
    const job = pool.run({ type: "predict", sequences: part.map(itemOf), options: policyOptions() });
    let last = 0;
    jobs.push({ part, job });
    job.onProgress((d) => { done += d - last; last = d; ui.update(done, n, `predicted ${done} of ${n}`); });
  }
  setStatus(`Predicting ${n} record${n > 1 ? "s" : ""}…`);
  // each record is predicted on its own: one that cannot be gets its own error on its row
  const settled = await Promise.allSettled(jobs.map((j) => j.job.promise));
  let failed = 0, cancelled = false;
  const problems = [];
  settled.forEach((res, k) => {
    if (res.status === "fulfilled") {
      res.value.forEach((r, i) => {
        setPrediction(jobs[k].part[i], r);
        if (r.error) { failed++; problems.push(`${jobs[k].part[i].name}: ${r.error}`); }
      });
    } else if (res.reason?.cancelled) cancelled = true;
    else jobs[k].part.forEach((rec) => { failed++; setPrediction(rec, { error: res.reason?.message ?? String(res.reason) }); });
  });
  const ok = n - failed;
  if (cancelled) setStatus("Prediction cancelled.", "");
  else if (!failed) setStatus(`Predicted ${n} record${n > 1 ? "s" : ""}.`, "ok");
  else setStatus(`Predicted ${ok} of ${n} records; ${failed} could not be predicted (the reason is on ${failed === 1 ? "its row" : "their rows"}${problems.length ? `; first: ${problems[0]}` : ""}).`, "warn");
  ui.end();
  renderRecords();
  renderPrediction();
}

// Every record's prediction (or why it has none) as TSV, with the provenance in # lines.
function exportPredictions() {
  const model = current();
  const records = getRecords();
  const ts = model.info.targets;
  const hasTable = ts.some((_, i) => percentileOf(i, 0) !== null);
  const describe = (f) => (!f ? "" : Array.isArray(f) ? f.map((s) => `${s.name}: ${s.fitting.action}`).join("; ") : f.action === "tiled" ? `mean over ${f.windows} windows (stride ${f.stride})` : f.action);
  const lines = [...headerLines(null, [["records", String(records.length)]]),
    ["record", "length", ...ts.map((t, i) => `${t} (${unitOf(i)})`), ...(hasTable ? ts.map((t) => `${t} percentile`) : []), "fitting", "status"].join("\t"),
    ...records.map((r) => {
      const v = r.prediction?.values;
      return [r.name, r.distal !== undefined ? `${r.length}+${r.distalLength}` : r.length, ...ts.map((_, i) => (v ? v[i] : "")),
        ...(hasTable ? ts.map((_, i) => (v && percentileOf(i, v[i]) ? (100 * percentileOf(i, v[i]).fraction).toFixed(1) : "")) : []),
        describe(r.prediction?.fitting), r.predictionError ? `not predicted: ${r.predictionError.replace(/\s+/g, " ")}` : v ? "ok" : "not predicted yet"].join("\t");
    })];
  download("predictions.tsv", new Blob([lines.join("\n") + "\n"], { type: "text/tab-separated-values" }));
}

// Shows the selected record and predicts it (and its gradient × input) when not done yet.
export async function refreshActive() {
  const rec = activeRecord();
  const model = current();
  for (const id of ["active-name", "motif-name", "variant-name"]) $(id).textContent = rec ? (rec.distal !== undefined ? `— ${rec.name} (${rec.length} bp) + ${rec.distalName} (${rec.distalLength} bp)` : `— ${rec.name} (${rec.length} bp)`) : "";
  renderPrediction();
  drawTracks();
  if (!rec || !model) return;
  // an answer for another record, model or length policy (chosen while it ran) is dropped
  const policy = JSON.stringify(policyOptions());
  const stillActive = () => activeRecord() === rec && current() === model && JSON.stringify(policyOptions()) === policy;
  try {
    if (!rec.prediction) {
      const [p] = await pool.run({ type: "predict", sequences: [itemOf(rec)], options: policyOptions() }).promise;
      if (!stillActive()) return;
      setPrediction(rec, p);
      renderRecords();
      if (p.error) throw new Error(p.error);
      renderPrediction();
      settleStatus(`Predicted ${rec.name}.`);
    }
    if (model.info.hasAttributionGraph && needsGxi()) {
      const a = await pool.run({ type: "attribution", sequence: itemOf(rec), options: policyOptions() }).promise;
      if (!stillActive()) return;
      setGxi(a, rec);
    }
    if (!$("view-teach").hidden) renderTeach();
  } catch (e) {
    if (!stillActive()) return;
    const long = !paired() && rec.length > model.info.length;
    $("prediction").replaceChildren(el("p", { class: "error", role: "alert" }, `Cannot predict ${rec.name}: ${e.message}`,
      ...(long ? [el("br"), "Choose “tile” or “crop” under “Other lengths” above to fit it to the model."] : [])));
    setStatus(`Prediction failed for ${rec.name}.`, "bad");
  }
}

function renderPrediction() {
  const box = $("prediction");
  const model = current();
  const rec = activeRecord();
  const values = rec?.prediction?.values;
  // which model the values shown are of: a reader (the e2e tests) checks it in the same step
  if (values && model) box.dataset.model = model.name;
  else delete box.dataset.model;
  if (!values || !model) {
    box.replaceChildren(el("p", { class: "muted" }, model ? (getRecords().length ? "Predicting…" : "Paste a sequence on the Sequence tab.") : "Choose a model on the Model tab."));
    return;
  }
  const fit = rec.prediction.fitting;
  const describeFit = (f) => (!f || f.action === "unchanged" ? "" : f.action === "tiled" ? `mean over ${f.windows} windows (stride ${f.stride})` : `${f.action} (${f.left} left, ${f.right} right)`);
  const fitText = Array.isArray(fit)
    ? fit.filter((f) => f.fitting.action !== "unchanged").map((f) => `${f.name} ${f.length} bp vs ${f.window_length} bp: ${describeFit(f.fitting)}`).join("; ")
    : describeFit(fit);
  box.replaceChildren(
    ...values.map((v, i) => el("div", { class: "pred" },
      el("span", { class: "label" }, labelOf(i) === model.info.targets[i] ? model.info.targets[i] : `${model.info.targets[i]}: ${labelOf(i)}`),
      el("span", { class: "value", dataset: { target: model.info.targets[i], value: String(v) } }, fmt(v, 5)),
      el("span", { class: "unit" }, unitOf(i)),
      el("span", { class: "strands" }, strandsLabel()),
      ...(percentileOf(i, v) ? [el("span", { class: "percentile", dataset: { fraction: String(percentileOf(i, v).fraction) } }, describePercentile(i, v))] : []))),
    ...(fitText ? [el("p", { class: "help" }, Array.isArray(fit) ? `${fitText}.` : `Length ${rec.length} bp vs model ${model.info.length} bp: ${fitText}.`)] : []));
}

export function setupPrediction() {
  $("predict-all").addEventListener("click", predictAll);
  $("records-tsv").addEventListener("click", exportPredictions);
}
