// Motif hits: the JASPAR motifs (sent to every worker once) scanned on the selected record, one
// map and one set of table rows per segment, filtered by p-value and by overlap with important
// bases (the importance track of the scan view).
import { assets } from "./assets.js";
import { $, el, fmt, setStatus } from "./dom.js";
import { activeRecord, flushInput } from "./input.js";
import { keyOf, paired } from "./model.js";
import { pool } from "./pool.js";
import { importanceRow, trackSegments } from "./scan-view.js";

let motifsLoaded = null;
let last = null; // {key, hits}: the last scan's hits shown, of the record with that key

// The hits last shown for the selected record (each with its segment for two segments), or null.
export const lastMotifs = () => (last && last.key === keyOf(activeRecord()) ? last.hits : null);
// The motif file, in every worker (once).
export function ensureMotifs() {
  motifsLoaded ??= assets.motifs().then((bytes) => pool.broadcast({ type: "motifs", bytes }));
  return motifsLoaded;
}

export async function runMotifs() {
  flushInput();
  const rec = activeRecord();
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
      // (only when the model reads every base: a base outside its view has no attribution)
      : [{ label: null, rec, attribution: imp && imp.start === 0 && imp.values.length === rec.length && imp.values.every(Number.isFinite) ? Float32Array.from(imp.values) : undefined }];
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
    last = { key: keyOf(rec), hits: parts.flatMap((p) => p.hits.map((h) => ({ ...h, segment: p.label }))).sort((a, b) => a.p_value - b.p_value) };
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

export function setupMotifs() {
  $("motif-run").addEventListener("click", runMotifs);
  $("pvalue").addEventListener("change", () => $("motif-table").hidden || runMotifs());
  $("overlap-only").addEventListener("change", () => $("motif-table").hidden || runMotifs());
}
