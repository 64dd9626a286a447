// Small DOM helpers shared by the page's modules. No state.
export const $ = (id) => document.getElementById(id);
export const BASES = "ACGT";
export const LOGO_COLOURS = { A: "#109648", C: "#255c99", G: "#d98c00", T: "#d62839", N: "#888888" };

export const fmt = (v, digits = 6) => (v === undefined || v === null || Number.isNaN(v) ? "—" : Number(v).toPrecision(digits));
export const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
};
export function setStatus(text, kind = "") {
  const s = $("status");
  s.textContent = text;
  s.className = `status ${kind}`;
}
// A new successful action replaces a problem the status line still shows (it always describes
// the current state), but does not overwrite news of another action.
export function settleStatus(text) {
  const s = $("status");
  if (s.classList.contains("bad") || s.classList.contains("warn")) setStatus(text, "ok");
}
export const xml = (t) => String(t).replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]);
// Saves `blob` (or what the promise `later` resolves to) as a file called `name`.
export async function download(name, blob, later) {
  if (later) blob = await later;
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
