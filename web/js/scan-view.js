// The scan view: saturation mutagenesis of the selected record (in the pool, with progress and
// cancel), drawn as a heatmap under an importance logo (ISM, or gradient × input from the
// attribution graph) and a ruler; hover, touch and keyboard read a cell; PNG/SVG/TSV export.
// It owns the scan result, the record's gradient × input and the selected cell.
import { $, BASES, download, el, fmt, LOGO_COLOURS, setStatus, xml } from "./dom.js";
import { activeRecord, flushInput, genomicPosition } from "./input.js";
import { bothStrands, current, itemOf, keyOf, labelOf, paired, policyOptions, segmentAt, targets, unitOf } from "./model.js";
import { pool } from "./pool.js";
import { progressBar } from "./progress.js";
import { headerLines, provenance, provenanceText } from "./provenance.js";
import { addVariant } from "./variants.js";

// A scan of more positions than this asks first (it takes minutes and a large heatmap).
export const SCAN_CONFIRM_BP = 20000;

let scan = null; // {record, result, frame}: frame is the result over the sequence and its window (frameOf)
let gxi = null; // gradient × input of a record: the pool's answer + recordKey
let selected = null; // {p, b}: the heatmap cell read last

// Another record, model or length policy: the scan and attribution no longer apply.
export function clearTracks() {
  scan = null;
  gxi = null;
}
export function modelChanged() {
  clearTracks();
  $("target-select").replaceChildren(...targets().map((t, i) => el("option", { value: i }, t)));
  prepareScans();
}

// A worker's first scan of a model plans its graphs for tract (each stage of an incremental scan
// once) and runs while the engine is still compiling the hot wasm code optimised: with a LegNet
// its first scan took twice as long as later ones. Once every worker has the model and the pool
// is idle, each scans WARM_POSITIONS positions of a model-length sequence (in headless Chromium,
// hepg2-legnet-fast on 2 workers: a user's first scan 633 ms after it, later ones 582 ms; with
// one position each the first took 894 ms). A request sent meanwhile waits for that small job.
// Each worker also computes gradient × input of that sequence once: the first one plans the
// attribution graph (370-450 ms for a LegNet in Node, later ones 15-40 ms), and the one the
// results view asks for after a prediction held up the half of a scan clicked just after it
// (lentimpra-joint-fast chosen from the menu, then a sequence pasted: the first scan 0.8-0.9 s
// against 0.6 s later).
const WARM_POSITIONS = 32;
async function prepareScans() {
  const model = current();
  delete document.body.dataset.scansPrepared;
  if (!model) return;
  await pool.whenIdle();
  if (current() !== model) return;
  const bases = (n) => Array.from({ length: n }, (_, i) => "ACGT"[(i * 7 + (i >> 3)) % 4]).join("");
  const [first, second] = model.info.segments; // a two-segment model: {name, length, offset} each
  const sequence = paired() ? { name: "scan warm-up", promoter: bases(first.length), distal: bases(second.length) }
    : { name: "scan warm-up", sequence: bases(model.info.length) };
  const jobs = [];
  // a model that scans naive scans through its prediction's plans: nothing to warm there
  if (!model.info.fastMutagenesisUnavailable) {
    // WARM_POSITIONS positions in each worker, in the middle of the share a scan gives it
    // (sharedScan: with two workers a strand each, or a two-segment model's segments)
    const total = model.info.length * (!paired() && bothStrands() ? 2 : 1);
    const parts = Math.max(1, Math.floor(total / WARM_POSITIONS));
    const workers = Math.max(1, pool.workers.length);
    const at = (i) => Math.min(parts - 1, Math.floor((((i % workers) + 0.5) * parts) / workers));
    jobs.push(...pool.runOnEach((i) => ({ type: "ism", sequence, options: { ...policyOptions(), part: [at(i), parts] }, chunk: WARM_POSITIONS })));
  }
  if (model.info.hasAttributionGraph) {
    jobs.push(...pool.runOnEach(() => ({ type: "attribution", sequence, options: policyOptions() })));
  }
  await Promise.all(jobs.map((j) => j.promise)).catch((e) => console.warn("scan warm-up:", e));
  if (current() === model) document.body.dataset.scansPrepared = model.name;
}
export const needsGxi = () => !currentGxi();
export function setGxi(a, rec) {
  gxi = { ...a, recordKey: keyOf(rec) };
  if (!scan) $("importance-source").value = "gxi";
  drawTracks();
}

// A scan shared by the pool's workers: each computes one of `parts` runs of the scan's
// substitutions (the wasm job's `part` option: the forward strand's, then the reverse strand's,
// so two workers take a strand each and each prepares only its own), and one worker merges what
// they computed (`mergeMutagenesis`: the strands' raw outputs averaged, exactly the whole scan).
// One job to the caller: progress summed, cancel reaching every part. Each worker steps by its
// job's stepPositions: with 20 steps per part instead, a 230 bp scan on two workers stepped by 6
// positions, a quarter of the engine's batch, and took 5 % longer.
function sharedScan(sequence, options, total) {
  const parts = Math.max(1, Math.min(pool.workers.length || 1, Math.floor(total / 20)));
  const jobs = Array.from({ length: parts }, (_, i) =>
    pool.run({ type: "ism", sequence, options: parts > 1 ? { ...options, part: [i, parts] } : options }));
  const progress = jobs.map(() => [0, 0]);
  let listener = null;
  let merging = null;
  jobs.forEach((j, i) => j.onProgress((d, t) => {
    progress[i] = [d, t];
    listener?.(progress.reduce((a, p) => a + p[0], 0), progress.reduce((a, p) => a + p[1], 0));
  }));
  const cancel = () => { jobs.forEach((j) => j.cancel?.()); merging?.cancel?.(); };
  const promise = Promise.all(jobs.map((j) => j.promise)).then((results) => {
    if (parts === 1) return results[0];
    merging = pool.run({ type: "ism-merge", sequence, options, parts: results });
    return merging.promise.then((r) => ({ ...r, workers: parts }));
  }, (e) => {
    cancel();
    throw e;
  });
  return { promise, parts, cancel, onProgress: (f) => { listener = f; } };
}

// Why a base of the sequence has no effect in a scan: the model never reads it.
export const UNSEEN_REASON = "not read by the model: outside the window the length policy cut (the model reads only that window; see “Other lengths”)";

// The scan result laid over the whole sequence: a model window that crops the sequence leaves
// bases the model never reads; they get NaN (drawn hatched, never as 0) and `seen[p] = 0`.
// Positions of the frame are `start + p` in the sequence (0-based; negative: padding before it).
// A two-segment result is laid out segment by segment (segmentFrame), each over its whole
// sequence, with the frame's own `segments`.
function frameOf(r, rec) {
  const [T, W] = r.shape;
  const ws = r.window_start;
  if (r.segments) {
    const sf = segmentFrame(r.segments, rec);
    if (!sf.partial) return { L: W, start: ws, bases: r.bases, effects: r.effects, importance: r.importance, seen: null };
    const L = sf.L;
    const seen = new Uint8Array(L);
    const effects = new Float32Array(T * L * 4).fill(NaN);
    const importance = new Float32Array(T * L).fill(NaN);
    const bases = [];
    for (let p = 0; p < L; p++) {
      const at = sf.at(p);
      seen[p] = at.joined === null ? 0 : 1;
      bases.push(at.joined === null ? (at.seg.seq[at.pos] ?? "N").toUpperCase() : r.bases[at.joined]);
      if (at.joined === null) continue;
      for (let t = 0; t < T; t++) {
        importance[t * L + p] = r.importance[t * W + at.joined];
        for (let b = 0; b < 4; b++) effects[(t * L + p) * 4 + b] = r.effects[(t * W + at.joined) * 4 + b];
      }
    }
    return { L, start: 0, bases: bases.join(""), effects, importance, seen, segments: sf.segments };
  }
  const len = rec.length;
  const start = Math.min(0, ws);
  const end = Math.max(len, ws + W);
  const L = end - start;
  if (start === ws && L === W) {
    return { L, start, bases: r.bases, effects: r.effects, importance: r.importance, seen: null };
  }
  const seen = new Uint8Array(L);
  const effects = new Float32Array(T * L * 4).fill(NaN);
  const importance = new Float32Array(T * L).fill(NaN);
  const bases = [];
  for (let p = 0; p < L; p++) {
    const i = start + p - ws; // index in the window
    const inWindow = i >= 0 && i < W;
    seen[p] = inWindow ? 1 : 0;
    bases.push(inWindow ? r.bases[i] : (rec.bases[start + p] ?? "N").toUpperCase());
    if (!inWindow) continue;
    for (let t = 0; t < T; t++) {
      importance[t * L + p] = r.importance[t * W + i];
      for (let b = 0; b < 4; b++) effects[(t * L + p) * 4 + b] = r.effects[(t * W + i) * 4 + b];
    }
  }
  return { L, start, bases: bases.join(""), effects, importance, seen };
}
// Two segments laid side by side, each over its whole given sequence (and any padding of its
// window): frame segment {name, length, offset (in the frame), window_start (its first frame
// position, in the segment's sequence, 0-based), window_length (its frame length)}, the form
// `segmentAt` and the ruler read. `partial`: some base of a segment lies outside its model
// window (a cropped segment), so the frame differs from the joined window. `at(p)`: the segment
// of frame position p, its 0-based position in that sequence, and its index in the joined model
// input (null: the model does not read it).
function segmentFrame(segs, rec) {
  let offset = 0;
  const segments = segs.map((s) => {
    const start = Math.min(0, s.window_start);
    const end = Math.max(s.length, s.window_start + s.window_length);
    const f = { name: s.name, length: s.length, offset, window_start: start, window_length: end - start, fit: s, seq: s.name === "distal" ? rec.distal ?? "" : rec.bases };
    offset += end - start;
    return f;
  });
  return {
    L: offset,
    segments,
    partial: segments.some((f) => f.window_length !== f.fit.window_length),
    at(p) {
      const seg = segmentAt(segments, p);
      const pos = seg.window_start + (p - seg.offset);
      const i = pos - seg.fit.window_start;
      return { seg, pos, joined: i >= 0 && i < seg.fit.window_length ? seg.fit.offset + i : null };
    },
  };
}
// A per-position row of a result whose window starts at `ws` (W values), laid over `frame`.
function rowInFrame(values, ws, frame) {
  if (frame.start === ws && values.length === frame.L) return values;
  const out = new Float32Array(frame.L).fill(NaN);
  for (let i = 0; i < values.length; i++) {
    const p = ws + i - frame.start;
    if (p >= 0 && p < frame.L) out[p] = values[i];
  }
  return out;
}
// The scan of the selected record for the report: {t, max, unseen}, or null.
export function scanOfActive() {
  const hm = heatmapData();
  if (!hm) return null;
  return { t: hm.t, max: hm.max, unseen: hm.seen ? hm.seen.reduce((a, v) => a + (v ? 0 : 1), 0) : 0 };
}
// The `n` substitutions with the largest |effect| on the shown target (bases the model reads).
export function topSubstitutions(n) {
  const hm = heatmapData();
  if (!hm) return [];
  const all = [];
  for (let p = 0; p < hm.L; p++) for (let b = 0; b < 4; b++) {
    const v = hm.effects[p * 4 + b];
    const seg = segmentAt(hm.segments, p);
    const pos = seg ? seg.window_start + (p - seg.offset) + 1 : hm.start + p + 1;
    if (hm.bases[p] === BASES[b] || !Number.isFinite(v) || pos < 1 || pos > (seg ? seg.length : activeRecord().length)) continue;
    all.push({ pos, ref: hm.bases[p], alt: BASES[b], v, ...(seg ? { segment: seg.name } : {}) });
  }
  return all.sort((a, b) => Math.abs(b.v) - Math.abs(a.v)).slice(0, n);
}
// Whether the bases the model does not read are marked in the current tracks.
export const unseenPositions = () => heatmapData()?.seen ? [...heatmapData().seen].filter((v) => !v).length : 0;

export async function runScan() {
  flushInput();
  const rec = activeRecord();
  if (!rec) return;
  const total = rec.length + (rec.distalLength ?? 0);
  if (total > SCAN_CONFIRM_BP && !window.confirm(`This sequence has ${total.toLocaleString("en")} positions: a full scan runs ${(3 * total).toLocaleString("en")} substitutions, may take minutes and draws a very wide heatmap (over ${(SCAN_CONFIRM_BP / 1000).toFixed(0)} kb asks first). Scan it anyway?`)) {
    setStatus(`Scan not started: ${total.toLocaleString("en")} positions is over the ${(SCAN_CONFIRM_BP / 1000).toFixed(0)} kb that scans without asking.`, "");
    return;
  }
  const job = sharedScan(itemOf(rec), policyOptions(), total);
  // shown only once the scan has run for 250 ms: a short scan would only flash it
  const ui = progressBar("scan-progress", { onCancel: () => job.cancel(), delayMs: 250 });
  job.onProgress((d, t) => ui.update(d, t, `scanned ${Math.floor((100 * d) / t)} %`));
  $("scan-run").disabled = true;
  setStatus(`Scanning ${total} positions × 3 substitutions…`);
  const t0 = performance.now();
  try {
    const result = await job.promise;
    scan = { record: rec, result, frame: frameOf(result, rec) };
    selected = null;
    $("importance-source").value = "ism";
    const f = result.fitting;
    const segText = result.segments ? ` Both segments: ${result.segments.map((sg) => `${sg.name} ${sg.window_length} bp${sg.fitting.action === "unchanged" ? "" : ` (${sg.fitting.action})`}`).join(" + ")}.` : "";
    const fitText = result.segments ? segText : f.action === "unchanged" ? "" : f.action === "tiled" ? ` Read in ${f.windows} windows (stride ${f.stride}); each effect is the mean over the windows that contain the base.` : ` The sequence was ${f.action} to the model's ${current().info.length} bp (${f.left} left, ${f.right} right).`;
    const unseen = scan.frame.seen ? scan.frame.seen.reduce((a, v) => a + (v ? 0 : 1), 0) : 0;
    const unseenIn = (sg) => scan.frame.seen.subarray(sg.offset, sg.offset + sg.window_length).reduce((a, v) => a + (v ? 0 : 1), 0);
    const where = scan.frame.segments ? scan.frame.segments.filter((sg) => unseenIn(sg) > 0).map((sg) => `${unseenIn(sg)} bases of the ${sg.name} sequence are`).join(" and ") : `${unseen} bases of the sequence are`;
    const unseenText = unseen ? ` ${where} outside the model's view (hatched): the model does not read them, so they have no effect to show.` : "";
    const how = `${result.method}${result.fast_path ? ` (${result.fast_path})` : ""} mutagenesis${result.fallback_reason ? ` (${result.fallback_reason})` : ""}`;
    const ms = performance.now() - t0;
    Object.assign($("scan-info").dataset, { ms: ms.toFixed(1), workers: String(result.workers ?? 1) }); // read by just bench browser
    $("scan-info").textContent = `${how}: ${result.shape[1]} positions in ${(ms / 1000).toFixed(2)} s${result.workers > 1 ? ` on ${result.workers} workers` : ""}. Reference prediction (${result.strands === "both" ? "mean of both strands" : "forward strand"}) ${result.reference.map((v, i) => `${fmt(v)} ${unitOf(i)}`).join(", ").replace(/\.?$/, ".")}${fitText}${unseenText}`;
    setStatus("Scan finished.", "ok");
    drawTracks();
  } catch (e) {
    setStatus(e.cancelled ? "Scan cancelled." : `Scan failed: ${e.message}`, e.cancelled ? "" : "bad");
  } finally {
    ui.end();
    $("scan-run").disabled = false;
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
  const g = gxiFrame();
  if (g) return { L: g.L, start: g.start };
  return { L: activeRecord()?.length ?? 0, start: 0 };
}
// The frame of the gradient × input (the sequence and its window), as frameOf lays a scan.
function gxiFrame() {
  const g = currentGxi();
  const rec = activeRecord();
  if (!g || !rec) return null;
  const W = g.shape[1];
  if (g.segments) {
    const sf = segmentFrame(g.segments, rec);
    return sf.partial ? { L: sf.L, start: 0, layout: sf, segments: sf.segments } : { L: W, start: g.window_start };
  }
  const start = Math.min(0, g.window_start);
  return { L: Math.max(rec.length, g.window_start + W) - start, start };
}
// Segments of the joined bases the tracks show (two-segment models), else null.
export function trackSegments() {
  return heatmapData()?.segments ?? gxiFrame()?.segments ?? currentGxi()?.segments ?? null;
}
function currentGxi() {
  return gxi && gxi.recordKey === keyOf(activeRecord()) ? gxi : null;
}
function geometry() {
  const { L, start } = windowOf();
  let cw = Number($("zoom").value);
  if (L * cw > 32000) cw = Math.max(1, Math.floor(32000 / L));
  return { L, cw, left: 18, start };
}
function heatmapData() {
  if (!scan || keyOf(scan.record) !== keyOf(activeRecord())) return null;
  const r = scan.result;
  const f = scan.frame;
  const t = Number($("target-select").value || 0);
  const L = f.L;
  const effects = f.effects.subarray(t * L * 4, (t + 1) * L * 4);
  let max = 0;
  for (const v of effects) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  return { effects, L, start: f.start, max: max || 1, bases: f.bases, t, importance: f.importance.subarray(t * L, (t + 1) * L), segments: f.segments ?? r.segments ?? null, seen: f.seen };
}
export function importanceRow() {
  const t = Number($("target-select").value || 0);
  const src = $("importance-source").value;
  const hm = heatmapData();
  if (src === "ism" && hm) return { values: hm.importance, bases: hm.bases, start: hm.start, label: "ISM importance" };
  const g = currentGxi();
  const gf = gxiFrame();
  if (g && gf && (!hm || (gf.start === hm.start && gf.L === hm.L))) {
    const W = g.shape[1];
    const rec = activeRecord();
    const row = g.perPosition.subarray(t * W, (t + 1) * W);
    if (gf.layout) {
      // two segments, one cropped: each base of both sequences, NaN where the model does not read it
      const values = new Float32Array(gf.L).fill(NaN);
      const bases = [];
      for (let p = 0; p < gf.L; p++) {
        const at = gf.layout.at(p);
        if (at.joined !== null) values[p] = row[at.joined];
        bases.push(at.joined === null ? (at.seg.seq[at.pos] ?? "N").toUpperCase() : g.bases[at.joined]);
      }
      return { values, bases: bases.join(""), start: 0, label: "gradient × input" };
    }
    const values = rowInFrame(row, g.window_start, gf);
    const bases = values.length === W ? g.bases : Array.from({ length: gf.L }, (_, p) => {
      const i = gf.start + p - g.window_start;
      return i >= 0 && i < W ? g.bases[i] : (rec.bases[gf.start + p] ?? "N").toUpperCase();
    }).join("");
    return { values, bases, start: gf.start, label: "gradient × input" };
  }
  if (hm) return { values: hm.importance, bases: hm.bases, start: hm.start, label: "ISM importance" };
  return null;
}
export function drawTracks() {
  const rec = activeRecord();
  const tracks = $("tracks");
  if (!rec || !current() || $("view-results").hidden) { if (!rec) tracks.hidden = true; return; }
  const hm = heatmapData();
  const imp = importanceRow();
  // what the last scan said (method, time, reference) goes with its heatmap, not to another model or record
  if (!hm) $("scan-info").textContent = "";
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
    const hatch = hatchPattern(ctx);
    for (let p = 0; p < L; p++) {
      const unseen = hm.seen && !hm.seen[p];
      for (let b = 0; b < 4; b++) {
        const isRef = hm.bases[p] === BASES[b];
        ctx.fillStyle = unseen ? hatch : isRef ? "#d9d9d9" : colour(hm.effects[p * 4 + b] / hm.max);
        ctx.fillRect(left + p * cw, b * CELL_H, Math.max(1, cw - (cw > 4 ? 1 : 0)), CELL_H - 1);
      }
    }
    ctx.fillStyle = "#333";
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    for (let b = 0; b < 4; b++) ctx.fillText(BASES[b], 3, b * CELL_H + CELL_H / 2);
    if (selected) {
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 2;
      ctx.strokeRect(left + selected.p * cw, selected.b * CELL_H, cw, CELL_H - 1);
    }
    drawSegmentBounds(ctx, hm.segments, cw, left, hc.height);
    $("legend-min").textContent = fmt(-hm.max, 3);
    $("legend-max").textContent = `+${fmt(hm.max, 3)} ${unitOf(hm.t)}`;
    const lg = $("legend").getContext("2d");
    for (let x = 0; x < 200; x++) { lg.fillStyle = colour(x / 100 - 1); lg.fillRect(x, 0, 1, 12); }
    const sw = $("legend-unseen").getContext("2d");
    sw.fillStyle = hatchPattern(sw);
    sw.fillRect(0, 0, 24, 12);
  }
  $("legend-unseen-item").hidden = !hm?.seen;
  $("export-png").disabled = $("export-svg").disabled = $("export-ism-tsv").disabled = !hm;
  $("cell-to-variant").disabled = !hm || !selected;
  for (const id of ["legend", "legend-min", "legend-max"]) $(id).hidden = !hm;
  // importance logo
  const lc = $("logo");
  lc.width = width;
  const ctx = lc.getContext("2d");
  ctx.clearRect(0, 0, width, lc.height);
  if (imp) {
    let max = 0;
    for (const v of imp.values) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
    max = max || 1;
    const mid = lc.height / 2;
    // bases the model does not read: hatched under the logo too
    const hatch = hatchPattern(ctx);
    for (let p = 0; p < L; p++) if (Number.isNaN(imp.values[p])) { ctx.fillStyle = hatch; ctx.fillRect(left + p * cw, 0, cw, lc.height); }
    ctx.strokeStyle = "#ccc";
    ctx.beginPath(); ctx.moveTo(left, mid); ctx.lineTo(width, mid); ctx.stroke();
    ctx.font = "bold 100px ui-monospace, monospace";
    ctx.textBaseline = "alphabetic";
    const capH = 72;
    const letterW = ctx.measureText("A").width;
    for (let p = 0; p < L; p++) {
      const v = imp.values[p];
      const h = Math.abs(v) / max * (mid - 2);
      if (!(h >= 0.3)) continue; // small, or a base the model does not read (NaN)
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
    const x = left + (p - 0.5) * cw - 8;
    if (x + r.measureText(String(pos)).width > width) continue; // a label cut by the edge
    r.fillRect(left + (p - 0.5) * cw, 0, 1, 4);
    r.fillText(String(pos), x, 5);
  }
  for (const seg of segs ?? []) {
    r.fillStyle = "#000";
    r.font = "600 11px system-ui, sans-serif";
    r.fillText(seg.name, left + seg.offset * cw + 2, 5);
  }
}
// Grey diagonal hatching: a base the model does not read (no effect exists to colour).
function hatchPattern(ctx) {
  const c = document.createElement("canvas");
  c.width = c.height = 6;
  const g = c.getContext("2d");
  g.fillStyle = "#f2f2f2";
  g.fillRect(0, 0, 6, 6);
  g.strokeStyle = "#8a8a8a";
  g.lineWidth = 1;
  g.beginPath(); g.moveTo(0, 6); g.lineTo(6, 0); g.moveTo(-1, 1); g.lineTo(1, -1); g.moveTo(5, 7); g.lineTo(7, 5); g.stroke();
  return ctx.createPattern(c, "repeat");
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
    if (hm.seen && !hm.seen[cell.p]) return { pos: spos, segment: seg.name, unseen: true, v: NaN, ref, alt, text: `${where} ${ref}>${alt}: ${UNSEEN_REASON}` };
    if (spos < 1 || spos > seg.length) return { text: `${seg.name} padding (${spos < 1 ? "before" : "after"} the sequence), ${ref}>${alt}: effect ${Number(v.toPrecision(7))}`, v, ref, alt, pos: spos, segment: seg.name };
    return { pos: spos, segment: seg.name, v, ref, alt, text: ref === alt ? `${where}: reference ${ref}` : `${where} ${ref}>${alt}: effect ${v >= 0 ? "+" : ""}${Number(v.toPrecision(7))} ${unitOf(hm.t)} (${targets()[hm.t]})` };
  }
  const pos = hm.start + cell.p + 1;
  const len = activeRecord().length;
  const g = genomicPosition(pos);
  const where = `position ${pos}${g ? ` (${g})` : ""}`;
  if (hm.seen && !hm.seen[cell.p]) return { pos, unseen: true, v: NaN, ref, alt, text: `${where} ${ref}>${alt}: ${UNSEEN_REASON}` };
  if (pos < 1 || pos > len) return { text: `padding (${pos < 1 ? "before" : "after"} the sequence), ${ref}>${alt}: effect ${Number(v.toPrecision(7))}`, v, ref, alt, pos };
  return { pos, text: ref === alt ? `${where}: reference ${ref}` : `${where} ${ref}>${alt}: effect ${v >= 0 ? "+" : ""}${Number(v.toPrecision(7))} ${unitOf(hm.t)} (${labelOf(hm.t)})`, v, ref, alt };
}
function showTooltip(cell, x, y) {
  const tip = $("tooltip");
  const d = describeCell(cell);
  if (!d) { tip.hidden = true; return; }
  tip.textContent = d.text;
  tip.dataset.position = d.pos;
  tip.dataset.alt = d.alt;
  tip.dataset.effect = String(d.v);
  if (d.unseen) tip.dataset.unseen = "true"; else delete tip.dataset.unseen;
  if (d.segment) tip.dataset.segment = d.segment; else delete tip.dataset.segment;
  tip.hidden = false;
  const box = $("tracks").getBoundingClientRect();
  tip.style.left = `${Math.min(Math.max(0, x - box.left + 12), box.width - 260)}px`;
  tip.style.top = `${y - box.top + 14}px`;
}
export function setupScan() {
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
    if (cell) { selected = cell; drawTracks(); showTooltip(cell, e.clientX, e.clientY); }
  });
  hc.addEventListener("keydown", (e) => {
    const { L } = geometry();
    const s = selected ?? { p: 0, b: 0 };
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (!moves[e.key]) return;
    e.preventDefault();
    selected = { p: Math.max(0, Math.min(L - 1, s.p + moves[e.key][0])), b: Math.max(0, Math.min(3, s.b + moves[e.key][1])) };
    drawTracks();
    const { cw, left } = geometry();
    const r = hc.getBoundingClientRect();
    const x = r.left + left + selected.p * cw;
    $("scroller").scrollLeft = Math.max(0, left + selected.p * cw - $("scroller").clientWidth / 2);
    showTooltip(selected, x, r.top + selected.b * CELL_H);
  });
  $("cell-to-variant").addEventListener("click", () => {
    const d = describeCell(selected);
    if (!d || d.ref === d.alt || !d.pos) return;
    if (d.unseen) { setStatus(`Position ${d.pos} is outside the model's view: a variant there has no effect to score.`, "warn"); return; }
    addVariant(d.pos, d.ref, d.alt, d.segment);
  });
  $("export-png").addEventListener("click", () => download(`${activeRecord().name}_ism.png`, null, pngBlob()));
  $("export-svg").addEventListener("click", () => download(`${activeRecord().name}_ism.svg`, new Blob([svgText()], { type: "image/svg+xml" })));
  $("export-ism-tsv").addEventListener("click", () => {
    const r = scan.result;
    const f = scan.frame;
    const [T] = r.shape;
    const L = f.L;
    const segs = f.segments ?? r.segments;
    const rec = activeRecord();
    const genomic = !segs && !!genomicPosition(1);
    const rows = [...headerLines(rec, [["effect", "prediction with the substitution − reference prediction, in each target's unit; a base no model window reads has no effect (status says so)"]]),
      [...(segs ? ["segment"] : []), "position", ...(genomic ? ["genomic_position"] : []), "ref", "alt", "target", "unit", "effect", "status"].join("\t")];
    for (let t = 0; t < T; t++) for (let p = 0; p < L; p++) for (let b = 0; b < 4; b++) {
      if (f.bases[p] === BASES[b]) continue;
      const seg = segmentAt(segs, p);
      const pos = seg ? seg.window_start + p - seg.offset + 1 : f.start + p + 1;
      const unseen = f.seen && !f.seen[p];
      const v = f.effects[(t * L + p) * 4 + b];
      rows.push([...(seg ? [seg.name] : []), pos, ...(genomic ? [genomicPosition(pos)] : []), f.bases[p], BASES[b], targets()[t], unitOf(t),
        unseen ? "" : v, unseen ? "outside the model's view" : pos < 1 || pos > (seg ? seg.length : rec.length) ? "padding" : "ok"].join("\t"));
    }
    download(`${rec.name}_ism.tsv`, new Blob([rows.join("\n") + "\n"], { type: "text/tab-separated-values" }));
  });
}

// The heatmap, logo and ruler as one PNG, with a strip of provenance text under them.
// (`strip: false`: without it, for the report, which lists the provenance itself.)
export function pngCanvas({ strip: withStrip = true } = {}) {
  const rec = activeRecord();
  const hc2 = $("heatmap"), lc = $("logo"), rc = $("ruler");
  const lines = withStrip ? wrapText(provenanceText(rec), Math.max(60, Math.floor(Math.max(hc2.width, 640) / 6.6))) : [];
  const strip = withStrip ? 8 + 14 * lines.length : 0;
  const c = document.createElement("canvas");
  c.width = withStrip ? Math.max(hc2.width, 640) : hc2.width; c.height = lc.height + hc2.height + rc.height + strip;
  const ctx = c.getContext("2d");
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, c.width, c.height);
  ctx.drawImage(lc, 0, 0); ctx.drawImage(hc2, 0, lc.height); ctx.drawImage(rc, 0, lc.height + hc2.height);
  ctx.fillStyle = "#333";
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "top";
  lines.forEach((l, i) => ctx.fillText(l, 4, lc.height + hc2.height + rc.height + 4 + 14 * i));
  return c;
}
function pngBlob() {
  return new Promise((resolve) => pngCanvas().toBlob(resolve, "image/png"));
}
function wrapText(text, width) {
  const out = [];
  let line = "";
  for (const word of text.split(" ")) {
    if ((line + " " + word).length > width && line) { out.push(line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
// The heatmap as SVG, with the provenance as metadata (and a visible line under it).
export function svgText() {
  const hm = heatmapData();
  const rec = activeRecord();
  const cw = 6, left = 14;
  const width = left + hm.L * cw;
  const prov = provenance(rec, [["target", `${targets()[hm.t]} (${unitOf(hm.t)})`], ["colour_range", `±${hm.max}`]]);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${Math.max(width, 600)}" height="${4 * CELL_H + 36}" font-family="sans-serif" font-size="11">`,
    `<title>${xml(`Saturation mutagenesis of ${rec.name} (${current().name}, ${targets()[hm.t]}); colour range ±${hm.max} ${unitOf(hm.t)}`)}</title>`,
    `<desc>${xml(prov.map(([k, v]) => `${k}: ${v}`).join("\n"))}</desc>`,
    `<metadata><regula xmlns="https://regula.invalid/provenance">${prov.map(([k, v]) => `<${k}>${xml(v)}</${k}>`).join("")}</regula></metadata>`,
    `<defs><pattern id="unseen" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#f2f2f2"/><path d="M0 6L6 0" stroke="#8a8a8a"/></pattern></defs>`];
  for (let b = 0; b < 4; b++) parts.push(`<text x="2" y="${b * CELL_H + 12}">${BASES[b]}</text>`);
  for (let p = 0; p < hm.L; p++) for (let b = 0; b < 4; b++) {
    const pos = hm.start + p + 1;
    const unseen = hm.seen && !hm.seen[p];
    const ref = hm.bases[p] === BASES[b];
    const v = hm.effects[p * 4 + b];
    const fill = unseen ? "url(#unseen)" : ref ? "#d9d9d9" : colour(v / hm.max);
    parts.push(`<rect x="${left + p * cw}" y="${b * CELL_H}" width="${cw}" height="${CELL_H - 1}" fill="${fill}"><title>${pos} ${hm.bases[p]}>${BASES[b]}: ${unseen ? "outside the model's view" : v}</title></rect>`);
  }
  for (let p = 10; p <= hm.L; p += 10) parts.push(`<text x="${left + (p - 1) * cw}" y="${4 * CELL_H + 14}">${hm.start + p}</text>`);
  parts.push(`<text x="2" y="${4 * CELL_H + 30}" font-size="9" fill="#555">${xml(provenanceText(rec))}</text>`);
  parts.push("</svg>");
  return parts.join("\n");
}
