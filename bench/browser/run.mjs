// The in-browser benchmarks (issue 8): Regula's wasm package against onnxruntime-web in Debian's
// headless Chromium, driven by playwright-core. Prints tables and writes one JSON file; see
// README.md for what is measured and what every field means.
//
//   cd bench/browser && npm ci && node run.mjs [--pkg DIR] [--models DIR] [--out FILE.json] [--runs N]
//
// Options (defaults): --pkg web/pkg, --models models, --out results/browser-bench.json, --runs 5
// (timed runs after warm-up, fast ISM, attributions, throughput), --naive-runs 2 (naive ISM with
// onnxruntime-web), --regula-naive-runs 1 (Regula's own naive ISM, 1 kb case only), --cold-runs 5
// (fresh browsers per cold-start page), --seqs 128 (sequences per throughput run), --batch 32
// (onnxruntime-web batch for throughput), --ism-batch 64, --cold-model ID, --no-app (skip the web
// app cold start), --no-minimal (skip the minimal page's cold start), --no-tiled (skip the tiled 1,000 bp ISM of the shipped models), --only PARTS
// (a comma list of throughput, ism, attribution, worker, cold, pool: run only those; e.g. `--only cold`;
// pool: scans in the web app with its Web Workers, app-scan.mjs, and the same split in two bare workers,
// pool-ceiling.mjs), --later-scans 5 (pool: scans after the first, in each page),
// --app-dir DIR (the web app served for the app cold start; default web, e.g. a copy of an older
// web/ to compare).
// Env: CHROMIUM (default /usr/bin/chromium).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync, spawnSync } from "node:child_process";
import { chromium } from "playwright-core";
import { serve } from "../../web/tests/server.mjs";
import { appScans } from "./app-scan.mjs";
import { median, round } from "./lib.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, "../..");

// ---------- options ----------
const opts = {
  pkg: path.join(root, "web/pkg"), models: path.join(root, "models"), out: path.join(here, "results/browser-bench.json"),
  runs: 5, "naive-runs": 2, "regula-naive-runs": 1, "cold-runs": 5, seqs: 128, batch: 32, "ism-batch": 64, "cold-model": null, app: true, minimal: true, tiled: true,
  only: "throughput,ism,attribution,worker,cold,pool", "app-dir": path.join(root, "web"), "later-scans": 5,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--no-app") { opts.app = false; continue; }
  if (a === "--no-tiled") { opts.tiled = false; continue; }
  if (a === "--no-minimal") { opts.minimal = false; continue; }
  if (a === "-h" || a === "--help") {
    console.log(fs.readFileSync(new URL(import.meta.url), "utf8").split("\n").filter((l) => l.startsWith("//")).map((l) => l.slice(3)).join("\n"));
    process.exit(0);
  }
  const key = a.replace(/^--/, "");
  if (!a.startsWith("--") || !(key in opts) || i + 1 >= argv.length) {
    console.error(`unknown option or missing value: ${a} (see --help)`);
    process.exit(2);
  }
  const v = argv[++i];
  opts[key] = typeof opts[key] === "number" ? Number(v) : ["pkg", "models", "out", "app-dir"].includes(key) ? path.resolve(v) : v;
}
const PARTS = ["throughput", "ism", "attribution", "worker", "cold", "pool"];
const only = new Set(opts.only.split(",").map((s) => s.trim()).filter(Boolean));
for (const p of only) if (!PARTS.includes(p)) { console.error(`--only: unknown part ${p} (${PARTS.join(", ")})`); process.exit(2); }
const wasmFile = path.join(opts.pkg, "regula_wasm_bg.wasm");
if (!fs.existsSync(wasmFile)) {
  console.error(`${wasmFile} is missing: build the package first (wasm/build.sh ${path.relative(process.cwd(), opts.pkg) || "."})`);
  process.exit(2);
}
const ortDir = path.join(here, "node_modules/onnxruntime-web/dist");
if (!fs.existsSync(ortDir)) {
  console.error("onnxruntime-web is missing: run `npm ci` in bench/browser first");
  process.exit(2);
}
const shipped = fs.readdirSync(opts.models).filter((m) => fs.existsSync(path.join(opts.models, m, "manifest.json"))).sort();
const oneInput = shipped.filter((m) => JSON.parse(fs.readFileSync(path.join(opts.models, m, "manifest.json"), "utf8")).inputs.length === 1);
const TARGETS = {
  throughputRatio: 1.0, // Regula seq/s ÷ onnxruntime-web seq/s, at least
  ismMs: 1000, // fast ISM median, at most
  ismSpeedup: 10, // naive (onnxruntime-web) ÷ fast, at least
  attributionMs: 50, // gradient × input of 1,000 bp, median, at most
  coldStartMs: 1500, // navigation start to first prediction, median, at most
  wasmGzipBytes: 1_500_000, // regula_wasm_bg.wasm after gzip -9, at most
};
const SANE = 1e-4; // largest |difference| between two runtimes' numbers taken as agreement

// ---------- environment ----------
const sh = (cmd, args) => { try { return execFileSync(cmd, args, { cwd: root, encoding: "utf8" }).trim(); } catch { return null; } };
const cpuinfo = fs.existsSync("/proc/cpuinfo") ? fs.readFileSync("/proc/cpuinfo", "utf8") : "";
const pkgJson = (dir) => JSON.parse(fs.readFileSync(path.join(here, "node_modules", dir, "package.json"), "utf8"));
const environment = {
  date: new Date().toISOString(),
  node: process.version,
  onnxruntimeWeb: pkgJson("onnxruntime-web").version,
  playwrightCore: pkgJson("playwright-core").version,
  cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? null,
  cores: os.cpus().length,
  memoryGiB: round(os.totalmem() / 2 ** 30, 1),
  os: `${os.type()} ${os.release()}`,
  loadAverageAtStart: os.loadavg().map((v) => round(v, 2)),
  gitCommit: sh("git", ["rev-parse", "HEAD"]),
  gitDirty: (sh("git", ["status", "--porcelain", "--untracked-files=no"]) ?? "") !== "",
  pkg: path.relative(root, opts.pkg) || opts.pkg,
  wasmModified: fs.statSync(wasmFile).mtime.toISOString(),
  models: path.relative(root, opts.models) || opts.models,
  appDir: path.relative(root, opts["app-dir"]) || opts["app-dir"],
  options: { ...opts, pkg: undefined, models: undefined, out: undefined, "app-dir": undefined },
};

// ---------- wasm size ----------
/** Raw and gzip -9 bytes of a file (gzip itself, else node's zlib at level 9). */
function fileSize(file) {
  const bytes = fs.readFileSync(file);
  const gz = spawnSync("gzip", ["-9", "-c", file], { maxBuffer: 1 << 30 });
  return {
    file: path.relative(root, file),
    rawBytes: bytes.length,
    gzipBytes: gz.status === 0 ? gz.stdout.length : zlib.gzipSync(bytes, { level: 9 }).length,
    gzipTool: gz.status === 0 ? "gzip -9 -c" : "node zlib level 9",
  };
}
const size = { ...fileSize(wasmFile), target: { gzipBytesAtMost: TARGETS.wasmGzipBytes } };
size.met = size.gzipBytes <= TARGETS.wasmGzipBytes;
// the relaxed-SIMD build beside it (RELAXED=1 wasm/build.sh), which the web app loads where it runs
const relaxedFile = path.join(opts.pkg, "regula_wasm_bg.relaxed.wasm");
if (fs.existsSync(relaxedFile)) size.relaxed = fileSize(relaxedFile);

// ---------- browser ----------
const log = (s) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const { server, url: origin } = await serve(here, 0, "127.0.0.1", {
  "/bench/": here, "/pkg/": opts.pkg, "/ort/": ortDir, "/models/": opts.models,
  "/fixtures/": path.join(root, "infer/tests/fixtures"), "/js/": path.join(root, "wasm/js"),
});
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ARGS });
environment.chromium = browser.version();
const blocked = [];
/** A fresh context (own cache and storage) that may only reach `allowed`; with `ownBrowser`, in a
 * browser process of its own (closed with the context), so that nothing compiled is shared. */
async function freshContext(allowed, ownBrowser = false) {
  const b = ownBrowser ? await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ARGS }) : browser;
  const ctx = await b.newContext();
  ctx.closeAll = async () => { await ctx.close(); if (ownBrowser) await b.close(); };
  await ctx.route("**/*", (route) => {
    const u = route.request().url();
    if (new URL(u).origin !== new URL(allowed).origin) { blocked.push(u); return route.abort(); }
    return route.continue();
  });
  return ctx;
}

/** The web app as `just serve` serves it, with --pkg and a model index (scripts/web-index.mjs) of
 * `models` (ids under --models; the first one the app opens with is the index's default).
 * Resolves with {url, index, server}. */
async function serveApp(models) {
  const dir = fs.mkdtempSync(path.join(tmp, "app-"));
  fs.mkdirSync(path.join(dir, "models"));
  for (const m of models) fs.symlinkSync(path.join(opts.models, m), path.join(dir, "models", m));
  execFileSync("node", [path.join(root, "scripts/web-index.mjs"), path.join(dir, "models"), path.join(dir, "web-models")], { stdio: "ignore" });
  // The app's workers load their job loop from pkg/jobs.js, which scripts/build-web.sh copies
  // beside the wasm package (wasm/js/jobs.js); a package from wasm/build.sh alone lacks it.
  const appPkg = path.join(dir, "pkg");
  fs.mkdirSync(appPkg);
  for (const f of fs.readdirSync(opts.pkg)) fs.symlinkSync(path.resolve(opts.pkg, f), path.join(appPkg, f));
  for (const f of ["jobs.js", "simd.js"]) {
    if (!fs.existsSync(path.join(appPkg, f))) fs.symlinkSync(path.join(root, "wasm/js", f), path.join(appPkg, f));
  }
  const app = await serve(opts["app-dir"], 0, "127.0.0.1", { "/pkg/": appPkg, "/models/": path.join(dir, "web-models") });
  return { ...app, index: JSON.parse(fs.readFileSync(path.join(dir, "web-models/index.json"), "utf8")) };
}

const result = { environment, targets: TARGETS, size };
let failed = false;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-browser-bench-"));
try {
  // ----- items 1-3 in one page -----
  if (["throughput", "ism", "attribution", "worker"].some((p) => only.has(p))) {
  const ctx = await freshContext(origin);
  const page = await ctx.newPage();
  const requests = [];
  page.on("request", (r) => requests.push(new URL(r.url()).pathname));
  page.on("console", (m) => m.type() === "error" && log(`[page] ${m.text()}`));
  page.on("pageerror", (e) => log(`[page error] ${e.message}`));
  await page.goto(`${origin}bench/bench.html`);
  await page.waitForFunction(() => window.benchLoaded === true, null, { timeout: 60_000 });
  Object.assign(environment, { page: await page.evaluate(() => window.bench.start()) });
  const call = (fn, ...args) => page.evaluate(([fn, args]) => window.bench[fn](...args), [fn, args]);

  if (only.has("throughput")) {
  result.throughput = [];
  for (const id of shipped) {
    log(`throughput ${id}`);
    const r = await call("throughput", id, { runs: opts.runs, seqs: opts.seqs, batch: opts.batch });
    if (r.ratio !== undefined) r.met = r.ratio >= TARGETS.throughputRatio;
    result.throughput.push(r);
  }
  }

  if (only.has("ism")) {
  result.ism = [];
  const ismCases = [...shipped.map((id) => ({ id, tiledLength: opts.tiled ? 1000 : 0 })), { id: "reference1000", length: 1000, regulaNaiveRuns: opts["regula-naive-runs"] }];
  for (const c of ismCases) {
    log(`ISM ${c.id}${c.length ? ` ${c.length} bp` : ""}`);
    const r = await call("ism", c.id, { runs: opts.runs, naiveRuns: opts["naive-runs"], regulaNaiveRuns: c.regulaNaiveRuns ?? 0, batch: opts["ism-batch"], length: c.length, tiledLength: c.tiledLength });
    if (r.fast) r.met = { fastMs: r.fast.medianMs <= TARGETS.ismMs, speedup: r.speedup >= TARGETS.ismSpeedup };
    result.ism.push(r);
  }
  // 1,000 bp on the shipped models: does the graph take it, what does Regula's ISM do with it?
  result.ism1000Shipped = [];
  for (const id of oneInput) result.ism1000Shipped.push(await call("lengthCheck", id, 1000));
  }

  if (only.has("attribution")) {
  result.attribution = [];
  for (const c of [{ id: "reference1000", length: 1000 }, ...shipped.map((id) => ({ id }))]) {
    log(`gradient x input ${c.id}`);
    const r = await call("attribution", c.id, { runs: opts.runs, length: c.length });
    if (r.medianMs !== undefined && r.length === 1000) r.met = r.medianMs <= TARGETS.attributionMs;
    result.attribution.push(r);
  }
  }
  result.ortFilesLoaded = [...new Set(requests.filter((p) => p.startsWith("/ort/")))];

  // The ISM Web Worker helper (wasm/js/ism-worker.js): progress, result, cancellation.
  if (only.has("worker")) {
  log("ISM worker check");
  await page.goto(`${origin}bench/worker-check.html`);
  await page.waitForFunction(() => window.workerResult !== undefined, null, { timeout: 120_000 });
  const worker = await page.evaluate(() => window.workerResult);
  worker.ok = !worker.error && worker.resultType === "result" && worker.effects === 3 * 230 * 4 && worker.method === "fast"
    && worker.progress.join() === "40,80,120,160,200,230" && worker.afterCancel === "cancelled";
  result.workerCheck = worker;
  if (!worker.ok) failed = true;
  }
  await ctx.close();
  }

  // ----- item 4: cold start -----
  // Default: hepg2-mpra, else the first model with one sequence input.
  if (only.has("cold")) {
  const coldModel = opts["cold-model"] ?? (shipped.includes("hepg2-mpra") ? "hepg2-mpra" : oneInput[0] ?? shipped[0]);
  result.coldStart = { model: coldModel };
  if (opts.minimal) {
    log(`cold start, minimal page (${coldModel})`);
    const runs = [];
    for (let i = 0; i < opts["cold-runs"]; i++) {
      const c = await freshContext(origin, true);
      const p = await c.newPage();
      const t0 = Date.now();
      await p.goto(`${origin}bench/cold.html?model=${encodeURIComponent(coldModel)}`);
      await p.waitForFunction(() => window.coldResult !== undefined, null, { timeout: 60_000 });
      const r = await p.evaluate(() => window.coldResult);
      r.nodeWallMs = Date.now() - t0;
      runs.push(r);
      await c.closeAll();
    }
    const ok = runs.filter((r) => !r.error);
    const ms = ok.map((r) => r.firstPrediction);
    result.coldStart.minimal = {
      runs: runs.map((r) => (r.error ? r : Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "number" && k !== "value" ? round(v) : v])))),
      medianMs: round(median(ms)),
      medianPhasesMs: Object.fromEntries(["imported", "wasmReady", "fetched", "modelLoaded", "firstPrediction"].map((k) => [k, round(median(ok.map((r) => r[k])))])),
    };
    if (ok.length) result.coldStart.minimal.met = median(ms) <= TARGETS.coldStartMs;
    else failed = true;
  }
  if (opts.app) {
    log(`cold start, web app (${coldModel})`);
    // just the cold-start model, so that it is the model the app loads first
    const app = await serveApp([coldModel]);
    const index = app.index;
    const runs = [];
    try {
      for (let i = 0; i < opts["cold-runs"]; i++) {
        const c = await freshContext(app.url, true);
        // Marks (ms since navigation start) from inside the page: app ready, model loaded; then it
        // picks the first example sequence (as a user would) and marks the first prediction shown.
        await c.addInitScript((modelName) => {
          const mark = {};
          window.__cold = mark;
          const obs = new MutationObserver(() => {
            const b = document.body;
            if (!b) return;
            if (!mark.ready && b.dataset.ready === "true") mark.ready = performance.now();
            if (!mark.model && b.dataset.model === modelName) {
              mark.model = performance.now();
              const sel = document.getElementById("example-select");
              sel.value = "0";
              sel.dispatchEvent(new Event("change", { bubbles: true }));
            }
            const v = document.querySelector("#prediction .value");
            if (v && !mark.firstPrediction) {
              mark.firstPrediction = performance.now();
              mark.value = Number(v.dataset.value);
              obs.disconnect();
            }
          });
          obs.observe(document, { subtree: true, childList: true, attributes: true });
        }, index.models.find((m) => m.id === coldModel)?.name ?? coldModel);
        const p = await c.newPage();
        p.on("pageerror", (e) => log(`[app error] ${e.message}`));
        await p.goto(app.url, { waitUntil: "commit" });
        const t0 = Date.now();
        await p.waitForFunction(() => window.__cold?.firstPrediction !== undefined, null, { timeout: 60_000 }).catch(async (e) => {
          runs.push({ error: `${e.message.split("\n")[0]}; status: ${await p.textContent("#status").catch(() => "?")}` });
        });
        // the app's own performance marks (regula:compiled, regula:ready, regula:fetched, regula:model), where it sets them
        if (runs.length === i) runs.push({ ...(await p.evaluate(() => ({ ...window.__cold, marks: Object.fromEntries(performance.getEntriesByType("mark").filter((m) => m.name.startsWith("regula:")).map((m) => [m.name.slice(7), Math.round(m.startTime * 10) / 10])) }))), nodeWaitMs: Date.now() - t0 });
        await c.closeAll();
      }
    } finally {
      app.server.close();
    }
    const ok = runs.filter((r) => !r.error);
    result.coldStart.app = {
      defaultModel: index.models[0]?.id ?? null,
      runs: runs.map((r) => (r.error ? r : Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "number" && k !== "value" ? round(v) : v])))),
      medianMs: round(median(ok.map((r) => r.firstPrediction))),
      medianPhasesMs: Object.fromEntries(["ready", "model", "firstPrediction"].map((k) => [k, round(median(ok.map((r) => r[k])))])),
      medianMarksMs: Object.fromEntries([...new Set(ok.flatMap((r) => Object.keys(r.marks ?? {})))].map((k) => [k, round(median(ok.map((r) => r.marks?.[k]).filter((v) => v !== undefined)))])),
    };
    if (ok.length) result.coldStart.app.met = median(ok.map((r) => r.firstPrediction)) <= TARGETS.coldStartMs;
    else failed = true;
  }
  result.coldStart.target = { medianMsAtMost: TARGETS.coldStartMs };
  }

  // ----- scans in the web app, with its pool of workers -----
  if (only.has("pool")) {
    const app = await serveApp(oneInput);
    const manifestOf = (id) => JSON.parse(fs.readFileSync(path.join(opts.models, id, "manifest.json"), "utf8"));
    try {
      const models = app.index.models.map((m) => ({ id: m.id, name: m.name, length: manifestOf(m.id).inputs[0].length }));
      result.appDefault = app.index.default; // the model the app opens with (scripts/web-index.mjs)
      result.appScans = await appScans({ url: app.url, models, context: () => freshContext(app.url, true), later: opts["later-scans"], log });
    } finally {
      app.server.close();
    }
    // the same split in two bare workers, no app around them (pool-ceiling.mjs)
    const ctx = await freshContext(origin);
    try {
      const page = await ctx.newPage();
      page.on("pageerror", (e) => log(`[ceiling page error] ${e.message}`));
      await page.goto(`${origin}bench/pool-ceiling.html`);
      await page.waitForFunction(() => window.poolCeilingReady, null, { timeout: 60_000 });
      log("machine ceiling: two spinning workers against one");
      result.machineCeiling = await page.evaluate((runs) => window.machineCeiling(runs), Math.max(opts.runs, 7));
      for (const r of result.appScans) {
        log(`bare workers ${r.model}`);
        try {
          r.bareWorkers = await page.evaluate(([id, length, runs]) => window.poolCeiling(id, length, runs), [r.model, r.length, opts.runs]);
        } catch (e) {
          r.bareWorkers = { error: String(e?.message ?? e).split("\n")[0] };
        }
      }
    } finally {
      await ctx.closeAll();
    }
    // against the app held to one worker (its later scans), and part "ism"'s scan of the same
    // sequence in a bare worker in this run (no page around it)
    for (const r of result.appScans) {
      if (!r.prepared || !r.oneWorker) continue;
      r.oneWorkerMs = median(r.oneWorker.laterMs);
      r.speedupOverOneWorker = round(r.oneWorkerMs / median(r.prepared.laterMs), 2);
      const bare = result.ism?.find((i) => i.model === r.model && i.fast);
      if (bare) r.bareWorkerMs = bare.fast.medianMs;
    }
  }
} catch (e) {
  failed = true;
  result.error = String(e?.stack ?? e);
  console.error(e);
} finally {
  await browser.close();
  server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
result.blockedRequests = blocked;
environment.loadAverageAtEnd = os.loadavg().map((v) => round(v, 2));

// ---------- report ----------
fs.mkdirSync(path.dirname(opts.out), { recursive: true });
fs.writeFileSync(opts.out, JSON.stringify(result, null, 2) + "\n");
const yes = (m) => (m === undefined ? "—" : m ? "yes" : "NO");
const fmt = (v, d = 1) => (v === undefined || v === null ? "—" : Number(v).toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));
const sci = (v) => (v === undefined || v === null ? "—" : Number(v).toExponential(1));
const table = (head, rows) => {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => "| " + r.map((c, i) => String(c).padEnd(w[i])).join(" | ") + " |";
  return [line(head), "|" + w.map((n) => "-".repeat(n + 2)).join("|") + "|", ...rows.map(line)].join("\n");
};
const out = [];
const skips = (rows) => rows.filter((r) => r.regulaSkipped).forEach((r) => out.push(`   ${r.model}: Regula skipped: ${r.regulaSkipped}`));
out.push(`Regula in-browser benchmark — Chromium ${environment.chromium}, onnxruntime-web ${environment.onnxruntimeWeb} (wasm EP, 1 thread, SIMD), Node ${environment.node}`);
out.push(`${environment.cpu}, ${environment.cores} cores; ${environment.date}; load average ${environment.loadAverageAtStart.join(" ")} → ${environment.loadAverageAtEnd.join(" ")}; package ${environment.pkg}`);
if (result.throughput) {
out.push("", `1. Inference throughput (${opts.seqs} random sequences per run; median of ${opts.runs} runs after warm-up; onnxruntime-web in batches of ${opts.batch}, Regula's predict in its batches of 32)`);
out.push(table(["model", "L", "Regula seq/s", "ORT-web seq/s", "Regula/ORT", "≥ 1.0×", "max |Δ| raw", "max |Δ| reported"],
  (result.throughput ?? []).map((r) => r.regulaSkipped
    ? [r.model, r.length, "skipped (below)", fmt(r.ort?.seqPerS), "—", "—", "—", "—"]
    : [r.model, r.length, fmt(r.regula.seqPerS), fmt(r.ort.seqPerS), `${fmt(r.ratio, 2)}×`, yes(r.met), sci(r.maxAbsDiffRaw), sci(r.maxAbsDiffReported)])));
skips(result.throughput ?? []);
}
if (result.ism) {
out.push("", `2. Saturation mutagenesis (all 3·L substitutions; fast: median of ${opts.runs} after warm-up; naive ORT-web: batches of ${opts["ism-batch"]}, median of ${opts["naive-runs"]})`);
out.push(table(["model", "L", "Regula fast ms", "ORT-web naive ms", "naive/fast", "fast ≤ 1 s", "≥ 10×", "max |fast − naive|"],
  (result.ism ?? []).map((r) => r.regulaSkipped
    ? [r.model, r.length, "skipped (below)", "—", "—", "—", "—", "—"]
    : [r.model, r.length, fmt(r.fast.medianMs), fmt(r.ortNaive.medianMs), `${fmt(r.speedup)}×`, yes(r.met.fastMs), yes(r.met.speedup), sci(r.maxAbsDiff)])));
skips(result.ism ?? []);
for (const r of result.ism ?? []) {
  if (r.regulaNaive) out.push(`   ${r.model}: Regula's own naive ISM ${fmt(r.regulaNaive.medianMs)} ms (${fmt(r.regulaNaive.speedup)}× the fast one; max |Δ| ${sci(r.regulaNaive.maxAbsDiffToFast)})`);
  if (r.method && r.method !== "fast") out.push(`   ${r.model}: Regula fell back to ${r.method} ISM: ${r.fallbackReason}`);
}
for (const r of result.ism1000Shipped ?? []) {
  out.push(`   ${r.model} at 1,000 bp: graph input [${(r.graphInput ?? []).join(", ")}] ${r.graphAccepts ? "accepts" : "rejects"} [1, 4, 1000]; Regula ISM: ${r.regulaIsm.ok ? `${r.regulaIsm.method}, fitting ${JSON.stringify(r.regulaIsm.fitting)}` : r.regulaIsm.error}`);
  const tiled = result.ism?.find((i) => i.model === r.model)?.tiled;
  if (tiled) out.push(`     tiled (stride ${tiled.policy.stride}${tiled.fitting ? `, ${tiled.fitting.windows} windows` : ""}): ${tiled.error ?? `${tiled.method} ISM of 1,000 bp in ${fmt(tiled.ms, 0)} ms (1 run)`}`);
}
}
if (result.attribution) {
out.push("", `3. Gradient × input (median of ${opts.runs} after warm-up)`);
out.push(table(["model", "L", "ms", "≤ 50 ms (1 kb)"], (result.attribution ?? []).map((r) => (r.regulaSkipped ? [r.model, r.length, "skipped (below)", "—"] : [r.model, r.length, fmt(r.medianMs, 2), yes(r.met)]))));
skips(result.attribution ?? []);
}
if (result.coldStart) {
out.push("", `4. Cold start: navigation start → first prediction of ${result.coldStart?.model}, fresh browser each (median of ${opts["cold-runs"]})`);
const cs = result.coldStart ?? {};
out.push(table(["page", "median ms", "≤ 1.5 s", "phases (median ms since navigation start)"], [
  ...(cs.app ? [[`web app (${environment.appDir}/index.html)`, fmt(cs.app.medianMs), yes(cs.app.met), Object.entries(cs.app.medianPhasesMs).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(", ")]] : []),
  ...(cs.minimal ? [["minimal page", fmt(cs.minimal.medianMs), yes(cs.minimal.met), Object.entries(cs.minimal.medianPhasesMs).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(", ")]] : []),
]));
if (cs.app && Object.keys(cs.app.medianMarksMs ?? {}).length) out.push(`   web app's own marks (median ms): ${Object.entries(cs.app.medianMarksMs).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(", ")}`);
}
if (result.appScans) {
  out.push("", `5. Full scans in the web app with its pool of workers (the sequence of part 2; at once: clicked as soon as the model is ready; prepared: once the app has prepared its workers, then the median of ${opts["later-scans"]} more; one worker: the same with the pool held to one worker)`);
  out.push(table(["model", "L", "workers", "method", "at once ms", "prepared: first ms", "later ms (median)", "app, one worker ms", "speed-up", "bare workers: 1 / 2 ms, speed-up"],
    result.appScans.map((r) => (r.error ? [r.model, r.length, "—", `error: ${r.error}`, "—", "—", "—", "—", "—", "—"]
      : [r.model, r.length, r.prepared.workers, r.prepared.method, fmt(r.atOnce.firstMs, 0), fmt(r.prepared.firstMs, 0), fmt(median(r.prepared.laterMs), 0), fmt(r.oneWorkerMs, 0), r.speedupOverOneWorker ? `${fmt(r.speedupOverOneWorker, 2)}×` : "—",
        r.bareWorkers?.speedup ? `${fmt(median(r.bareWorkers.wholeMs), 0)} / ${fmt(median(r.bareWorkers.splitMs), 0)}, ${fmt(r.bareWorkers.speedup, 2)}×` : `— ${r.bareWorkers?.error ?? ""}`]))));
}
out.push("", `Wasm size (${size.file}): ${size.rawBytes.toLocaleString("en-US")} bytes raw, ${size.gzipBytes.toLocaleString("en-US")} bytes ${size.gzipTool}; ≤ 1.5 MB gzip: ${yes(size.met)}`);
if (result.workerCheck) out.push(`ISM Web Worker check (wasm/js/ism-worker.js: progress, result, cancel): ${result.workerCheck.ok ? "ok" : `FAILED ${JSON.stringify(result.workerCheck)}`}`);
const insane = [...(result.throughput ?? []).filter((r) => r.maxAbsDiffRaw > SANE).map((r) => `${r.model} throughput raw |Δ| ${r.maxAbsDiffRaw}`),
  ...(result.ism ?? []).filter((r) => r.maxAbsDiff > SANE).map((r) => `${r.model} ISM |Δ| ${r.maxAbsDiff}`)];
if (insane.length) { out.push(`WARNING: runtimes disagree by more than ${SANE}: ${insane.join("; ")}`); failed = true; }
if (blocked.length) out.push(`Blocked requests to other origins: ${blocked.join(", ")}`);
if (result.error) out.push(`ERROR: ${result.error}`);
out.push("", `JSON: ${opts.out}`);
console.log(out.join("\n"));
if (failed) process.exitCode = 1;
