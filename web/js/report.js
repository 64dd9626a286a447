// A printable one-page report of the analysis of the selected record: the sequence, the model
// and its test metrics, the prediction with its percentile, the scan heatmap with its legend, the
// strongest substitutions and scored variants, and the motif hits, with the provenance of every
// number. "Report" opens it in place of the app; the browser's print dialog saves it as PDF
// (style.css has its @media print rules).
import { $, el, fmt } from "./dom.js";
import { activeRecord, coordinates, genomicPosition } from "./input.js";
import { current, currentPolicyText, describePercentile, labelOf, metricRows, targets, unitOf } from "./model.js";
import { lastMotifs } from "./motifs.js";
import { provenance } from "./provenance.js";
import { pngCanvas, scanOfActive, topSubstitutions } from "./scan-view.js";
import { lastVariants, statusOf } from "./variants.js";

const section = (title, ...children) => el("section", { class: "report-section" }, el("h2", {}, title), ...children);
const kv = (rows) => el("dl", { class: "report-kv" }, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
const table = (head, rows, cls = "") => el("table", { class: `report-table ${cls}` },
  el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
  el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c, i) => el("td", { class: typeof c === "number" || i === 0 && /^[+−-]?\d/.test(String(c)) ? "num" : "" }, String(c)))))));

export function renderReport() {
  const rec = activeRecord();
  const model = current();
  const body = $("report-body");
  if (!rec || !model) {
    body.replaceChildren(el("p", {}, "Choose a model and a sequence first."));
    return;
  }
  const m = model.manifest;
  const c = coordinates();
  const parts = [el("header", { class: "report-head" }, el("h1", {}, `Regula report: ${rec.name}`),
    el("p", { class: "muted" }, `${rec.length} bp${c ? ` at ${c.chrom ? `${c.chrom}:` : ""}${c.start.toLocaleString("en")}–${(c.start + rec.length - 1).toLocaleString("en")}` : ""} · model ${model.name} · ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · computed in the browser; the sequence was not sent anywhere`))];

  // sequence
  parts.push(section("Sequence",
    kv([["record", `${rec.name}${rec.description ? ` ${rec.description}` : ""}`], ["length", `${rec.length} bp, GC ${(100 * rec.gc).toFixed(1)} %, N ${rec.n_count}`],
      ...(c ? [["coordinates", `${c.chrom ? `${c.chrom}:` : ""}${c.start.toLocaleString("en")} is base 1`]] : [])]),
    el("p", { class: "report-seq" }, rec.bases.length > 2400 ? `${rec.bases.slice(0, 2400)}… (${rec.length - 2400} more bases)` : rec.bases)));

  // model and metrics
  const metricsTable = metricRows(m.metrics).map((r) => [r.rowClass ? `${r.split}: ${r.rowClass}` : r.split, r.n ?? "", r.target,
    Object.entries(r.ms).map(([k, x]) => `${k} ${typeof x === "number" ? fmt(x, 3) : x}`).join(", ")]);
  parts.push(section("Model",
    kv([["name", `${m.name ?? model.name}${m.description ? ` — ${m.description}` : ""}`], ["input", `${model.info.length} bp; length policy: ${currentPolicyText()}`],
      ["targets", targets().map((t, i) => `${t} (${unitOf(i)})`).join(", ")], ["training data", (m.training?.data ?? []).map((d) => `${d.name} (${d.rows} rows)`).join("; ") || "—"],
      ["manifest SHA-256", model.hash]]),
    metricsTable.length ? table(["split", "rows", "target", "metrics"], metricsTable) : el("p", { class: "muted" }, "No metrics in the manifest.")));

  // prediction
  const values = rec.prediction?.values;
  const fit = rec.prediction?.fitting;
  const fitText = fit && !Array.isArray(fit) && fit.action !== "unchanged"
    ? (fit.action === "tiled" ? `read in ${fit.windows} windows ${fit.stride} bp apart; the prediction is their mean` : `${fit.action} to the model's ${model.info.length} bp (${fit.left} left, ${fit.right} right)`) : "";
  parts.push(section("Prediction", values
    ? el("div", {}, ...values.map((v, i) => el("p", { class: "report-pred" }, el("strong", {}, `${labelOf(i)}: `), el("span", { class: "report-value", dataset: { value: String(v) } }, fmt(v, 4)), ` ${unitOf(i)}`,
      describePercentile(i, v) ? el("span", { class: "report-percentile" }, ` — ${describePercentile(i, v)}`) : null)),
    fitText ? el("p", { class: "muted" }, `The ${rec.length} bp sequence was ${fitText}.`) : null)
    : el("p", { class: "muted" }, rec.predictionError ? `Not predicted: ${rec.predictionError}` : "Not predicted yet.")));

  // scan; its strongest substitutions, the variants and the motifs side by side below it
  const grid = [];
  const scan = scanOfActive();
  if (scan) {
    const img = el("img", { class: "report-heatmap", alt: `Saturation mutagenesis heatmap of ${rec.name}`, src: pngCanvas({ strip: false }).toDataURL("image/png") });
    const top = topSubstitutions(8);
    parts.push(section("Saturation mutagenesis", img,
      el("p", { class: "report-legend" }, el("span", { class: "swatch neg" }), " lowers the prediction ", el("span", { class: "swatch pos" }), " raises it ", el("span", { class: "swatch ref" }), " reference base ",
        ...(scan.unseen ? [el("span", { class: "swatch unseen" }), ` not read by the model (${scan.unseen} bases outside its view: no effect exists)`] : []),
        ` · colour range ±${fmt(scan.max, 3)} ${unitOf(scan.t)} (${targets()[scan.t]})`)));
    grid.push(section("Strongest substitutions",
      table(["effect", "position", "genomic", "change"], top.map((s) => [`${s.v >= 0 ? "+" : ""}${fmt(s.v, 4)}`, s.segment ? `${s.segment} ${s.pos}` : s.pos, s.segment ? "—" : genomicPosition(s.pos) || "—", `${s.ref}>${s.alt}`]))));
  } else {
    parts.push(section("Saturation mutagenesis", el("p", { class: "muted" }, "No scan of this record yet (Prediction & scan tab, “Run full scan”).")));
  }

  // variants
  const vs = lastVariants();
  if (vs?.length) {
    const ranked = vs.slice().sort((a, b) => (b.error ? -1 : Math.abs(b.difference[0])) - (a.error ? -1 : Math.abs(a.difference[0]))).slice(0, 8);
    grid.push(section("Variants", table(["effect", "status", "position", "genomic", "REF>ALT"],
      ranked.map((s) => [s.error ? "—" : `${s.difference[0] >= 0 ? "+" : ""}${fmt(s.difference[0], 4)}`, statusOf(s), s.position ?? "", s.position ? genomicPosition(s.position) || "—" : "", `${s.reference ?? ""}>${s.alternate ?? ""}`])),
    el("p", { class: "muted" }, `Effects: alt − ref in ${unitOf(0)}, the mean over the model windows that contain the variant.`)));
  }

  // motifs
  const motifs = lastMotifs();
  grid.push(section("Motifs (JASPAR 2024)", motifs?.length
    ? table(["motif", "position", "strand", "p-value"], motifs.slice(0, 8).map((h) => [`${h.motif_name ?? ""} (${h.motif_id})`, `${h.segment ? `${h.segment} ` : ""}${h.start + 1}–${h.end}`, h.strand, h.p_value.toExponential(2)]))
    : el("p", { class: "muted" }, "No motif scan of this record yet (Motifs tab).")));

  parts.push(el("div", { class: "report-grid" }, ...grid));
  parts.push(el("footer", { class: "report-foot" }, kv(provenance(rec))));
  body.replaceChildren(...parts);
}

export function openReport() {
  renderReport();
  document.body.classList.add("report-open");
  $("report").hidden = false;
  window.scrollTo(0, 0);
}
export function closeReport() {
  document.body.classList.remove("report-open");
  $("report").hidden = true;
}
export function setupReport() {
  $("report-open").addEventListener("click", openReport);
  $("report-close").addEventListener("click", closeReport);
  $("report-print").addEventListener("click", () => window.print());
  // printed from the browser's menu: the report of the current analysis is what prints
  window.addEventListener("beforeprint", () => { if ($("report").hidden) renderReport(); });
}
