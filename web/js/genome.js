// Variants on your own genome: a reference (FASTA + .fai, or bgzip-compressed FASTA + .fai +
// .gzi) and a VCF (plain, gzip or bgzip) picked from disk. Nothing is uploaded and neither file
// is read whole: the page reads the VCF slice by slice (File.slice), and for each chunk of
// variants only the bytes of the reference that hold their windows (for a bgzip file, only the
// compressed blocks that hold them, inflated in wasm). Which bytes, how a VCF line is read and
// which window each variant gets is the CLI's own Rust code (wasm GenomeWindows, ReferenceIndex,
// VcfReader: the model's input length of reference centred on the variant, or for a model trained
// on an element between flanks (MPRA adapters), the element's length of reference between them);
// the workers score each chunk as `regula-train score-variants --vcf --reference` does
// (Predictor.scoreGenomeVariants in js/compute.js). It owns the picked files and the last run.
import { GenomeWindows, ReferenceIndex, VcfReader } from "../pkg/regula_wasm.js";
import { $, download, el, fmt, setStatus } from "./dom.js";
import { current, labelOf, paired, targets, unitOf } from "./model.js";
import { pool } from "./pool.js";
import { progressBar } from "./progress.js";
import { provenance } from "./provenance.js";

const CHUNK = 128; // variants per worker request (progress and Cancel between them)
const VCF_SLICE = 1 << 20; // VCF bytes read at a time
const TABLE_ROWS = 500; // rows shown; the export has all
const INDEX_SUFFIX = /\.(fai|gzi)$/i;

let picked = { fasta: null, fai: null, gzi: null, vcf: null, problem: "" };
let run = null; // the run in progress: {cancelled, jobs}
let last = null; // the last finished run: {rows, reference, vcf, rc, model, seconds, definition, window, flanked}
let sort = { key: null, dir: 1 };
let runs = 0, finished = 0;

const size = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} bytes`);
export const lastGenomeRun = () => last;

// The reference picker takes the FASTA and its index files together; each is told by its name.
function pickReference(files) {
  const fastas = files.filter((f) => !INDEX_SUFFIX.test(f.name));
  const of = (ext) => files.filter((f) => f.name.toLowerCase().endsWith(ext));
  picked.fasta = fastas.length === 1 ? fastas[0] : null;
  picked.fai = of(".fai")[0] ?? null;
  picked.gzi = of(".gzi")[0] ?? null;
  picked.problem = !files.length ? "" : fastas.length > 1 ? `pick one FASTA file, not ${fastas.length} (${fastas.map((f) => f.name).join(", ")}), with its index files`
    : !picked.fasta ? "pick the FASTA file itself too, with its index files"
    : !picked.fai ? `${picked.fasta.name} needs its .fai index (\`samtools faidx ${picked.fasta.name}\` writes it; pick both together)`
    : of(".fai").length > 1 || of(".gzi").length > 1 ? "pick one .fai (and at most one .gzi)" : "";
  describeFiles();
}

function describeFiles() {
  const { fasta, fai, gzi, vcf } = picked;
  const parts = [];
  if (fasta) parts.push(`reference ${fasta.name} (${size(fasta.size)})${fai ? ` with ${fai.name}` : ""}${gzi ? ` and ${gzi.name}` : ""}`);
  if (vcf) parts.push(`variants ${vcf.name} (${size(vcf.size)})`);
  $("genome-files").textContent = parts.length ? `Picked: ${parts.join("; ")}.` : "";
  showError(picked.problem);
  updateButton();
}

function showError(text) {
  $("genome-error").textContent = text;
  $("genome-error").hidden = !text;
}

function updateButton() {
  const ok = current() && !paired() && picked.fasta && picked.fai && picked.vcf && !picked.problem;
  $("genome-run").disabled = !ok || !!run;
}

// Another model: its scores would read as this one's (a run in progress stops).
export function modelChanged() {
  if (run) {
    run.cancelled = true;
    run.jobs.forEach((j) => j.cancel());
  }
  last = null;
  $("genome-table").hidden = true;
  $("genome-tsv").disabled = true;
  $("genome-summary").textContent = "";
  $("genome-model-note").textContent = windowNote();
  updateButton();
}

// Which window of the reference the model reads around each variant, in the CLI's words.
function windowNote() {
  const m = current();
  if (!m) return "";
  if (paired()) return "This model reads a promoter and a distal partner; variants on a genome are scored with one-sequence models.";
  let windows = null;
  try {
    windows = new GenomeWindows(m.manifestText);
    return `${m.name} reads each variant in ${windows.describe}.`;
  } catch (e) {
    return `${m.name} cannot score variants on a genome: ${e?.message ?? e}`;
  } finally {
    windows?.free();
  }
}

const bytesOf = async (blob) => new Uint8Array(await blob.arrayBuffer());
const named = (file, e) => Object.assign(new Error(`${file.name}: ${e?.message ?? e}`), { cause: e });

export async function runGenome() {
  const m = current();
  const { fasta, fai, gzi, vcf } = picked;
  if (!m || paired() || !fasta || !fai || !vcf || run) return;
  const rc = $("genome-rc").checked;
  const me = run = { cancelled: false, jobs: new Set() };
  updateButton();
  showError("");
  // the table shows one whole run: the last one's goes now
  last = null;
  $("genome-table").hidden = true;
  $("genome-tsv").disabled = true;
  $("genome-summary").textContent = "";
  const ui = progressBar("genome-progress", {
    onCancel: () => {
      me.cancelled = true;
      me.jobs.forEach((j) => j.cancel());
    },
  });
  setStatus(`Scoring the variants of ${vcf.name} against ${fasta.name}…`);
  performance.mark("regula:genome-start");
  const started = performance.now();
  let index = null, reader = null, windows = null;
  try {
    // the window each variant is read in, from the model's manifest as the workers' model reads it
    windows = new GenomeWindows(m.manifestText);
    // the two indexes are small: read whole; of the FASTA only its first bytes, to see how it is stored
    const faiBytes = await bytesOf(fai).catch((e) => { throw named(fai, e); });
    try {
      index = new ReferenceIndex(faiBytes, gzi ? await bytesOf(gzi) : undefined);
    } catch (e) { throw new Error(`${gzi && /\.gzi index/.test(e.message) ? gzi.name : fai.name}: ${e.message.replace(/^the \.(fai|gzi) index: /, "")}`); }
    let kind;
    try { kind = index.checkFasta(await bytesOf(fasta.slice(0, 64)), fasta.size); } catch (e) { throw named(fasta, e); }
    const genome = { id: `${++runs}`, fai: faiBytes };
    reader = new VcfReader(vcf.name);
    let offset = 0, ended = false;
    const nextChunk = async () => {
      for (;;) {
        const t = reader.take(CHUNK);
        if (t.count > 0) return t;
        if (ended) return null;
        if (offset < vcf.size) {
          const piece = await bytesOf(vcf.slice(offset, offset + VCF_SLICE)).catch((e) => { throw named(vcf, e); });
          offset = Math.min(vcf.size, offset + VCF_SLICE);
          reader.push(piece);
        } else {
          reader.finish();
          ended = true;
        }
      }
    };
    const chunks = []; // rows per chunk, in file order
    let scored = 0, readUpTo = 0;
    const limit = 2 * Math.max(1, pool.workers.length);
    const inflight = new Set();
    for (let k = 0; ; k++) {
      while (inflight.size >= limit) await Promise.race(inflight);
      if (me.cancelled) break;
      const chunk = await nextChunk();
      if (!chunk || me.cancelled) break;
      // only the bytes of the reference that hold this chunk's windows
      const ranges = index.plan(chunk.text, chunk.lines, windows);
      const parts = [];
      for (let i = 0; i < ranges.length; i += 2) parts.push(fasta.slice(ranges[i], ranges[i + 1]));
      const bytes = await Promise.all(parts.map(bytesOf)).catch((e) => { throw named(fasta, e); });
      const read = index.regions(bytes);
      const at = offset;
      const job = pool.run({ type: "genome-variants", genome, text: chunk.text, lines: chunk.lines, regions: read.regions, bases: read.bases, options: { reverseComplement: rc } });
      me.jobs.add(job);
      const done = job.promise.then((rows) => {
        chunks[k] = rows;
        scored += rows.length;
        readUpTo = Math.max(readUpTo, at);
        ui.update(readUpTo, vcf.size || 1, `${scored.toLocaleString("en")} variants scored (${Math.round((100 * readUpTo) / (vcf.size || 1))} % of ${vcf.name} read)`);
      }).finally(() => { inflight.delete(done); me.jobs.delete(job); });
      done.catch(() => null); // awaited below (a failure ends the run there)
      inflight.add(done);
    }
    await Promise.all(inflight);
    if (me.cancelled) {
      setStatus(`Scoring cancelled (${scored.toLocaleString("en")} variants were scored; nothing is shown for a part of the file).`, "");
      return;
    }
    const rows = chunks.flat();
    const seconds = (performance.now() - started) / 1000;
    performance.mark("regula:genome-done");
    last = { rows, reference: { fasta: fasta.name, fai: fai.name, gzi: gzi?.name, kind, size: fasta.size }, vcf: vcf.name, rc, model: m.name, seconds, definition: windows.effectDefinition, window: windows.describe, flanked: windows.flanked };
    sort = { key: null, dir: 1 };
    render();
    const failed = rows.filter((r) => r.error).length;
    const rate = rows.length / Math.max(seconds, 1e-3);
    const summary = `${rows.length.toLocaleString("en")} variant${rows.length === 1 ? "" : "s"} in ${seconds < 1 ? seconds.toFixed(2) : seconds.toFixed(1)} s (${Math.round(rate).toLocaleString("en")} variants/s)${failed ? `; ${failed.toLocaleString("en")} could not be scored (the status column says why)` : ""}.`;
    $("genome-summary").textContent = `Scored ${summary}`;
    setStatus(rows.length ? `Genome variants: scored ${summary}` : `${vcf.name} holds no variants (only header or blank lines).`, failed || !rows.length ? "warn" : "ok");
  } catch (e) {
    if (e?.cancelled || me.cancelled) {
      setStatus("Scoring cancelled.", "");
    } else {
      showError(e?.message ?? String(e));
      setStatus(`Genome variants: ${e?.message ?? e}`, "bad");
      me.jobs.forEach((j) => j.cancel());
    }
  } finally {
    index?.free();
    reader?.free();
    windows?.free();
    ui.end();
    run = null;
    updateButton();
    document.body.dataset.genomeRuns = String(++finished); // runs ended (the tests wait for it)
  }
}

// The export's columns: location and alleles, then per target the reference and alternate
// predictions and the effect, then the status and the VCF line.
function columns() {
  const names = targets();
  const cols = [
    { key: "chrom", label: "chrom", get: (r) => r.chrom },
    { key: "pos", label: "pos", get: (r) => r.pos ?? "", num: true, plain: true },
    { key: "id", label: "id", get: (r) => r.id },
    { key: "ref", label: "ref", get: (r) => r.ref },
    { key: "alt", label: "alt", get: (r) => r.alt },
  ];
  names.forEach((t, i) => {
    const suffix = names.length > 1 ? ` ${t}` : "";
    cols.push({ key: `ref${i}`, label: `reference prediction${suffix}`, unit: unitOf(i), get: (r) => r.ref_prediction[i], num: true, title: `${labelOf(i)} of the reference window, in ${unitOf(i)}` });
    cols.push({ key: `alt${i}`, label: `alternate prediction${suffix}`, unit: unitOf(i), get: (r) => r.alt_prediction[i], num: true, title: `${labelOf(i)} of the window with the variant, in ${unitOf(i)}` });
    cols.push({ key: `effect${i}`, label: `effect${suffix}`, unit: unitOf(i), get: (r) => (r.error ? undefined : r.alt_prediction[i] - r.ref_prediction[i]), num: true,
      title: `alternate − reference prediction, in ${unitOf(i)}: ${last?.definition ?? ""}` });
  });
  cols.push({ key: "status", label: "status", get: (r) => r.error ?? "scored", title: "scored, or why the variant could not be scored (no number is given for it)" });
  cols.push({ key: "line", label: "line", get: (r) => r.line, num: true, plain: true, title: "line of the VCF" });
  return cols;
}

function sortedRows() {
  const col = columns().find((c) => c.key === sort.key);
  const rows = last.rows.slice();
  if (col) rows.sort((a, b) => {
    const x = col.get(a), y = col.get(b);
    if (x === undefined || x === "") return 1;
    if (y === undefined || y === "") return -1;
    return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * sort.dir;
  });
  return rows;
}

// The table shows the same columns with the effects and the status right after the alleles, so
// that they are seen without scrolling.
function shownColumns() {
  const cols = columns();
  const first = (c) => (/^effect/.test(c.key) ? 0 : c.key === "status" ? 1 : 2);
  const at = cols.findIndex((c) => c.key === "alt") + 1;
  return [...cols.slice(0, at), ...cols.slice(at).sort((a, b) => first(a) - first(b))];
}

function render() {
  const table = $("genome-table");
  const cols = shownColumns();
  table.querySelector("thead").replaceChildren(el("tr", {}, ...cols.map((c) => {
    const sorted = sort.key === c.key;
    return el("th", { scope: "col", "aria-sort": sorted ? (sort.dir > 0 ? "ascending" : "descending") : "none", title: c.title, dataset: { key: c.key } },
      el("button", { type: "button", class: "sort", onclick: () => { sort = { key: c.key, dir: sorted ? -sort.dir : 1 }; render(); } }, c.label, sorted ? (sort.dir > 0 ? " ▲" : " ▼") : ""),
      ...(c.unit ? [el("span", { class: "th-unit" }, ` (${c.unit})`)] : []));
  })));
  const rows = sortedRows();
  table.querySelector("tbody").replaceChildren(...rows.slice(0, TABLE_ROWS).map((r) => el("tr", { class: r.error ? "variant-error" : "" },
    ...cols.map((c) => {
      const v = c.get(r);
      const cls = c.key === "status" ? `status-cell ${r.error ? "status-bad error-cell" : "status-ok"}` : c.num ? "num" : "";
      // a variant without an effect shows no number: its status says why
      const textOf = c.num && !c.plain ? (v === undefined ? "—" : fmt(v, 5)) : String(v);
      return el("td", { class: cls, dataset: { key: c.key, ...(c.num && !c.plain && v !== undefined ? { value: String(v) } : {}) } }, textOf);
    }))));
  table.querySelector("caption").textContent = rows.length > TABLE_ROWS
    ? `The first ${TABLE_ROWS} of ${rows.length.toLocaleString("en")} variants (sort by a column to see others); the export has every row.`
    : `${rows.length.toLocaleString("en")} variant${rows.length === 1 ? "" : "s"}.`;
  table.hidden = false;
  $("genome-tsv").disabled = false;
}

// Every row, with the provenance in `#` lines (as the app's other exports) and the units in the header.
function exportTsv() {
  if (!last) return;
  const cols = columns();
  const ref = last.reference;
  const failed = last.rows.filter((r) => r.error).length;
  const rows = provenance(null, [
    ["reference", `${ref.fasta} (${ref.kind === "bgzf" ? "bgzip-compressed" : "plain"}, ${ref.size} bytes) with ${ref.fai}${ref.gzi ? ` and ${ref.gzi}` : ""}`],
    ["vcf", last.vcf],
    ["strands", last.rc ? "mean of the forward and reverse-complement predictions" : "forward strand"],
    ["effect", `alternate − reference prediction in each target's unit (${targets().map((t, i) => `${t}: ${unitOf(i)}`).join("; ")}); ${last.definition}`],
    ["variants", `${last.rows.length} (${last.rows.length - failed} scored, ${failed} not: the status says why)`],
  ]).map(([k, v]) => (k === "length_policy" ? [k, last.flanked ? `the model's flanked tiles, one tile per variant: ${last.window}` : `none: each variant is read in one window: ${last.window}`] : [k, v]));
  const q = (v) => (v === undefined ? "" : String(v).replace(/[\t\r\n]+/g, " "));
  const lines = [...rows.map(([k, v]) => `# ${k}: ${q(v)}`), cols.map((c) => (c.unit ? `${c.label} (${c.unit})` : c.label)).join("\t"),
    ...sortedRows().map((r) => cols.map((c) => q(c.get(r))).join("\t"))];
  const base = last.vcf.replace(/\.(vcf)?(\.b?gz)?$/i, "") || "variants";
  download(`${base}_${last.model}_scores.tsv`, new Blob([lines.join("\n") + "\n"], { type: "text/tab-separated-values" }));
}

export function setupGenome() {
  $("genome-reference").addEventListener("change", (e) => pickReference([...e.target.files]));
  $("genome-vcf").addEventListener("change", (e) => { picked.vcf = e.target.files[0] ?? null; describeFiles(); });
  $("genome-run").addEventListener("click", runGenome);
  $("genome-tsv").addEventListener("click", exportTsv);
}
