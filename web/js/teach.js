// The teaching view: the one-hot encoding of the selected record, the model's first-layer
// filters as logos with their best JASPAR match, and mutate-a-base with the prediction's change.
// It owns the filters of the current model.
import { $, BASES, el, fmt, LOGO_COLOURS } from "./dom.js";
import { activeRecord } from "./input.js";
import { current, itemOf, policyOptions, targets, unitOf } from "./model.js";
import { ensureMotifs } from "./motifs.js";
import { pool } from "./pool.js";

let filters = null; // the model's filters, "loading", or null (not fetched yet)

export function modelChanged() {
  filters = null;
}

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
    $("mutate-pos").max = rec.length;
    updateMutateContext();
  } else oh.replaceChildren(el("caption", {}, "Paste a sequence first."));
  if (current() && !filters) {
    filters = "loading";
    try {
      await ensureMotifs();
      filters = await pool.run({ type: "filters" }).promise;
    } catch (e) { filters = null; $("filters").textContent = `Filters unavailable: ${e.message}`; return; }
    // the most informative filters first
    const ranked = filters.slice().sort((a, b) => b.information_content - a.information_content);
    $("filters").replaceChildren(el("p", { class: "help filters-note" }, `${Math.min(32, ranked.length)} of ${ranked.length} filters, most informative first; letter height = probability.`),
      ...ranked.slice(0, 32).map((f) => {
      const c = el("canvas", { width: Math.max(60, f.probs.length * 12), height: 48, "aria-label": `filter ${f.filter} logo, consensus ${f.consensus}` });
      drawPwmLogo(c, f.probs);
      const best = f.matches?.[0];
      return el("figure", { class: "filter" }, c, el("figcaption", {}, el("strong", {}, `filter ${f.filter}`), ` ${f.consensus}`, el("br"),
        best ? `best JASPAR match: ${best.motif_name ?? ""} ${best.motif_id} (similarity ${best.similarity.toFixed(2)})` : "no JASPAR match"));
    }));
  }
}
function updateMutateContext() {
  const rec = activeRecord();
  if (!rec) return;
  const p = Math.max(1, Math.min(rec.length, Number($("mutate-pos").value) || 1)) - 1;
  const a = Math.max(0, p - 12), b = Math.min(rec.length, p + 13);
  $("mutate-context").replaceChildren(`${a + 1} `, rec.bases.slice(a, p), el("mark", {}, rec.bases[p]), rec.bases.slice(p + 1, b), ` ${b}`);
  for (const btn of $("mutate-bases").children) btn.setAttribute("aria-pressed", btn.dataset.base === rec.bases[p]);
}
async function mutate(base) {
  const rec = activeRecord();
  if (!rec || !current()) return;
  const p = Math.max(1, Math.min(rec.length, Number($("mutate-pos").value) || 1)) - 1;
  const mutant = rec.bases.slice(0, p) + base + rec.bases.slice(p + 1);
  // a two-segment model: the base is mutated in the promoter, the distal partner kept
  const [ref, alt] = await pool.run({ type: "predict", sequences: [itemOf(rec), itemOf({ ...rec, bases: mutant })], options: policyOptions() }).promise;
  $("mutate-result").replaceChildren(...ref.values.map((v, i) => {
    const d = alt.values[i] - v;
    return el("div", { class: "pred" }, el("span", { class: "label" }, `${targets()[i]}: ${rec.bases[p]}${p + 1}${base}`),
      el("span", { class: "value" }, `${fmt(v, 5)} → ${fmt(alt.values[i], 5)}`),
      el("span", { class: `delta ${d > 0 ? "up" : d < 0 ? "down" : ""}`, dataset: { delta: String(d) } }, `${d >= 0 ? "+" : ""}${fmt(d, 4)} ${unitOf(i)}`));
  }));
}

export function setupTeach() {
  $("mutate-pos").addEventListener("input", updateMutateContext);
  for (const btn of $("mutate-bases").children) btn.addEventListener("click", () => mutate(btn.dataset.base));
}
