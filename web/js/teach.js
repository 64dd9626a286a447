// The teaching view: the one-hot encoding of the selected record, the model's first-layer
// filters as logos with their best JASPAR match, and mutate-a-base with the prediction's change.
// It owns the filters of the current model.
import { $, BASES, el, fmt, LOGO_COLOURS, setStatus } from "./dom.js";
import { activeRecord } from "./input.js";
import { current, itemOf, labelOf, paired, policyOptions, targets, unitOf } from "./model.js";
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
  const p = Math.max(1, Math.min(rec.length, Number($("mutate-pos").value) || 1)) - 1;
  const a = Math.max(0, p - 12), b = Math.min(rec.length, p + 13);
  $("mutate-context").replaceChildren(`${a + 1} `, rec.bases.slice(a, p), el("mark", {}, rec.bases[p]), rec.bases.slice(p + 1, b), ` ${b}`);
  for (const btn of $("mutate-bases").children) btn.setAttribute("aria-pressed", btn.dataset.base === rec.bases[p]);
}
// The change of the prediction when one base changes: the variant effect (the mean over the
// model windows that contain the base of alt − ref, as in the Variants view and the scan). A base
// the model does not read is refused with the reason, never shown as a change of 0.
async function mutate(base) {
  const rec = activeRecord();
  if (!rec || !current()) return;
  const p = Math.max(1, Math.min(rec.length, Number($("mutate-pos").value) || 1)) - 1;
  const ref = rec.bases[p];
  if (ref === base) {
    $("mutate-result").replaceChildren(el("span", { class: "help" }, `${base} is already the base at position ${p + 1}.`));
    return;
  }
  // a two-segment model: the base is mutated in the promoter, the distal partner kept
  const report = await pool.run({ type: "variants", sequence: itemOf(rec), variants: `${p + 1} ${ref}>${base}\n`, options: { ...policyOptions(), ...(paired() ? { segment: "promoter" } : {}) } }).promise;
  const s = report.scores[0];
  if (s.error) {
    const unseen = /outside the model's view/.test(s.error);
    $("mutate-result").replaceChildren(el("p", { class: "error refused", role: "alert", dataset: { unseen: String(unseen) } },
      unseen ? `Position ${p + 1} is outside the model's view: the model does not read this base under the current length policy, so changing it changes nothing the model sees — this is not an effect of 0. Choose another position, or a length policy that reads it (“Other lengths”). (${s.error})` : `Cannot mutate position ${p + 1}: ${s.error}`));
    setStatus(unseen ? `Position ${p + 1} is outside the model's view.` : `Cannot mutate position ${p + 1}.`, "warn");
    return;
  }
  const windows = s.windows > 1 ? ` (mean over the ${s.windows} windows that contain it)` : "";
  $("mutate-result").replaceChildren(...s.ref_prediction.map((v, i) => {
    const d = s.difference[i];
    return el("div", { class: "pred" }, el("span", { class: "label" }, `${labelOf(i) === targets()[i] ? targets()[i] : labelOf(i)}: ${ref}${p + 1}${base}${windows}`),
      el("span", { class: "value" }, `${fmt(v, 5)} → ${fmt(s.alt_prediction[i], 5)}`),
      el("span", { class: `delta ${d > 0 ? "up" : d < 0 ? "down" : ""}`, dataset: { delta: String(d) } }, `${d >= 0 ? "+" : ""}${fmt(d, 4)} ${unitOf(i)}`));
  }));
}

export function setupTeach() {
  $("mutate-pos").addEventListener("input", updateMutateContext);
  for (const btn of $("mutate-bases").children) btn.addEventListener("click", () => mutate(btn.dataset.base));
}
