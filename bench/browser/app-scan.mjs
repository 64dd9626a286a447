// Part "pool" of the browser benchmark: full saturation scans in the web app itself, with its pool
// of Web Workers (js/pool.js: the scan's positions split across the workers), as a user runs them:
// paste a sequence, click "Run full scan", read the time the app reports (#scan-info's data-ms,
// from the click's handler to the merged result). Per model with one sequence input, on the
// sequence of part "ism" (randomDna(L, 7000 + L)), in fresh browser contexts:
// - at once: the scan clicked as soon as the model is ready, while the app may still be preparing
//   its workers (js/scan-view.js prepareScans: a short scan in each worker, which makes tract's plans);
// - prepared and one worker, interleaved: two pages side by side, one with the app's pool and one
//   with the pool held to one worker (navigator.hardwareConcurrency reads 1, as on a one-core
//   device), each prepared (body[data-scans-prepared]: a short scan in each worker, which makes
//   tract's plans), then 1 + `later` scans in each, in turns (pool, one, one, pool, pool, one, …),
//   so that the pool's speed-up is the app's own time over the app's own time, in the same harness
//   and the same seconds. Measured in turns because this 2-core machine drifts: the same page's
//   one-worker median read 1,129 ms and then 1,370 ms in two sessions a minute apart (2026-12-02),
//   more than the speed-up's target tolerates when the sessions run one after the other.
import { randomDna } from "./lib.mjs";

/** Scans of each of `models` ([{id, name, length}]) in the app at `url`; `context()` gives a fresh
 * browser context. Resolves with one row per model. */
export async function appScans({ url, models, context, later = 5, log }) {
  const rows = [];
  for (const m of models) {
    log(`app scans ${m.id}`);
    const seq = randomDna(m.length, 7000 + m.length);
    const row = { model: m.id, length: m.length };
    try {
      row.atOnce = await session(url, m, seq, { prepared: false, scans: 1 });
      row.atOnce = { ...row.atOnce, firstMs: row.atOnce.scans[0], scans: undefined };
      const [pooled, one] = await interleaved(url, m, seq, 1 + later);
      row.prepared = { ...pooled, scans: undefined, firstMs: pooled.scans[0], laterMs: pooled.scans.slice(1) };
      row.oneWorker = { ...one, scans: undefined, firstMs: one.scans[0], laterMs: one.scans.slice(1), interleaved: true };
    } catch (e) {
      row.error = String(e?.message ?? e).split("\n")[0];
    }
    rows.push(row);
  }
  return rows;

  // The app with its pool and the app held to one worker, each prepared, then `scans` scans of each
  // in turns (ABBA, so neither goes first more often); resolves with each page's times.
  async function interleaved(url, m, seq, scans) {
    const pages = [];
    try {
      for (const workers of [undefined, 1]) pages.push(await open(url, m, seq, { prepared: true, workers }));
      const times = [[], []];
      for (let i = 0; i < scans; i++) {
        for (const k of (i % 2 ? [1, 0] : [0, 1])) times[k].push(await scanOnce(pages[k].p, m));
      }
      return await Promise.all(pages.map(async (pg, k) => ({ scans: times[k], ...(await describe(pg.p)) })));
    } finally {
      for (const pg of pages) await pg.ctx.closeAll();
    }
  }

  async function session(url, m, seq, { prepared, scans, workers }) {
    const { ctx, p } = await open(url, m, seq, { prepared, workers });
    try {
      const times = [];
      for (let i = 0; i < scans; i++) times.push(await scanOnce(p, m));
      return { scans: times, ...(await describe(p)) };
    } finally {
      await ctx.closeAll();
    }
  }

  // A fresh context with the app open on model `m`, the sequence pasted and predicted (and, with
  // `prepared`, the workers prepared).
  async function open(url, m, seq, { prepared, workers }) {
    const ctx = await context();
    try {
      // main.js sizes the pool to navigator.hardwareConcurrency
      if (workers) await ctx.addInitScript((n) => Object.defineProperty(navigator, "hardwareConcurrency", { get: () => n }), workers);
      const p = await ctx.newPage();
      p.on("pageerror", (e) => log(`[app error] ${e.message}`));
      await p.goto(url);
      await p.waitForSelector("body[data-ready=true]", { timeout: 60_000, state: "attached" });
      // the model the app opens with first (a choice made while it loads would race with it)
      await p.waitForFunction(() => document.body.dataset.model, null, { timeout: 60_000 });
      if ((await p.inputValue("#model-select")) !== m.id) {
        await p.click("#tab-model");
        await p.selectOption("#model-select", m.id);
      }
      await p.waitForFunction((n) => document.body.dataset.model === n, m.name, { timeout: 60_000 });
      await p.click("#tab-input");
      await p.fill("#sequence-input", `>bench\n${seq}\n`);
      await p.waitForFunction(() => document.querySelector("#records tbody tr td")?.textContent === "bench", null, { timeout: 30_000 });
      await p.click("#tab-results");
      await p.waitForSelector("#prediction .value", { state: "attached", timeout: 60_000 });
      if (prepared) await p.waitForFunction((n) => document.body.dataset.scansPrepared === n, m.name, { timeout: 120_000 });
      return { ctx, p };
    } catch (e) {
      await ctx.closeAll();
      throw e;
    }
  }

  // One click on "Run full scan": the time the app reports. The end is awaited by a
  // MutationObserver on the status line, not by page.waitForFunction, whose default polling runs
  // its predicate on every animation frame: it kept the page drawing 60 frames a second through
  // the scan, CPU that a user's page does not spend and that two workers on two cores lack.
  async function scanOnce(p, m) {
    await p.evaluate(() => { document.getElementById("status").textContent = ""; });
    await p.click("#scan-run");
    await p.evaluate(() => new Promise((resolve, reject) => {
      const status = document.getElementById("status");
      const ended = () => /Scan (finished|failed)/.test(status.textContent);
      if (ended()) return resolve();
      const timer = setTimeout(() => { observer.disconnect(); reject(new Error("no scan result within 300 s")); }, 300_000);
      const observer = new MutationObserver(() => {
        if (!ended()) return;
        observer.disconnect();
        clearTimeout(timer);
        resolve();
      });
      observer.observe(status, { childList: true, characterData: true, subtree: true });
    }));
    const status = await p.textContent("#status");
    if (!/finished/.test(status)) throw new Error(`${m.id}: ${status}`);
    return Math.round(await p.$eval("#scan-info", (e) => Number(e.dataset.ms)));
  }

  async function describe(p) {
    const info = await p.$eval("#scan-info", (e) => ({ workers: Number(e.dataset.workers), text: e.textContent }));
    return { workers: info.workers, method: info.text.replace(/: \d+ positions[^]*$/, ""), pool: await p.textContent("#pool-info") };
  }
}
