// Variant effects: VCF lines or `pos REF>ALT` scored against the selected record (in one segment
// of a two-segment model), in a sortable table with TSV/CSV export. It owns the scores and the
// sort order.
import { $, download, el, fmt, setStatus } from "./dom.js";
import { activeRecord, flushInput } from "./input.js";
import { itemOf, paired, policyOptions, targets, unitOf } from "./model.js";
import { pool } from "./pool.js";

let variants = null; // the last report's scores
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
    const report = await pool.run({ type: "variants", sequence: itemOf(rec), variants: $("variant-input").value, options: { ...policyOptions(), ...segment, reverseComplement: $("variant-rc").checked, offset: Number($("variant-offset").value) || 0 } }).promise;
    variants = report.scores;
    renderVariants();
    const bad = report.scores.filter((s) => s.error).length;
    setStatus(`${report.scores.length} variant${report.scores.length === 1 ? "" : "s"} scored${bad ? `, ${bad} with errors` : ""}.`, bad ? "warn" : "ok");
  } catch (e) {
    setStatus(`Variant scoring failed: ${e.message}`, "bad");
  }
}
function variantColumns() {
  const names = targets();
  const cols = [
    { key: "line", label: "line", get: (s) => s.line },
    { key: "id", label: "variant", get: (s) => s.id ?? "" },
    { key: "position", label: "position", get: (s) => s.position ?? "" },
    { key: "reference", label: "REF", get: (s) => s.reference ?? "" },
    { key: "alternate", label: "ALT", get: (s) => s.alternate ?? "" },
  ];
  names.forEach((t, i) => {
    const suffix = names.length > 1 ? ` ${t}` : "";
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
    const th = el("th", { scope: "col", "aria-sort": sorted ? (sort.dir > 0 ? "ascending" : "descending") : "none" },
      el("button", { type: "button", class: "sort", onclick: () => { sort = { key: c.key, dir: sorted ? -sort.dir : 1 }; renderVariants(); } }, c.label, sorted ? (sort.dir > 0 ? " ▲" : " ▼") : ""));
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
  const rec = activeRecord();
  download(`${rec.name}_variants.${sep === "," ? "csv" : "tsv"}`, new Blob([lines.join("\n") + "\n"], { type: sep === "," ? "text/csv" : "text/tab-separated-values" }));
}

export function setupVariants() {
  $("variant-run").addEventListener("click", runVariants);
  $("variant-tsv").addEventListener("click", () => exportVariants("\t"));
  $("variant-csv").addEventListener("click", () => exportVariants(","));
}
