// The model: the index of shipped models, the one in use (loaded into the worker pool), its
// model card, and the length policy chosen for sequences of other lengths. Other modules read
// it through current(), paired(), itemOf() and policyOptions(); a new model is announced with
// the "model" event.
import { assets } from "./assets.js";
import { $, el, fmt, setStatus } from "./dom.js";
import { emit } from "./events.js";
import { pool } from "./pool.js";

let index = { models: [] };
let model = null; // {id, name, manifest, manifestText, hash, info}: info is the pool's answer ({length, targets, segments, ...}); hash: SHA-256 of the manifest text
// Model loads run one after the other, each after the one chosen before it (so the last one
// chosen is the one the page and the pool end with).
let queue = Promise.resolve();

export const current = () => model;
export const getIndex = () => index;
export function setIndex(i) { index = i; }
export const entryOf = (id) => index.models.find((m) => m.id === id);
// The model the page starts with: the first that reads one sequence (a promoter + distal model is one click away).
// The model the app opens with: the index's default (scripts/web-index.mjs), else the first that
// reads one sequence.
export const firstOf = (i) =>
  i.models.find((m) => m.id === i.default) ?? i.models.find((m) => (m.lengths?.length ?? 1) === 1) ?? i.models[0];
// Whether the model's predictions average both strands (the manifest's `strands`, how its
// metrics were measured): the app's predictions, scans and variant scores do by default.
export const bothStrands = () => model?.manifest?.strands === "both";
// The strands a prediction reads, in the words of the manifest and cards (Strands::describe).
export const strandsLabel = () => (bothStrands() ? "mean of both strands" : "forward strand");
export const isClassifier = () => model?.manifest?.output?.kind === "classification";
// The unit of target i's values, as the manifest states it. A classifier's output is a
// probability: of the class the unit names ("probability of promoter"), else of label 1.
export function unitOf(i) {
  const t = model?.manifest?.targets?.[i];
  if (!t) return "";
  if (isClassifier()) return /^probability/i.test(t.unit ?? "") ? t.unit : `probability of ${t.name} = 1`;
  return t.unit && t.unit !== "as in the training table" ? t.unit : "units of the training table";
}
// What a value of target i is, in words: "probability of promoter" for a classifier, else the
// target's name.
export const labelOf = (i) => (isClassifier() ? unitOf(i) : targets()[i] ?? "");
// Where `v` lies among the model's own predictions on its test rows (the manifest's quantile
// table of target i): the fraction below it, linear between quantiles (as
// regula_core::manifest::PredictionQuantiles::fraction_below), or null without a table.
export function percentileOf(i, v) {
  const q = model?.manifest?.targets?.[i]?.prediction_quantiles;
  if (!q?.values?.length || q.values.length < 2 || !Number.isFinite(v)) return null;
  const t = q.values, n = t.length;
  let f;
  if (v < t[0]) f = 0;
  else if (v >= t[n - 1]) f = 1;
  else {
    let k = 0;
    while (k + 1 < n && t[k + 1] <= v) k++;
    const span = t[k + 1] - t[k];
    f = (k + (span > 0 ? (v - t[k]) / span : 0)) / (n - 1);
  }
  return { fraction: f, split: q.split, rows: q.rows };
}
export function describePercentile(i, v) {
  const p = percentileOf(i, v);
  if (!p) return "";
  const pct = Math.round(100 * p.fraction);
  const of = `the model's ${p.split} elements (${p.rows})`;
  return pct >= 100 ? `above all of ${of}` : pct <= 0 ? `below all of ${of}` : `above ${pct} % of ${of}`;
}
export const targets = () => model?.info?.targets ?? [];
// Two-segment models (promoter + distal partner) read a pair per prediction.
export const paired = () => (model?.info?.segments?.length ?? 1) > 1;
// What the wasm API takes for a record: its sequence, or {name, promoter, distal}.
// Named, so that a problem names the record.
export const itemOf = (r) => (paired() ? { name: r.name, promoter: r.bases, distal: r.distal ?? "" } : { name: r.name, sequence: r.bases });
export const keyOf = (r) => (r ? `${r.bases}|${r.distal ?? ""}` : null);
// The segment a position of a result's joined bases lies in: {name, offset, window_length, window_start}.
export const segmentAt = (segs, p) => segs?.find((s) => p >= s.offset && p < s.offset + s.window_length) ?? null;

// Sends the page's first model to the pool as soon as its files are here (while the page
// itself still starts); useShipped(id, {files, loading}) then waits for that answer.
export function preload(files) {
  const loading = queue = pool.setModel({ type: "model", onnx: files.onnx, manifest: files.manifestText, attribution: files.attribution });
  loading.catch(() => null); // reported by useModel
  return loading;
}

// `loading`: the pool's answer to this model's request when the page's start already sent it.
// SHA-256 of the manifest text (hex), computed in the page: exports carry it, so a number can
// be traced to the exact model description it was made with.
export async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function useModel({ id, name, manifestText, onnx, attribution, loading }) {
  $("model-error").hidden = true;
  setStatus(`Loading model ${name}…`);
  try {
    const manifest = JSON.parse(manifestText);
    // one worker loads it now, the others when the pool is idle or before their first request
    // (each gets its own copy of the bytes)
    if (!loading) {
      const msg = { type: "model", onnx, manifest: manifestText, attribution };
      loading = queue = queue.catch(() => null).then(() => pool.setModel(msg));
    }
    const info = await loading;
    const hash = globalThis.crypto?.subtle ? await sha256Hex(manifestText) : "unavailable (no crypto.subtle)";
    model = { id, name, manifest, manifestText, hash, info };
    const select = $("model-select");
    select.querySelector('option[value="own"]')?.remove();
    if (id === "own") select.append(el("option", { value: "own" }, name));
    select.value = id;
    renderModelCard();
    const def = manifest.inputs?.[0]?.default_length_policy;
    const two = info.segments.length > 1;
    const flanks = manifest.inputs?.[0]?.flanks;
    $("policy-select").replaceChildren(
      el("option", { value: "" }, `model's default: ${describePolicy(def) || "—"}`),
      // between the training flanks (MPRA adapters), as the model saw its constructs
      ...(!two && flanks ? [el("option", { value: "flanked_tiles" }, `flanked tiles: ${flankedTile(info.length, flanks)} bp tiles, ${flankedStride(def, info.length, flanks)} bp apart, each read between the training flanks`)] : []),
      // a two-segment model reads each segment as one window: no tiling
      ...(two ? [] : [el("option", { value: "tile" }, `tile: ${info.length} bp windows ${Math.floor(info.length / 2)} bp apart`)]),
      el("option", { value: "crop" }, two ? "pad or crop each segment to its centre" : "pad or crop to the centre"));
    // variants are scored as the model's metrics were measured unless the user unticks it
    $("variant-rc").checked = $("genome-rc").checked = bothStrands();
    emit("model");
    performance.mark("regula:model");
    document.body.dataset.model = name;
    document.body.dataset.segments = info.segments.map((s) => s.name).join(",");
    const lengths = info.segments.map((s) => `${s.length} bp ${two ? s.name : "input"}`).join(" + ");
    setStatus(`Model ${name} ready (${lengths}, ${info.targets.length} target${info.targets.length > 1 ? "s" : ""}).`, "ok");
  } catch (e) {
    $("model-error").textContent = `Could not load the model: ${e.message ?? e}`;
    $("model-error").hidden = false;
    setStatus("Model not loaded.", "bad");
  }
}

// `first`: {files, loading} when the page's start already fetched the model's files (while the
// wasm compiled) and sent them to a worker.
export async function useShipped(id, first) {
  const entry = entryOf(id);
  if (!entry) return;
  return useModel({ id, name: entry.name, ...(first ? { ...first.files, loading: first.loading } : await assets.modelFiles(entry)) });
}

export async function useOwnFiles(files) {
  const list = [...files];
  const manifestFile = list.find((f) => f.name.endsWith(".json"));
  const onnxFiles = list.filter((f) => f.name.endsWith(".onnx"));
  const fail = (message) => { $("model-error").textContent = message; $("model-error").hidden = false; };
  if (!manifestFile || !onnxFiles.length) {
    return fail("Choose the model's manifest.json and its .onnx file (and, for attributions, its attribution .onnx) together.");
  }
  const manifestText = await manifestFile.text();
  let manifest;
  try { manifest = JSON.parse(manifestText); } catch (e) {
    return fail(`${manifestFile.name} is not JSON: ${e.message}`);
  }
  const attrName = manifest.graphs?.attribution?.file?.split("/").pop();
  const attrFile = onnxFiles.find((f) => f.name === attrName) ?? onnxFiles.find((f) => f.name.includes("attribution"));
  const modelName = manifest.model_file?.split("/").pop();
  const onnxFile = onnxFiles.find((f) => f.name === modelName) ?? onnxFiles.find((f) => f !== attrFile);
  if (!onnxFile) return fail("No inference graph among the chosen .onnx files.");
  await useModel({
    id: "own", name: `${manifest.name ?? onnxFile.name} (your file)`, manifestText,
    onnx: new Uint8Array(await onnxFile.arrayBuffer()),
    attribution: attrFile ? new Uint8Array(await attrFile.arrayBuffer()) : undefined,
  });
}

// Fills the shipped-model menu.
export function listModels() {
  const select = $("model-select");
  if (!index.models.length) {
    select.replaceChildren(el("option", { value: "" }, "no shipped model in this build"));
    return;
  }
  const bp = (m) => (m.lengths?.length > 1 ? `promoter ${m.lengths[0]} + distal ${m.lengths[1]} bp` : `${m.length} bp`);
  select.replaceChildren(...index.models.map((m) => el("option", { value: m.id }, `${m.name} — ${bp(m)}, ${m.targets.join(", ")}${m.accuracy ? ` · ${m.accuracy}` : ""}`)));
}

// How to read this model's numbers, for the card.
function readingNote() {
  const m = model.manifest;
  const parts = [];
  if (isClassifier()) parts.push(`Values are probabilities (0 to 1): ${unitOf(0)}.`);
  else parts.push(`Values are in ${unitOf(0)}${m.targets.length > 1 ? " (each target its own unit, as listed)" : ""}; a variant's effect is the difference alt − ref in the same units${/log/i.test(m.targets?.[0]?.unit ?? "") ? " (already a log ratio, so no fold change is taken)" : ""}.`);
  const q = m.targets?.[0]?.prediction_quantiles;
  parts.push(q ? `Each prediction is placed among the model's own predictions on its ${q.split} rows (${q.rows}).` : "The manifest has no table of the model's test predictions, so no percentile is shown.");
  parts.push(bothStrands()
    ? "Each prediction is the mean of the model's outputs for the sequence and for its reverse complement, as the model's metrics were measured (the manifest's strands: both); scans, variants and genome variants read both strands too, and attributions (gradient × input) the forward strand."
    : "Each prediction reads the sequence as given (the forward strand), as the model's metrics were measured.");
  parts.push("A sequence longer than the model is read in windows; a variant's effect is the mean over the windows that contain it, and bases no window reads are marked, never shown as 0.");
  return parts.join(" ");
}

function renderModelCard() {
  const m = model.manifest;
  const card = $("model-card");
  const input = m.inputs?.[0] ?? {};
  const policy = describePolicy(input.default_length_policy) || "—";
  const limits = entryOf(model.id)?.limits;
  const dl = el("dl", {},
    el("dt", {}, "Input length"), el("dd", {}, paired()
      ? `${model.info.segments.map((s) => `${s.name} ${s.length} bp`).join(" + ")} (two sequences per prediction); other lengths: ${policy}, each segment`
      : `${input.length ?? model.info.length} bp; other lengths: ${policy}`),
    ...(input.flanks ? [el("dt", {}, "Flanks"), el("dd", { class: "mono small" }, `${input.flanks.left ?? ""} … ${input.flanks.right ?? ""}`)] : []),
    el("dt", {}, "Output"), el("dd", {}, m.output?.kind ?? "—"),
    el("dt", {}, "Targets"), el("dd", {}, (m.targets ?? []).map((t, i) => `${t.name} (${unitOf(i)})`).join(", ")),
    el("dt", {}, "Reading a prediction"), el("dd", { class: "small" }, readingNote()),
    el("dt", {}, "Training data"), el("dd", {}, ...(m.training?.data ?? []).map((d) => el("div", {}, `${d.name}${d.rows ? `, ${d.rows} rows` : ""}${d.source ? ` — ${d.source}` : ""}${d.licence ? ` (licence: ${d.licence})` : ""}`))),
    el("dt", {}, "Split"), el("dd", {}, String(m.training?.split ?? "—")),
    el("dt", {}, "Architecture"), el("dd", { class: "small" }, `${m.training?.architecture ?? "—"}${m.training?.parameters ? ` — ${m.training.parameters.toLocaleString("en")} parameters` : ""}`),
    el("dt", {}, "Training"), el("dd", {}, [
      m.training?.epochs ? `${m.training.epochs} epochs` : null, m.training?.seed !== undefined ? `seed ${m.training.seed}` : null,
      m.training?.seconds ? `${(m.training.seconds / 60).toFixed(1)} min` : null, m.training?.machine ? `on ${m.training.machine}` : null,
    ].filter(Boolean).join(", ") || "—"),
    el("dt", {}, "Licence"), el("dd", {}, m.licence ?? "—"),
    ...(limits ? [el("dt", {}, "Known limits"), el("dd", {}, limits)] : []),
    el("dt", {}, "Mutagenesis"), el("dd", {}, model.info.fastMutagenesisUnavailable ? `naive (${model.info.fastMutagenesisUnavailable})` : "fast exact (only what a substitution changes is recomputed)"),
  );
  const rows = metricRows(m.metrics);
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r.ms)))];
  const splitCell = (r) => el("td", {}, r.split, r.rowClass ? [el("br"), el("span", { class: "muted small" }, r.rowClass)] : null);
  const metricsEl = rows.length
    ? el("table", { class: "metrics" },
      el("caption", {}, "The test rows chose nothing (the numbers to quote); the validation rows chose the epoch, which flatters them. Rows: those measured for that target."),
      el("thead", {}, el("tr", {}, ...["split", "rows", "target", ...cols].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows.map((r) => el("tr", {}, splitCell(r), el("td", { class: "num" }, String(r.n ?? "")), el("td", {}, r.target),
        ...cols.map((c) => el("td", { class: "num" }, typeof r.ms[c] === "number" ? fmt(r.ms[c], 4) : "—"))))))
    : el("p", { class: "muted" }, "No metrics recorded in the manifest.");
  const reportUrl = assets.reportUrl(entryOf(model.id));
  const report = reportUrl ? el("p", {}, el("a", { href: reportUrl, target: "_blank", rel: "noopener" }, "Training report")) : null;
  card.replaceChildren(el("h3", {}, m.name ?? model.name), el("p", {}, m.description ?? ""), dl, el("h4", {}, "Metrics"), el("div", { class: "table-wrap" }, metricsEl), ...(report ? [report] : []));
}

/**
 * A manifest's metrics ({split: {rows, target_rows?, per_target: {target: {metric: value}}}}) as one
 * row per split and target, for the Model tab and the printable report. A split named
 * "SPLIT: CLASS" (rows of one class) is split into `split` and `rowClass`. `n` is the number of rows
 * that measure the target: a model trained with masked targets has fewer for each target than the
 * split has rows (`target_rows`); "overall" and fully measured targets count every row.
 */
export function metricRows(metrics) {
  const rows = [];
  for (const [name, v] of Object.entries(metrics ?? {})) {
    const at = name.indexOf(": ");
    const [split, rowClass] = at < 0 ? [name, null] : [name.slice(0, at), name.slice(at + 2)];
    for (const [target, ms] of Object.entries(v?.per_target ?? {})) {
      rows.push({ split, rowClass, target, n: v.target_rows?.[target] ?? v.rows, ms });
    }
  }
  return rows;
}

const flankedTile = (L, flanks) => L - (flanks.left?.length ?? 0) - (flanks.right?.length ?? 0);
// The stride of flanked tiles: the manifest's when it is its default, else a quarter of a tile.
const flankedStride = (def, L, flanks) => (def?.policy === "flanked_tiles" ? def.stride : Math.max(1, Math.floor(flankedTile(L, flanks) / 4)));

// The length policy the user chose for sequences of other lengths (undefined: the model's own).
export function policyOptions() {
  const choice = $("policy-select").value;
  if (!choice || !model) return {};
  const L = model.info.length;
  const input = model.manifest.inputs?.[0] ?? {};
  const def = input.default_length_policy;
  const padding = def?.padding ?? "n";
  const policy = choice === "tile" ? { policy: "tile", stride: Math.max(1, Math.floor(L / 2)), padding }
    : choice === "crop" ? { policy: "pad_or_crop", padding }
    : choice === "flanked_tiles" ? { policy: "flanked_tiles", stride: flankedStride(def, L, input.flanks), left: input.flanks.left, right: input.flanks.right }
    : { policy: choice };
  return { policy };
}
// The policy in force (the user's choice or the manifest's default), in words.
export function currentPolicyText() {
  if (!model) return "";
  const chosen = policyOptions().policy;
  const p = chosen ?? model.manifest.inputs?.[0]?.default_length_policy;
  return `${describePolicy(p)}${chosen ? "" : " (the model's default)"}`;
}
export function describePolicy(p) {
  if (!p) return "";
  const pad = p.padding ? (p.padding === "n" ? "N" : "the training flanks") : "";
  const tile = p.policy === "flanked_tiles" ? (model ? `${model.info.length - p.left.length - p.right.length} bp ` : "") : "";
  return {
    exact: "exact length only", pad: `pad with ${pad}`, crop: "crop to the centre", pad_or_crop: `pad with ${pad} or crop to the centre`,
    tile: `tile (stride ${p.stride}, pad with ${pad})`,
    flanked_tiles: `flanked tiles (${tile}tiles ${p.stride} bp apart, each read between the training flanks)`,
  }[p.policy] ?? p.policy;
}

export function setupModel() {
  $("own-model").addEventListener("change", (e) => useOwnFiles(e.target.files));
  $("policy-select").addEventListener("change", () => emit("policy"));
}
