// The page's progress bars for long work (a box holding a <progress>, a .progress-text and a
// .cancel button; index.html has one per kind of work). A bar redraws every REDRAW_MS at most
// however often the work reports: each redraw (style, layout, paint and raster, in the renderer's
// threads) takes CPU from the workers doing the work, and a scan shared by 2 workers on 2 cores
// has none to spare (hepg2-legnet-fast in headless Chromium, 2026-12-02: the renderer's threads
// used 142-178 ms of CPU during a scan redrawn once a frame, 113-132 ms with no bar).
import { $ } from "./dom.js";

const REDRAW_MS = 250;

// Shows the bar `id` (after `delayMs`, so that short work does not flash it) until `end()`.
// `update(done, total, text)` records where the work is; the bar shows the latest of it.
export function progressBar(id, { onCancel, delayMs = 0 } = {}) {
  const box = $(id);
  const bar = box.querySelector("progress");
  const text = box.querySelector(".progress-text");
  let latest = null;
  let timer = 0;
  const draw = () => {
    timer = 0;
    if (box.hidden || !latest) return;
    const [done, total, label] = latest;
    bar.max = total || 1;
    bar.value = done;
    if (text) text.textContent = label ?? "";
  };
  bar.max = 1;
  bar.value = 0;
  if (text) text.textContent = "";
  box.querySelector(".cancel").onclick = () => onCancel?.();
  const reveal = () => { box.hidden = false; draw(); };
  const show = delayMs > 0 ? setTimeout(reveal, delayMs) : (reveal(), 0);
  return {
    update(done, total, label) {
      latest = [done, total, label];
      if (!box.hidden && !timer) timer = setTimeout(draw, REDRAW_MS);
    },
    end() {
      clearTimeout(show);
      clearTimeout(timer);
      box.hidden = true;
    },
  };
}
