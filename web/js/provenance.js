// What every export says about where its numbers come from: the model (name and the SHA-256 of
// its manifest text, computed in the page), the length policy in force, the app version (the
// wasm module's) and the date, the record and its genomic coordinates. TSV/CSV files start with
// these as `#` lines, SVG files carry them as metadata, PNG files as a strip of text under the
// picture, and the printable report lists them.
import { version } from "../pkg/regula_wasm.js";
import { coordinates } from "./input.js";
import { bothStrands, current, currentPolicyText, strandsLabel } from "./model.js";

// [[key, value], …] for `rec` (the record the numbers are of).
export function provenance(rec, extra = []) {
  const m = current();
  const c = coordinates();
  const rows = [
    ["model", m ? m.name : "—"],
    ["manifest_sha256", m?.hash ?? "—"],
    ["length_policy", currentPolicyText() || "—"],
    ["strands", m ? (bothStrands() ? "predictions, scans and variant effects: the mean of both strands (the manifest's strands); gradient × input: the forward strand" : strandsLabel()) : "—"],
    ["app", `Regula ${version()}`],
    ["date", new Date().toISOString()],
  ];
  if (rec) rows.push(["record", `${rec.name} (${rec.length} bp)`]);
  if (c) rows.push(["coordinates", `${c.chrom ? `${c.chrom}:` : ""}${c.start} = position 1 of the record (1-based)`]);
  return [...rows, ...extra];
}

// `# key: value` lines to head a TSV/CSV export.
export function headerLines(rec, extra = []) {
  return provenance(rec, extra).map(([k, v]) => `# ${k}: ${String(v).replace(/[\r\n]+/g, " ")}`);
}

// One line of text, for a PNG strip or a page footer.
export function provenanceText(rec) {
  return provenance(rec).map(([k, v]) => `${k}: ${v}`).join(" · ");
}
