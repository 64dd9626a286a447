// The teaching view: the one-hot encoding of the selected record, the model's first-layer
// filters as logos with their best JASPAR match, mutate-a-base with the prediction's change, and
// (a model with an attention block) the attention map over the model's positions. It owns the
// filters of the current model and the attention map of the selected record.
import { $, BASES, el, fmt, LOGO_COLOURS, setStatus } from "./dom.js";
import { activeRecord } from "./input.js";
import { current, itemOf, keyOf, labelOf, paired, policyOptions, targets, unitOf } from "./model.js";
import { ensureMotifs } from "./motifs.js";
import { pool } from "./pool.js";

let filters = null; // the model's filters, "loading", or null (not fetched yet)
let attention = null; // {key, base, result}: the attention map of a record and policy (base) and window (key)

export function modelChanged() {
  filters = null;
  attention = null;
  $("mutate-segment-box").hidden = !paired();
  $("mutate-segment").value = "promoter";
}
// The base sequence mutate-a-base works on: the record's, or (two segments) the chosen segment's.
const mutateSegment = () => (paired() ? $("mutate-segment").value : null);
const mutateBases = (rec) => (mutateSegment() === "distal" ? rec.distal ?? "" : rec.bases);

function drawPwmLogo(canvas, probs) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width / probs.length, H = canvas.height;
  ctx.clearRect(0, 0, canvas.width, H);
  ctx.font = "bold 100px ui-monospace, monospace";
  const letterW = ctx.measureText("A").width;
  probs.forEach((col, i) => {
    let y = H; // letter height = probability (filters of a small model carry little information)
    col.map((p, b) => [p, b]).sort((a, b) => a[0] - b[0]).forEach(([p, b]) => {
      const h = p * H;
      if (h < 0.5) return;
      ctx.save();
      ctx.fillStyle = LOGO_COLOURS[BASES[b]];
      ctx.translate(i * w, y);
      ctx.scale(w / letterW, h / 72);
      ctx.fillText(BASES[b], 0, 0);
      ctx.restore();
      y -= h;
    });
  });
}
export async function renderTeach() {
  const rec = activeRecord();
  const oh = $("onehot");
  if (rec) {
    const n = Math.min(rec.length, 16);
    const seq = rec.bases.slice(0, n);
    oh.replaceChildren(
      el("caption", {}, `first ${n} of ${rec.length} bases of ${rec.name}`),
      el("thead", {}, el("tr", {}, el("th", {}, ""), ...[...seq].map((b, i) => el("th", { scope: "col", title: `position ${i + 1}: mutate it below` },
        el("button", { type: "button", class: "sort", onclick: () => { $("mutate-pos").value = i + 1; updateMutateContext(); $("mutate-pos").focus(); } }, b))))),
      el("tbody", {}, ...[...BASES].map((B) => el("tr", {}, el("th", { scope: "row" }, B),
        ...[...seq].map((b) => { const v = b === "N" ? "0.25" : b === B ? "1" : "0"; return el("td", { class: v === "1" ? `hot base-${B}` : "" }, v); })))));
    $("mutate-pos").max = mutateBases(rec).length;
    updateMutateContext();
  } else oh.replaceChildren(el("caption", {}, "Paste a sequence first."));
  renderAttention();
  if (current() && !filters) {
    filters = "loading";
    try {
      await ensureMotifs();
      filters = await pool.run({ type: "filters" }).promise;
    } catch (e) { filters = null; $("filters").textContent = `Filters unavailable: ${e.message}`; return; }
    // the most informative filters first (the wasm side sorts them so); a best match is named
    // only when it beats shuffles of the filter's own columns (p ≤ 0.05)
    const ranked = filters.slice().sort((a, b) => b.information_content - a.information_content);
    const shown = ranked.filter((f) => f.matches?.[0]?.p_value != null);
    $("filters").replaceChildren(el("p", { class: "help filters-note" }, `The ${shown.length} most informative of ${ranked.length} filters; letter height = probability. A JASPAR match is named only when the filter resembles it more than 19 shuffles of the filter's own columns resemble any JASPAR motif (p ≤ 0.05); otherwise: no clear match.`),
      ...shown.map((f) => {
      const c = el("canvas", { width: Math.max(60, f.probs.length * 12), height: 48, "aria-label": `filter ${f.filter} logo, consensus ${f.consensus}` });
      drawPwmLogo(c, f.probs);
      const best = f.matches[0];
      const clear = best.p_value <= 0.05;
      return el("figure", { class: "filter" }, c, el("figcaption", {}, el("strong", {}, `filter ${f.filter}`), ` ${f.consensus} · ${f.information_content.toFixed(1)} bits`, el("br"),
        clear ? `matches ${best.motif_name ?? ""} ${best.motif_id} (similarity ${best.similarity.toFixed(2)}, p = ${best.p_value.toFixed(2)})`
          : `no clear match (closest: ${best.motif_name ?? best.motif_id}, similarity ${best.similarity.toFixed(2)}, p = ${best.p_value.toFixed(2)})`));
    }));
  }
}
function updateMutateContext() {
  const rec = activeRecord();
  if (!rec) return;
  const bases = mutateBases(rec);
  const p = Math.max(1, Math.min(bases.length, Number($("mutate-pos").value) || 1)) - 1;
  const a = Math.max(0, p - 12), b = Math.min(bases.length, p + 13);
  $("mutate-context").replaceChildren(`${a + 1} `, bases.slice(a, p), el("mark", {}, bases[p]), bases.slice(p + 1, b), ` ${b}`);
  for (const btn of $("mutate-bases").children) btn.setAttribute("aria-pressed", btn.dataset.base === bases[p]);
}
// The change of the prediction when one base changes: the variant effect (the mean over the
// model windows that contain the base of alt − ref, as in the Variants view and the scan). A base
// the model does not read is refused with the reason, never shown as a change of 0.
async function mutate(base) {
  const rec = activeRecord();
  if (!rec || !current()) return;
  const segment = mutateSegment();
  const bases = mutateBases(rec);
  const p = Math.max(1, Math.min(bases.length, Number($("mutate-pos").value) || 1)) - 1;
  const ref = bases[p];
  const where = `${segment ? `${segment} ` : ""}position ${p + 1}`;
  const Where = where[0].toUpperCase() + where.slice(1);
  if (ref === base) {
    $("mutate-result").replaceChildren(el("span", { class: "help" }, `${base} is already the base at ${where}.`));
    return;
  }
  // a two-segment model: the base is mutated in the chosen segment, the other one kept
  const report = await pool.run({ type: "variants", sequence: itemOf(rec), variants: `${p + 1} ${ref}>${base}\n`, options: { ...policyOptions(), ...(segment ? { segment } : {}) } }).promise;
  const s = report.scores[0];
  if (s.error) {
    const unseen = /outside the model's view/.test(s.error);
    $("mutate-result").replaceChildren(el("p", { class: "error refused", role: "alert", dataset: { unseen: String(unseen) } },
      unseen ? `${Where} is outside the model's view: the model does not read this base under the current length policy, so changing it changes nothing the model sees — this is not an effect of 0. Choose another position, or a length policy that reads it (“Other lengths”). (${s.error})` : `Cannot mutate ${where}: ${s.error}`));
    setStatus(unseen ? `${Where} is outside the model's view.` : `Cannot mutate ${where}.`, "warn");
    return;
  }
  const windows = s.windows > 1 ? ` (mean over the ${s.windows} windows that contain it)` : "";
  const name = segment ? `${segment} ${ref}${p + 1}${base}` : `${ref}${p + 1}${base}`;
  $("mutate-result").replaceChildren(...s.ref_prediction.map((v, i) => {
    const d = s.difference[i];
    return el("div", { class: "pred" }, el("span", { class: "label" }, `${labelOf(i) === targets()[i] ? targets()[i] : labelOf(i)}: ${name}${windows}`),
      el("span", { class: "value" }, `${fmt(v, 5)} → ${fmt(s.alt_prediction[i], 5)}`),
      el("span", { class: `delta ${d > 0 ? "up" : d < 0 ? "down" : ""}`, dataset: { delta: String(d) } }, `${d >= 0 ? "+" : ""}${fmt(d, 4)} ${unitOf(i)}`));
  }));
}

// ---------- attention map ----------
// Sequential white → dark blue (ColorBrewer Blues): 0 is white, the largest weight shown darkest.
const BLUES = [[247, 251, 255], [222, 235, 247], [198, 219, 239], [158, 202, 225], [107, 174, 214], [66, 146, 198], [33, 113, 181], [8, 81, 156], [8, 48, 107]];
function blue(t) { // t in [0, 1]
  const x = Math.max(0, Math.min(1, t)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(x));
  const f = x - i;
  const c = BLUES[i].map((a, k) => Math.round(a + (BLUES[i + 1][k] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
const ATT = { left: 64, top: 6, bottom: 40 };
// The bases of the sequence that model position t stands for, in words (1-based; padding said so).
function positionBases(a, t, len) {
  const first = a.starts[t] + 1, last = a.starts[t] + a.stride;
  const range = first === last ? `base ${first}` : `bases ${first}–${last}`;
  return last < 1 || first > len ? `${range} (padding)` : range;
}
// The shown map: the mean over heads, or one head.
function shownMap(a) {
  const head = $("attention-head")?.value ?? "mean";
  const T = a.positions;
  return head === "mean" ? a.mean : a.perHead.subarray(Number(head) * T * T, (Number(head) + 1) * T * T);
}
async function renderAttention() {
  const box = $("attention");
  const rec = activeRecord();
  const m = current();
  if (!m) { box.replaceChildren(); return; }
  if (m.info.attentionUnavailable) {
    box.replaceChildren(el("p", { class: "help attention-none" }, `No attention map: ${m.info.attentionUnavailable}.`));
    return;
  }
  if (!rec) { box.replaceChildren(el("p", { class: "help" }, "Paste a sequence first.")); return; }
  // the window chosen among a tiled sequence's windows, while the record and policy stay
  // the model's hash too: another model's map of the same record is another map
  const base = `${m.hash ?? m.id}|${keyOf(rec)}|${JSON.stringify(policyOptions())}`;
  const window = attention?.base === base ? Number($("attention-window")?.value ?? 0) : 0;
  const options = { ...policyOptions(), window };
  const key = `${base}|${window}`;
  if (attention?.key !== key) {
    attention = { key, base, result: null };
    try {
      const result = await pool.run({ type: "attention", sequence: itemOf(rec), options }).promise;
      if (attention?.key !== key) return; // another record or policy came meanwhile
      attention.result = result;
    } catch (e) {
      if (attention?.key === key) attention = null;
      box.replaceChildren(el("p", { class: "error" }, `Attention map unavailable: ${e.message}`));
      return;
    }
  }
  if (!attention.result) return;
  // Drawn already (renderTeach runs again when the record's prediction comes in): a new canvas
  // would drop the tooltip from under the user's pointer.
  if (box.dataset.drawn === key && $("attention-map")) return;
  drawAttention(attention.result, rec);
  box.dataset.drawn = key;
}
function drawAttention(a, rec) {
  const box = $("attention");
  const T = a.positions;
  const head = $("attention-head")?.value ?? "mean";
  const heads = el("select", { id: "attention-head" }, el("option", { value: "mean" }, `mean over the ${a.heads} heads`),
    ...Array.from({ length: a.heads }, (_, h) => el("option", { value: String(h) }, `head ${h + 1}`)));
  heads.value = head < a.heads || head === "mean" ? head : "mean";
  heads.addEventListener("change", () => drawAttention(a, rec));
  const controls = [el("div", {}, el("label", { for: "attention-head" }, "Show"), heads)];
  if (a.windows > 1) {
    const win = el("select", { id: "attention-window" }, ...Array.from({ length: a.windows }, (_, w) => el("option", { value: String(w) }, `window ${w + 1} of ${a.windows}`)));
    win.value = String(a.window);
    win.addEventListener("change", () => renderAttention());
    controls.push(el("div", {}, el("label", { for: "attention-window" }, "Model window"), win));
  }
  const map = shownMap(a);
  let max = 0;
  for (const v of map) max = Math.max(max, v);
  max = max || 1;
  const cs = Math.max(4, Math.min(18, Math.floor(520 / T)));
  const c = el("canvas", { id: "attention-map", tabindex: "0", width: ATT.left + T * cs + 4, height: ATT.top + T * cs + ATT.bottom,
    "aria-label": `Attention map: ${T} query positions (rows) by ${T} key positions (columns), ${a.stride} bases each; hover a cell for its weight`,
    dataset: { positions: String(T), heads: String(a.heads), stride: String(a.stride), head: heads.value } });
  const ctx = c.getContext("2d");
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, c.width, c.height);
  for (let q = 0; q < T; q++) for (let k = 0; k < T; k++) {
    ctx.fillStyle = blue(map[q * T + k] / max);
    ctx.fillRect(ATT.left + k * cs, ATT.top + q * cs, cs, cs);
  }
  ctx.strokeStyle = "#999"; ctx.strokeRect(ATT.left - 0.5, ATT.top - 0.5, T * cs + 1, T * cs + 1);
  // axis labels: the first base (1-based, in the sequence) of every few positions
  ctx.fillStyle = "#333"; ctx.font = "11px system-ui, sans-serif";
  const step = Math.max(1, Math.ceil(36 / cs));
  ctx.textBaseline = "middle"; ctx.textAlign = "right";
  for (let q = 0; q < T; q += step) ctx.fillText(String(a.starts[q] + 1), ATT.left - 4, ATT.top + q * cs + cs / 2);
  ctx.textBaseline = "top"; ctx.textAlign = "center";
  for (let k = 0; k < T; k += step) ctx.fillText(String(a.starts[k] + 1), ATT.left + k * cs + cs / 2, ATT.top + T * cs + 3);
  ctx.textAlign = "left";
  ctx.fillText("key position (first base, in the sequence) →", ATT.left, ATT.top + T * cs + 18);
  ctx.save(); ctx.translate(11, ATT.top + T * cs / 2); ctx.rotate(-Math.PI / 2); ctx.textAlign = "center";
  ctx.fillText("query position (first base) →", 0, 0); ctx.restore();
  const legend = el("canvas", { width: 160, height: 12, "aria-hidden": "true" });
  const lg = legend.getContext("2d");
  for (let x = 0; x < 160; x++) { lg.fillStyle = blue(x / 159); lg.fillRect(x, 0, 1, 12); }
  const tip = el("div", { id: "attention-tip", class: "tooltip", role: "status", hidden: true });
  const which = heads.value === "mean" ? `mean over the ${a.heads} heads` : `head ${Number(heads.value) + 1}`;
  const len = rec.length;
  const cell = (e) => {
    const r = c.getBoundingClientRect();
    const k = Math.floor((e.clientX - r.left - ATT.left) / cs), q = Math.floor((e.clientY - r.top - ATT.top) / cs);
    return q >= 0 && q < T && k >= 0 && k < T ? { q, k } : null;
  };
  const show = (e) => {
    const at = cell(e);
    if (!at) { tip.hidden = true; return; }
    const w = map[at.q * T + at.k];
    tip.textContent = `query position ${at.q + 1} (${positionBases(a, at.q, len)}) → key position ${at.k + 1} (${positionBases(a, at.k, len)}): attention weight ${w.toFixed(4)} (${which})`;
    Object.assign(tip.dataset, { query: String(at.q + 1), key: String(at.k + 1), weight: String(w), head: heads.value });
    tip.hidden = false;
    const b = box.getBoundingClientRect();
    tip.style.left = `${Math.max(0, Math.min(e.clientX - b.left + 12, b.width - tip.offsetWidth - 4))}px`;
    tip.style.top = `${e.clientY - b.top + 14}px`;
  };
  c.addEventListener("mousemove", show);
  c.addEventListener("pointerdown", show);
  c.addEventListener("mouseleave", () => { tip.hidden = true; });
  const f = a.fitting;
  const fitText = f.action === "unchanged" ? "" : f.action === "tiled" ? ` The length policy cut the sequence into ${f.windows} windows; this is window ${a.window + 1} (bases ${a.window_start + 1}–${a.window_start + current().info.length}).` : ` The sequence was ${f.action} to the model's ${current().info.length} bp (${f.left} left, ${f.right} right); positions over padding say so.`;
  box.replaceChildren(
    el("div", { class: "row controls" }, ...controls),
    el("div", { class: "attention-figure" }, el("div", { class: "scroller" }, c), tip),
    el("div", { class: "legend attention-legend" }, el("span", {}, "0"), legend, el("span", {}, `${max.toFixed(3)} attention weight`),
      el("span", { class: "help" }, `— ${which}: each row is one query position; its weights over the key positions (columns) sum to 1.`)),
    el("p", { class: "help attention-scale" }, `Scale: ${a.scale}. Axis labels give each position's first base in the sequence.${fitText}`));
}

export function setupTeach() {
  $("mutate-pos").addEventListener("input", updateMutateContext);
  $("mutate-segment").addEventListener("change", () => { $("mutate-result").replaceChildren(); renderTeach(); });
  for (const btn of $("mutate-bases").children) btn.addEventListener("click", () => mutate(btn.dataset.base));
}
