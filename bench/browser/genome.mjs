// Genome variants in the browser (issue 17): the web app's "Genome variants" view scores a VCF of
// 10,000 SNVs against a reference picked from disk, in Debian's headless Chromium (playwright-core),
// for references of different sizes, plain and bgzip-compressed. Throughput (variants/s, from the
// app's own performance marks around a run) and memory (the resident set of the whole Chromium
// process tree, sampled every 100 ms, and the page's JS heap) per run; memory should not grow with
// the reference, which the page reads only by region.
//
//   scripts/build-web.sh          # web/pkg and web/models
//   node bench/browser/genome.mjs [--out FILE] [--variants N] [--model ID] [--work DIR] [--repeats N,M]
//
// Defaults: --out bench/results/browser-genome.json, --variants 10000, --model hepg2-mpra,
// --work target/bench-genome (the generated references and VCF), --repeats 100,1000 (each large
// reference is the 1 Mb hg19 chr22 slice of ../shared/data/genome repeated this many times).
//
// Whether memory is flat in the reference's size is judged on one VCF against references of
// different sizes: the VCF of the first large reference (its variants spread over its length) is
// scored again against each larger one, whose first bases are the same bytes (the slice repeated,
// the same lines, the same BGZF blocks), so the page reads the same ranges and blocks and only the
// reference's size (and its indexes') differs. Each larger reference is also scored with its own
// VCF spread over its whole length: fewer windows share a BGZF block there, a pattern of reads
// that follows the VCF's density rather than the reference's size.
// The references are written once (standard-library Node: BGZF blocks of 65,280 bytes as bgzip
// writes them, with .fai and .gzi). Env: CHROMIUM (default /usr/bin/chromium).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";
import { serve } from "../../web/tests/server.mjs";
import { round } from "./lib.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, "../..");
const opts = { out: path.join(root, "bench/results/browser-genome.json"), variants: 10000, model: "hepg2-mpra", work: path.join(root, "target/bench-genome"), repeats: "100,1000" };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, "");
  if (!(key in opts) || i + 1 >= argv.length) { console.error(`unknown option or missing value: ${argv[i]}`); process.exit(2); }
  opts[key] = typeof opts[key] === "number" ? Number(argv[i + 1]) : path.resolve(argv[i + 1]);
  if (key === "model" || key === "repeats") opts[key] = argv[i + 1];
}
const TARGET = 200; // variants/s, at least
const SLICE = path.join(root, "../shared/data/genome/hg19_chr22_20-21Mb.fa");
const log = (s) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
for (const need of [path.join(root, "web/pkg/regula_wasm_bg.wasm"), path.join(root, "web/models/index.json")]) {
  if (!fs.existsSync(need)) { console.error(`${need} is missing: run scripts/build-web.sh first`); process.exit(2); }
}

// ---------- inputs ----------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc32 = (buf) => { let c = 0xffffffff; for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
function bgzfMember(chunk) {
  const deflated = zlib.deflateRawSync(chunk, { level: 6 });
  const head = Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 0x42, 0x43, 2, 0, 0, 0]);
  head.writeUInt16LE(deflated.length + 25, 16);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(crc32(chunk), 0);
  tail.writeUInt32LE(chunk.length, 4);
  return Buffer.concat([head, deflated, tail]);
}
// `src` bgzip-compressed into `dst` (blocks of 65,280 bytes, as bgzip) with `dst.gzi`.
function bgzip(src, dst) {
  const fd = fs.openSync(src, "r"), out = fs.openSync(dst, "w");
  const buf = Buffer.alloc(65280);
  const gzi = [];
  let c = 0, u = 0, n;
  while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) {
    if (u) gzi.push([c, u]);
    const m = bgzfMember(buf.subarray(0, n));
    fs.writeSync(out, m);
    c += m.length;
    u += n;
  }
  fs.writeSync(out, bgzfMember(Buffer.alloc(0)));
  fs.closeSync(fd);
  fs.closeSync(out);
  const g = Buffer.alloc(8 + 16 * gzi.length);
  g.writeBigUInt64LE(BigInt(gzi.length), 0);
  gzi.forEach(([a, b], i) => { g.writeBigUInt64LE(BigInt(a), 8 + 16 * i); g.writeBigUInt64LE(BigInt(b), 16 + 16 * i); });
  fs.writeFileSync(`${dst}.gzi`, g);
}
// The reference `name` (one record `chr22`, `repeats` copies of the slice, 60 bases per line), its
// .fai, its bgzip copy with .fai and .gzi; returns its bases (for the VCF's REF letters).
function makeReference(name, piece, repeats) {
  const fa = path.join(opts.work, name);
  const header = ">chr22 hg19 chr22:20,000,001-21,000,000, repeated\n";
  const length = piece.length * repeats;
  if (!fs.existsSync(`${fa}.bgz.gzi`)) {
    log(`writing ${fa} (${(length / 1e6).toFixed(0)} Mb) and its bgzip copy`);
    const fd = fs.openSync(fa, "w");
    fs.writeSync(fd, header);
    let carry = "";
    for (let r = 0; r < repeats; r++) {
      const text = carry + piece;
      const whole = text.length - (text.length % 60);
      const lines = [];
      for (let i = 0; i < whole; i += 60) lines.push(text.slice(i, i + 60));
      fs.writeSync(fd, lines.join("\n") + "\n");
      carry = text.slice(whole);
    }
    if (carry) fs.writeSync(fd, carry + "\n");
    fs.closeSync(fd);
    const fai = `chr22\t${length}\t${header.length}\t60\t61\n`;
    fs.writeFileSync(`${fa}.fai`, fai);
    bgzip(fa, `${fa}.bgz`);
    fs.writeFileSync(`${fa}.bgz.fai`, fai);
  }
  return { fa, length };
}
// `n` SNVs evenly spread over the reference, each where its whole 230 bp window (± 200) is known
// (no N), REF read from the reference, ALT the next letter of ACGT.
function makeVcf(file, piece, length, n) {
  if (fs.existsSync(file)) return;
  const at = (p) => piece[(p - 1) % piece.length];
  const clean = (p) => { for (let q = p - 200; q <= p + 200; q++) if (at(q) === "N") return false; return true; };
  const rows = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"];
  const step = (length - 2000) / n;
  for (let i = 0; i < n; i++) {
    let p = 1000 + Math.floor(i * step);
    while (!clean(p)) p += 97;
    const ref = at(p);
    rows.push(`chr22\t${p}\tv${i + 1}\t${ref}\t${"ACGT"[("ACGT".indexOf(ref) + 1) % 4]}\t.\t.\t.`);
  }
  fs.writeFileSync(file, rows.join("\n") + "\n");
}

fs.mkdirSync(opts.work, { recursive: true });
const piece = fs.readFileSync(SLICE, "utf8").split("\n").slice(1).join("").toUpperCase();
const small = makeReference("chr22_1mb.fa", piece, 1);
const vcfSmall = path.join(opts.work, `variants_${opts.variants}_1mb.vcf`);
makeVcf(vcfSmall, piece, small.length, opts.variants);
const larges = String(opts.repeats).split(",").map(Number).map((repeats) => {
  const ref = makeReference(`chr22_${repeats}mb.fa`, piece, repeats);
  const vcf = path.join(opts.work, `variants_${opts.variants}_${repeats}mb.vcf`);
  makeVcf(vcf, piece, ref.length, opts.variants);
  return { repeats, ...ref, vcf };
});

// ---------- memory of the Chromium process tree ----------
function tree(pid) {
  const children = new Map();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch { /* gone */ }
  }
  const out = [];
  const walk = (p) => { for (const c of children.get(p) ?? []) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}
function rssMiB() {
  let kb = 0;
  for (const p of tree(process.pid)) {
    try {
      if (!fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes("chrom")) continue;
      kb += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
    } catch { /* gone */ }
  }
  return kb / 1024;
}

// ---------- the runs ----------
const environment = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: /model name\s*:\s*(.*)/.exec(fs.readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? os.cpus()[0]?.model,
  cores: os.cpus().length,
  memoryGiB: round(os.totalmem() / 2 ** 30, 1),
  loadAverageAtStart: os.loadavg().map((v) => round(v, 2)),
  gitCommit: (() => { try { return execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim(); } catch { return null; } })(),
};
const { server, url: origin } = await serve(path.join(root, "web"), 0, "127.0.0.1");
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--enable-precise-memory-info"] });
environment.chromium = browser.version();
const results = { environment, model: opts.model, variants: opts.variants, target: { variantsPerSecondAtLeast: TARGET }, runs: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route("**/*", (r) => (new URL(r.request().url()).origin === new URL(origin).origin ? r.continue() : r.abort()));
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(origin);
  await page.waitForSelector("body[data-ready=true]", { state: "attached", timeout: 120000 });
  await page.click("#tab-model");
  await page.selectOption("#model-select", opts.model);
  await page.waitForFunction((n) => document.body.dataset.model === n, opts.model, { timeout: 120000 });
  environment.workers = await page.textContent("#pool-info");
  // One run: reference `r` (as written by makeReference) read plain or bgzip-compressed, with its indexes.
  const files = (r, compression) => (compression === "bgzf" ? [`${r.fa}.bgz`, `${r.fa}.bgz.fai`, `${r.fa}.bgz.gzi`] : [r.fa, `${r.fa}.fai`]);
  const run = (name, r, compression, vcf, more = {}) => ({ name, ref: files(r, compression), vcf, bases: r.length, compression, ...more });
  const label = { none: "plain", bgzf: "bgzip" };
  const cases = [
    { name: "warm-up (1 Mb, plain, 500 variants; not reported)", ref: files(small, "none"), vcf: null, warmup: true },
    ...["none", "bgzf"].map((c) => run(`1 Mb reference, ${label[c]}`, small, c, vcfSmall)),
    ...larges.flatMap((large, i) => [
      ...(i > 0 ? ["none", "bgzf"].map((c) => run(`${large.repeats} Mb reference, ${label[c]}, the ${larges[0].repeats} Mb VCF`, large, c, larges[0].vcf, { sameVcf: true })) : []),
      ...["none", "bgzf"].map((c) => run(`${large.repeats} Mb reference, ${label[c]}`, large, c, large.vcf, { sameVcf: i === 0 })),
      ...(i === 0 ? [run(`${large.repeats} Mb reference, bgzip, both strands`, large, "bgzf", large.vcf, { rc: true })] : []),
    ]),
  ];
  const warmVcf = path.join(opts.work, "warmup.vcf");
  fs.writeFileSync(warmVcf, fs.readFileSync(vcfSmall, "utf8").split("\n").slice(0, 502).join("\n") + "\n");
  await page.click("#tab-genome");
  for (const c of cases) {
    await page.setInputFiles("#genome-reference", c.ref);
    await page.setInputFiles("#genome-vcf", c.vcf ?? warmVcf);
    await page.setChecked("#genome-rc", !!c.rc);
    await page.waitForSelector("#genome-run:not([disabled])");
    await new Promise((r) => setTimeout(r, 1000));
    const baseline = rssMiB();
    const load = os.loadavg().map((v) => round(v, 2));
    const runs = await page.evaluate(() => Number(document.body.dataset.genomeRuns ?? 0));
    let peak = baseline, heapPeak = 0, sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, rssMiB());
        heapPeak = Math.max(heapPeak, await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0).catch(() => 0));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    log(`${c.name}: scoring ${c.vcf ? opts.variants : 500} variants`);
    await page.click("#genome-run");
    await page.waitForFunction((n) => Number(document.body.dataset.genomeRuns ?? 0) > n, runs, { timeout: 3600_000, polling: 500 });
    sampling = false;
    await sampler;
    const status = await page.textContent("#status");
    const seconds = await page.evaluate(() => {
      const [s] = performance.getEntriesByName("regula:genome-start").slice(-1);
      const [d] = performance.getEntriesByName("regula:genome-done").slice(-1);
      return d && s && d.startTime > s.startTime ? (d.startTime - s.startTime) / 1000 : null;
    });
    log(`${c.name}: ${status}`);
    if (!/^Genome variants: scored/.test(status) || seconds === null) throw new Error(`${c.name}: the run did not finish: ${status}`);
    if (c.warmup) continue;
    const n = opts.variants;
    results.runs.push({
      reference: c.name, bases: c.bases, compression: c.compression, sameVcf: !!c.sameVcf, fileBytes: fs.statSync(c.ref[0]).size, strands: c.rc ? "both" : "forward",
      variants: n, notScored: Number(/([\d,]+) could not be scored/.exec(status)?.[1]?.replace(/,/g, "") ?? 0), status, seconds: round(seconds, 2), variantsPerSecond: round(n / seconds, 1),
      rssBaselineMiB: round(baseline, 1), rssPeakMiB: round(peak, 1), rssGrowthMiB: round(peak - baseline, 1), jsHeapPeakMiB: round(heapPeak / 2 ** 20, 1),
      loadAverageBefore: load, met: n / seconds >= TARGET,
    });
    log(`${c.name}: ${round(n / seconds, 1)} variants/s, RSS ${round(baseline, 0)} -> ${round(peak, 0)} MiB`);
  }
  await page.screenshot({ path: path.join(opts.work, "genome-bench.png") }); // the view as it ends, one screen
} catch (e) {
  results.error = String(e?.stack ?? e);
  console.error(e);
} finally {
  await browser.close();
  server.close();
}
environment.loadAverageAtEnd = os.loadavg().map((v) => round(v, 2));
const growth = results.runs.map((r) => r.rssGrowthMiB);
// Flat in the reference's size: per compression, one VCF's growth over the largest reference
// against the first large one (the same reads; see the top).
const bySize = (compression) => results.runs.filter((r) => r.sameVcf && r.compression === compression && r.strands === "forward").sort((a, b) => a.bases - b.bases);
const pairs = ["none", "bgzf"].map(bySize).filter((rs) => rs.length > 1).map((rs) => ({
  compression: rs[0].compression, smaller: rs[0].reference, larger: rs.at(-1).reference, sizeRatio: round(rs.at(-1).bases / rs[0].bases, 1),
  growthMiB: [rs[0].rssGrowthMiB, rs.at(-1).rssGrowthMiB], extraMiB: round(rs.at(-1).rssGrowthMiB - rs[0].rssGrowthMiB, 1),
  extraBasesMiB: round((rs.at(-1).fileBytes - rs[0].fileBytes) / 2 ** 20, 1),
}));
results.memoryFlat = results.runs.length ? { growthMiB: growth, spreadMiB: round(Math.max(...growth) - Math.min(...growth), 1), pairs } : null;
fs.mkdirSync(path.dirname(opts.out), { recursive: true });
fs.writeFileSync(opts.out, JSON.stringify(results, null, 2) + "\n");
log(`wrote ${opts.out}`);
process.exit(results.error ? 1 : 0);
