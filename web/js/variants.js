// Variant effects: VCF lines or `pos REF>ALT` scored against the selected record (in one segment
// of a two-segment model), in a sortable table with TSV/CSV export. It owns the scores and the
// sort order.
import { $, download, el, fmt, setStatus } from "./dom.js";
import { activeRecord, coordinates, flushInput, genomicPosition } from "./input.js";
import { itemOf, labelOf, paired, policyOptions, targets, unitOf } from "./model.js";
import { pool } from "./pool.js";
import { headerLines } from "./provenance.js";

let variants = null; // the last report's scores
let aggregation = ""; // how the report's effects were computed (infer's EFFECT_AGGREGATION)

// A variant's status, in words: scored, outside the model's view (a base the model does not
// read: no effect exists, which is not an effect of 0), or another problem.
export function statusOf(s) {
  if (!s.error) return "scored";
  return /outside the model's view/.test(s.error) ? "outside the model's view" : "error";
}
export const lastVariants = () => variants;
let sort = { key: null, dir: 1 };

// Another model's variant scores would read as this one's.
export function modelChanged() {
  variants = null;
  $("variant-table").hidden = true;
  $("variant-tsv").disabled = $("variant-csv").disabled = true;
  $("variant-segment-box").hidden = !paired();
}

// Adds `pos REF>ALT` to the list (from a heatmap cell); `segment`: the segment it is in.
export function addVariant(pos, ref, alt, segment) {
  if (segment) {
    // the variant list is for one segment at a time
    if ($("variant-segment").value !== segment) $("variant-input").value = "";
    $("variant-segment").value = segment;
  }
  const box = $("variant-input");
  box.value = `${box.value.replace(/\s*$/, "")}${box.value.trim() ? "\n" : ""}${pos} ${ref}>${alt}\n`;
  setStatus(`Added ${segment ? `${segment} ` : ""}${pos} ${ref}>${alt} to the variant list (Variants tab).`, "ok");
}

export async function runVariants() {
  flushInput();
  const rec = activeRecord();
  if (!rec) return;
  setStatus("Scoring variants…");
  try {
    const segment = paired() ? { segment: $("variant-segment").value } : {};
    // VCF positions are genomic: POS − (element start − 1) is the position in the record
    const c = coordinates();
    const place = c ? { offset: c.start - 1, ...(c.chrom ? { chrom: c.chrom } : {}) } : {};
    const report = await pool.run({ type: "variants", sequence: itemOf(rec), variants: $("variant-input").value, options: { ...policyOptions(), ...segment, reverseComplement: $("variant-rc").checked, ...place } }).promise;
    variants = report.scores;
    aggregation = report.aggregation ?? "";
    renderVariants();
    const outside = report.scores.filter((s) => statusOf(s) === "outside the model's view").length;
    const bad = report.scores.filter((s) => s.error).length - outside;
    const offSequence = report.scores.some((s) => /is outside the \d+ bp sequence/.test(s.error ?? ""));
    const hint = !offSequence ? "" : c ? ` (positions are read against ${c.chrom ? `${c.chrom}:` : ""}${c.start} as base 1: check the start on the Sequence tab)` : " (VCF positions are genomic: enter the element's chromosome and start on the Sequence tab)";
    setStatus(`${report.scores.length} variant${report.scores.length === 1 ? "" : "s"} scored${outside ? `, ${outside} outside the model's view` : ""}${bad ? `, ${bad} with errors${hint}` : ""}.`, bad || outside ? "warn" : "ok");
  } catch (e) {
    setStatus(`Variant scoring failed: ${e.message}`, "bad");
  }
}
// Effect and status first (a phone shows them without scrolling), then where and what.
function variantColumns() {
  const names = targets();
  const cols = [];
  const genomic = !!genomicPosition(1) && !paired();
  names.forEach((t, i) => {
    const suffix = names.length > 1 ? ` ${t}` : "";
    cols.push({ key: `diff${i}`, label: `effect${suffix}`, unit: unitOf(i), get: (s) => s.difference[i], num: true,
      title: `alt − ref: the prediction with the variant minus without it, in ${unitOf(i)}${/log/i.test(unitOf(i)) ? " — the target is already on a log scale, so this difference is the log fold change (no further log is taken)" : ""}; ${aggregation || "the mean over the model windows that contain the variant"}.` });
  });
  cols.push({ key: "status", label: "status", get: (s) => statusOf(s), title: "scored; outside the model's view (the model does not read that base, so there is no effect — not an effect of 0); or error (the reason is in the last column)" });
  cols.push(
    { key: "position", label: "position", get: (s) => s.position ?? "" },
    ...(genomic ? [{ key: "genomic", label: "genomic position", get: (s) => genomicPosition(s.position) }] : []),
    { key: "reference", label: "REF", get: (s) => s.reference ?? "" },
    { key: "alternate", label: "ALT", get: (s) => s.alternate ?? "" },
  );
  names.forEach((t, i) => {
    const suffix = names.length > 1 ? ` ${t}` : "";
    cols.push({ key: `ref${i}`, label: `ref${suffix}`, get: (s) => s.ref_prediction[i], num: true, title: `prediction without the variant (${labelOf(i)}, ${unitOf(i)})` });
    cols.push({ key: `alt${i}`, label: `alt${suffix}`, get: (s) => s.alt_prediction[i], num: true, title: `prediction with the variant (${labelOf(i)}, ${unitOf(i)})` });
  });
  cols.push({ key: "windows", label: "windows", get: (s) => (s.error ? "" : s.windows ?? ""), title: "model windows that contain the variant; the effect is the mean over them" });
  cols.push({ key: "id", label: "variant", get: (s) => s.id ?? "" });
  cols.push({ key: "line", label: "line", get: (s) => s.line });
  cols.push({ key: "error", label: "error", get: (s) => s.error ?? "" });
  return cols;
}
function sortedVariants() {
  const cols = variantColumns();
  const col = cols.find((c) => c.key === sort.key);
  const rows = variants.slice();
  if (col) rows.sort((a, b) => {
    const x = col.get(a), y = col.get(b);
    if (x === undefined || x === "") return 1;
    if (y === undefined || y === "") return -1;
    return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * sort.dir;
  });
  return rows;
}
function renderVariants() {
  const table = $("variant-table");
  const cols = variantColumns();
  table.querySelector("thead").replaceChildren(el("tr", {}, ...cols.map((c) => {
    const sorted = sort.key === c.key;
    const th = el("th", { scope: "col", "aria-sort": sorted ? (sort.dir > 0 ? "ascending" : "descending") : "none", title: c.title, dataset: { key: c.key } },
      el("button", { type: "button", class: "sort", onclick: () => { sort = { key: c.key, dir: sorted ? -sort.dir : 1 }; renderVariants(); } }, c.label, sorted ? (sort.dir > 0 ? " ▲" : " ▼") : ""),
      ...(c.unit ? [el("span", { class: "th-unit" }, ` (${c.unit})`)] : []));
    return th;
  })));
  table.querySelector("tbody").replaceChildren(...sortedVariants().map((s) => el("tr", { class: s.error ? (statusOf(s) === "error" ? "variant-error" : "variant-error variant-unseen") : "" },
    ...cols.map((c) => {
      const v = c.get(s);
      const cls = c.num ? "num" : c.key === "error" ? "error-cell" : c.key === "status" ? `status-cell ${s.error ? "status-bad" : "status-ok"}` : "";
      // no number is shown for a variant without an effect: its status says why
      const text = c.num ? (v === undefined ? (s.error ? "—" : "") : fmt(v, 5)) : String(v);
      return el("td", { class: cls, dataset: { key: c.key, ...(c.num && v !== undefined ? { value: String(v) } : {}) } }, text);
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
  const rec = activeRecord();
  const extra = [["effect", `alt − ref in each target's unit (${targets().map((t, i) => `${t}: ${unitOf(i)}`).join("; ")}); ${aggregation}`]];
  const lines = [...headerLines(rec, extra), cols.map((c) => q(c.unit ? `${c.label} (${c.unit})` : c.label)).join(sep), ...sortedVariants().map((s) => cols.map((c) => q(c.get(s))).join(sep))];
  download(`${rec.name}_variants.${sep === "," ? "csv" : "tsv"}`, new Blob([lines.join("\n") + "\n"], { type: sep === "," ? "text/csv" : "text/tab-separated-values" }));
}

// The element's coordinates changed: the genomic column follows.
export function coordinatesChanged() {
  if (variants) renderVariants();
}

export function setupVariants() {
  $("variant-run").addEventListener("click", runVariants);
  $("variant-tsv").addEventListener("click", () => exportVariants("\t"));
  $("variant-csv").addEventListener("click", () => exportVariants(","));
}
