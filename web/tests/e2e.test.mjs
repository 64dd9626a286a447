// End-to-end tests of the web app in Debian's headless Chromium, driven by playwright-core (no
// browser download). The expected numbers come from the native trainer (ONNX Runtime), run on
// the same models and sequences in this test run.
//
//   cd web/tests && npm ci && node --test e2e.test.mjs
// Needs web/pkg (scripts/build-web.sh), target/release/regula-train and ORT_DYLIB_PATH.
// Env: CHROMIUM (default /usr/bin/chromium), REGULA_TRAIN (default target/release/regula-train),
// REGULA_MODELS (shipped models to check besides the fixtures; default models/).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import zlib from "node:zlib";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./server.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, "../..");
const web = path.join(root, "web");
const artifacts = path.join(here, "artifacts");
// screenshots checked by eye and committed (the report page, a long-sequence scan)
// REGULA_SCREENSHOTS=update rewrites them; otherwise a run writes its own beside the other shots,
// so that testing never changes tracked files.
const screenshots = process.env.REGULA_SCREENSHOTS === "update" ? path.join(here, "screenshots") : path.join(os.tmpdir(), "regula-e2e-screenshots");
const TOL = 1e-5;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-web-"));

let browser, context, page, server, origin;
const requests = []; // every request of the main session
const native = {};
let seqA; // first example record
// a real regulatory element longer than every model's input: CAGI5 F9 (304 bp, hg19 chrX; the
// table's start_pos is the 0-based start, so base 1 is at start_pos + 1)
const cagi5 = fs.readFileSync(path.join(root, "tests/data/cagi5_reference_sequences.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
const [, F9, F9_START0] = cagi5.find((r) => r[0] === "F9");
const F9_START = Number(F9_START0) + 1;
const examplesFa = path.join(web, "examples/lentimpra_hepg2.fa");
const shippedDir = path.resolve(process.env.REGULA_MODELS ?? path.join(root, "models"));
const shipped = fs.existsSync(shippedDir)
  ? fs.readdirSync(shippedDir).filter((m) => fs.existsSync(path.join(shippedDir, m, "manifest.json"))) : [];

const isPaired = (m) => JSON.parse(fs.readFileSync(path.join(shippedDir, m, "manifest.json"), "utf8")).inputs.length > 1;
function nativeTsv(args) {
  const bin = process.env.REGULA_TRAIN ?? path.join(root, "target/release/regula-train");
  const out = execFileSync(bin, args, { encoding: "utf8", env: process.env });
  const [header, ...rows] = out.trim().split("\n").map((l) => l.split("\t"));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}
// numpy's default quantiles (linear between order statistics), as regula_core::manifest::quantile_table
function quantiles(values, n) {
  const v = values.slice().sort((a, b) => a - b);
  return Array.from({ length: n }, (_, i) => {
    const h = (v.length - 1) * i / (n - 1), lo = Math.floor(h), hi = Math.min(lo + 1, v.length - 1);
    return v[lo] + (h - lo) * (v[hi] - v[lo]);
  });
}
const close = (a, b, what) => assert.ok(Math.abs(a - b) <= TOL, `${what}: browser ${a} vs native ${b} (|diff| ${Math.abs(a - b)} > ${TOL})`);
const launch = () => chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
  // playwright gives every launch a fresh, temporary --user-data-dir of its own
});
async function shot(p, name) {
  await p.screenshot({ path: path.join(artifacts, `${name}.png`) });
}
async function waitStatus(p, text, timeout = 60000) {
  await p.waitForFunction((t) => document.getElementById("status").textContent.includes(t), text, { timeout }).catch(async (e) => {
    throw new Error(`waiting for status "${text}": ${e.message}; the status says "${await p.textContent("#status")}"; model error: "${await p.textContent("#model-error")}"`);
  });
}
async function openApp(p, url) {
  await p.goto(url);
  await p.waitForSelector("body[data-ready=true]", { timeout: 60000, state: "attached" });
  await waitStatus(p, "ready");
}
async function useModel(p, id, name = id) {
  if ((await p.inputValue("#model-select")) === id) return;
  await p.click("#tab-model");
  await p.selectOption("#model-select", id);
  await p.waitForFunction((n) => document.body.dataset.model === n, name, { timeout: 60000 });
}
async function paste(p, text) {
  await p.click("#tab-input");
  await p.fill("#sequence-input", text);
  // the page reads the box 200 ms after the last keystroke: wait until it shows this text's records
  const first = text.startsWith(">") ? text.slice(1).split(/\s/)[0] : "sequence";
  await p.waitForFunction((name) => !document.getElementById("input-error").hidden
    || document.querySelector("#records tbody tr td")?.textContent === name, first);
}
// The variant table's rows as {cls, <column key>: value (data-value, else the text)}.
async function variantRows(p) {
  return p.$$eval("#variant-table tbody tr", (trs) => trs.map((tr) => Object.fromEntries([["cls", tr.className],
    ...[...tr.cells].map((c) => [c.dataset.key, c.dataset.value ?? c.textContent])])));
}
// The prediction's values, read in the same step that sees them shown for the model now chosen:
// the box is drawn again ("Predicting…") when the boxes are read again after a model switch.
async function predictionValues(p) {
  return p.waitForFunction(() => {
    const box = document.getElementById("prediction");
    const v = [...box.querySelectorAll(".value")].map((e) => Number(e.dataset.value));
    return v.length && box.dataset.model === document.body.dataset.model ? v : null;
  }, null, { timeout: 30000 }).then((h) => h.jsonValue());
}

before(async () => {
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  fs.mkdirSync(screenshots, { recursive: true });
  // models: the wasm crate's fixture models (1 and 3 targets; two segments) as model folders
  const models = path.join(tmp, "models");
  for (const m of ["mpra1", "mpra3", "dual", "attn1"]) {
    fs.mkdirSync(path.join(models, m), { recursive: true });
    for (const f of fs.readdirSync(path.join(root, "infer/tests/fixtures")).filter((f) => f.startsWith(`${m}.`) && f.endsWith("json") === f.endsWith("manifest.json"))) {
      fs.copyFileSync(path.join(root, "infer/tests/fixtures", f), path.join(models, m, f === `${m}.manifest.json` ? "manifest.json" : f));
    }
  }
  // and every shipped model under models/
  for (const m of shipped) {
    fs.cpSync(path.join(shippedDir, m), path.join(models, m), { recursive: true, filter: (f) => !f.includes("checkpoint") });
  }

  const fa = fs.readFileSync(examplesFa, "utf8");
  seqA = fa.split("\n").slice(0, 2).join("\n") + "\n";
  fs.writeFileSync(path.join(tmp, "a.fa"), seqA);
  native.predict1 = nativeTsv(["predict", "--model", path.join(models, "mpra1"), "--input", examplesFa]);
  native.predict3 = nativeTsv(["predict", "--model", path.join(models, "mpra3"), "--input", path.join(tmp, "a.fa")]);
  native.ism1 = nativeTsv(["ism", "--model", path.join(models, "mpra1"), "--input", path.join(tmp, "a.fa")]);
  // the attention map of the cnn-attention fixture (rows per head and the mean over heads)
  native.attention = nativeTsv(["attention", "--model", path.join(models, "attn1"), "--input", path.join(tmp, "a.fa")]);
  // a two-segment model whose distal sequence (200 bp: real F9 bases around the fixture's 80 bp
  // distal) is cropped to its 80 bp window: native mutagenesis of both segments
  const dualExp = JSON.parse(fs.readFileSync(path.join(root, "infer/tests/fixtures/dual.expected.json"), "utf8"));
  native.longPair = { promoter: dualExp.pairs[0].promoter, distal: F9.slice(0, 60) + dualExp.pairs[0].distal + F9.slice(60, 120) };
  fs.writeFileSync(path.join(tmp, "lp.fa"), `>lp\n${native.longPair.promoter}\n`);
  fs.writeFileSync(path.join(tmp, "ld.fa"), `>ld\n${native.longPair.distal}\n`);
  native.longPair.ism = nativeTsv(["ism", "--model", path.join(models, "dual"), "--input", path.join(tmp, "lp.fa"), "--partner-input", path.join(tmp, "ld.fa")]);
  // issue 14 fixtures: mpra1 reading exact lengths only (a record of another length fails on its
  // own), and mpra1 with a unit and the quantile table of its predictions on the 12 examples
  const m1 = JSON.parse(fs.readFileSync(path.join(models, "mpra1", "manifest.json"), "utf8"));
  for (const [name, edit] of [["mpra1x", (m) => { m.inputs[0].default_length_policy = { policy: "exact" }; }],
    ["mpra1q", (m) => { m.targets[0].unit = "log2 RNA/DNA, test fixture"; m.targets[0].prediction_quantiles = { split: "test", rows: native.predict1.length, values: quantiles(native.predict1.map((r) => Number(r.task0)), 11) }; }]]) {
    fs.cpSync(path.join(models, "mpra1"), path.join(models, name), { recursive: true });
    const m = structuredClone(m1);
    m.name = name;
    edit(m);
    fs.writeFileSync(path.join(models, name, "manifest.json"), JSON.stringify(m, null, 2));
  }
  fs.writeFileSync(path.join(tmp, "f9.fa"), `>F9\n${F9}\n`);
  if (shipped.includes("hepg2-mpra")) {
    const hepg2 = path.join(models, "hepg2-mpra");
    native.f9 = {
      predict: nativeTsv(["predict", "--model", hepg2, "--input", path.join(tmp, "f9.fa")]),
      ism: nativeTsv(["ism", "--model", hepg2, "--input", path.join(tmp, "f9.fa")]),
      ismCrop: nativeTsv(["ism", "--model", hepg2, "--input", path.join(tmp, "f9.fa"), "--length-policy", "crop"]),
      manifestSha: crypto.createHash("sha256").update(fs.readFileSync(path.join(hepg2, "manifest.json"))).digest("hex"),
    };
  }
  execFileSync("node", [path.join(root, "scripts/web-index.mjs"), models, path.join(tmp, "web-models")], { stdio: "inherit" });
  execFileSync("node", [path.join(root, "scripts/build-single-file.mjs"), "--models-dir", path.join(tmp, "web-models"), "--model", "mpra1", "--out", path.join(artifacts, "regula-single.html")], { stdio: "inherit" });
  for (const m of shipped) {
    native[m] = {};
    if (isPaired(m)) {
      // the pair the two-segment test pastes: the example as promoter, its reverse as distal
      const seq = seqA.split("\n")[1];
      fs.writeFileSync(path.join(tmp, "p.fa"), `>p\n${seq}\n`);
      fs.writeFileSync(path.join(tmp, "d.fa"), `>d\n${seq.split("").reverse().join("")}\n`);
      native[m].predict = nativeTsv(["predict", "--model", path.join(models, m), "--input", path.join(tmp, "p.fa"), "--partner-input", path.join(tmp, "d.fa")]);
      continue;
    }
    try { native[m].predict = nativeTsv(["predict", "--model", path.join(models, m), "--input", path.join(tmp, "a.fa")]); } catch (e) { native[m].error = e.message; }
    try { native[m].ism = nativeTsv(["ism", "--model", path.join(models, m), "--input", path.join(tmp, "a.fa")]); } catch { /* length policy the CLI's ism does not take */ }
  }

  ({ server, url: origin } = await serve(web, 0, "127.0.0.1", { "/models/": path.join(tmp, "web-models") }));
  browser = await launch(path.join(tmp, "profile"));
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // every request of the session is recorded; one to another origin is blocked and fails the test below
  await context.route("**/*", (route) => {
    const url = route.request().url();
    requests.push(url);
    if (new URL(url).origin !== new URL(origin).origin) return route.abort();
    return route.continue();
  });
  context.on("request", (r) => requests.push(r.url()));
  page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await openApp(page, origin);
  await useModel(page, "mpra1");
});

after(async () => {
  await browser?.close();
  server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("page: privacy statement, CSP, no shipped-model gap, invalid input located inline", async () => {
  assert.match(await page.textContent("#privacy"), /never leave this machine/);
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
  assert.match(csp, /connect-src 'self'/);
  // the policy itself stops a request to another site (were it sent, the last test would fail)
  const attempt = await page.evaluate(() => fetch("https://example.org/leak?seq=ACGT").then(() => "sent", () => "blocked"));
  assert.equal(attempt, "blocked");
  const headers = (await page.request.get(new URL("worker.js", origin).href)).headers();
  assert.match(headers["content-security-policy"], /connect-src 'self'/, "workers get the policy as a header");
  assert.match(await page.textContent("#model-select"), /mpra1/);
  await paste(page, ">good\nACGTACGT\n>bad_one\nACGTNNAC\nACGXT\n");
  await page.waitForSelector("#input-error:not([hidden])");
  const err = await page.textContent("#input-error");
  assert.match(err, /bad_one/);
  assert.match(err, /'X'/);
  assert.match(err, /position/);
  await page.click("#input-error .show-error");
  const selected = await page.$eval("#sequence-input", (t) => t.value.slice(t.selectionStart, t.selectionEnd));
  assert.equal(selected, "X");
  await shot(page, "desktop-input-error");
  // drag and drop of a FASTA file
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File([">one\nACGTACGTAA\n>two\nGGGCCCAAAT\n"], "two.fa", { type: "text/plain" }));
    document.getElementById("drop-zone").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.waitForFunction(() => document.querySelectorAll("#records tbody tr").length === 2);
  assert.equal(await page.textContent("#records tbody tr:nth-child(2) td"), "two");
});

test("prediction of a real lentiMPRA sequence equals the native ORT prediction (1e-5)", async () => {
  await paste(page, seqA);
  const values = await predictionValues(page);
  close(values[0], Number(native.predict1[0].task0), "mpra1 prediction");
  // Chromium runs relaxed SIMD: the page compiled that build (wasm/js/simd.js) and says so
  assert.match(await page.textContent("#pool-info"), /Web Workers?, relaxed SIMD$/);
  await shot(page, "desktop-input");
  await page.click("#tab-model");
  assert.match(await page.textContent("#model-card"), /Input length/);
  assert.match(await page.textContent("#model-card"), /Licence/);
  await shot(page, "desktop-model");
});

test("many FASTA records: a table, all predicted in the worker pool, equal to native", async () => {
  await page.click("#tab-input");
  await page.selectOption("#example-select", "__all");
  await page.waitForSelector("#records:not([hidden])");
  await page.click("#predict-all");
  await waitStatus(page, "Predicted");
  const cells = await page.$$eval("#records tbody tr", (rows) => rows.map((r) => [r.cells[0].textContent, Number(r.cells[5].dataset.value)]));
  assert.equal(cells.length, native.predict1.length);
  cells.forEach(([name, v], i) => {
    assert.equal(name, native.predict1[i].id);
    close(v, Number(native.predict1[i].task0), `record ${name}`);
  });
  await shot(page, "desktop-records");
  await page.click("#records tbody tr:first-child");
});

test("once a model is ready, each worker is prepared for scans in the background, and nothing of it shows", async () => {
  // js/scan-view.js prepareScans: a short scan in each worker when the pool is idle; its result is dropped
  await page.waitForFunction(() => document.body.dataset.scansPrepared === "mpra1", null, { timeout: 30000 });
  assert.equal(await page.textContent("#scan-info"), "");
  assert.equal(await page.isHidden("#scan-progress"), true);
  assert.doesNotMatch(await page.textContent("#status"), /scan/i);
});

// mpra1's scan of seqA in the heatmap: cells at both ends and inside (read from the tooltip at
// zoom 4) equal native ISM. Returns the heatmap's box.
async function assertHeatmapCells(p, what) {
  await p.$eval("#zoom", (z) => { z.value = "4"; z.dispatchEvent(new Event("input")); });
  const box = await p.locator("#heatmap").boundingBox();
  const byKey = new Map(native.ism1.map((r) => [`${r.position}${r.alt}`, Number(r.effect)]));
  for (const [pos, alt] of [[1, "C"], [57, "T"], [115, "A"], [230, "G"]]) {
    const b = "ACGT".indexOf(alt);
    await p.mouse.move(box.x + 18 + (pos - 1) * 4 + 2, box.y + b * 16 + 8);
    await p.waitForSelector("#tooltip:not([hidden])");
    const tip = await p.$eval("#tooltip", (t) => ({ ...t.dataset, text: t.textContent }));
    assert.equal(Number(tip.position), pos);
    if (!byKey.has(`${pos}${alt}`)) continue; // reference base
    close(Number(tip.effect), byKey.get(`${pos}${alt}`), `${what} ${pos} ${alt}`);
    assert.match(tip.text, new RegExp(`position ${pos} .>${alt}: effect`));
  }
  return box;
}

test("full saturation-mutagenesis scan, shared by the workers: heatmap cells equal the native ISM values", async () => {
  await paste(page, seqA);
  await predictionValues(page);
  await page.click("#tab-results");
  await page.click("#scan-run");
  await waitStatus(page, "Scan finished");
  assert.equal(await page.isHidden("#scan-progress"), true);
  // one part per worker, merged by position (the cells below, at both ends and inside, are checked)
  const workers = await page.evaluate(() => Math.max(1, Math.min(8, navigator.hardwareConcurrency || 2)));
  if (workers > 1) assert.match(await page.textContent("#scan-info"), new RegExp(`positions in [0-9.]+ s on ${workers} workers`));
  const box = await assertHeatmapCells(page, "ISM");
  // keyboard: the heatmap is reachable and arrow keys move the selected cell
  await page.focus("#heatmap");
  await page.keyboard.press("ArrowRight");
  assert.match(await page.textContent("#tooltip"), /position 2/);
  await page.keyboard.press("ArrowDown");
  await page.click("#cell-to-variant");
  assert.match(await page.inputValue("#variant-input"), /^2 [ACGT]>C\n$/);
  await page.$eval("#zoom", (z) => { z.value = "8"; z.dispatchEvent(new Event("input")); });
  await page.mouse.move(box.x + 18 + 20 * 8 + 4, box.y + 8);
  await shot(page, "desktop-scan");
});

test("variants: scores equal native ISM; a REF mismatch is reported on its row; TSV export", async () => {
  await page.click("#tab-variants");
  const ref57 = seqA.split("\n")[1][56];
  const alt57 = ref57 === "T" ? "C" : "T";
  const wrong = "ACGT".replace(seqA.split("\n")[1][9], "")[0];
  await page.fill("#variant-input", `57 ${ref57}>${alt57}\n10 ${wrong}>${wrong === "A" ? "C" : "A"}\nchr1\t115\trs1\t${seqA.split("\n")[1][114]}\tA\t.\t.\t.\n`);
  await page.click("#variant-run");
  await page.waitForSelector("#variant-table:not([hidden])");
  const rows = await variantRows(page);
  assert.equal(rows.length, 3);
  const effect = (pos, alt) => Number(native.ism1.find((r) => r.position === String(pos) && r.alt === alt).effect);
  close(Number(rows[0].diff0), effect(57, alt57), "variant 57 difference");
  assert.equal(rows[1].cls, "variant-error");
  assert.equal(rows[1].status, "error");
  assert.match(rows[1].error, /REF .* does not match/);
  if (seqA.split("\n")[1][114] !== "A") close(Number(rows[2].diff0), effect(115, "A"), "VCF variant difference");
  // sortable
  await page.click('#variant-table thead th[data-key="diff0"] button');
  assert.equal(await page.getAttribute('#variant-table thead th[data-key="diff0"]', "aria-sort"), "ascending");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#variant-tsv")]);
  const tsv = fs.readFileSync(await download.path(), "utf8");
  const body = tsv.trim().split("\n").filter((l) => !l.startsWith("#"));
  // effect and status first (issue 14); the provenance in # lines above
  assert.match(body[0], /^effect \(a\.u\.\)\tstatus\tposition\tREF\tALT/);
  assert.equal(body.length, 4);
  assert.match(tsv, /^# model: mpra1\n# manifest_sha256: [0-9a-f]{64}\n# length_policy: /);
  await shot(page, "desktop-variants");
});

test("heatmap exports as PNG and SVG", async () => {
  await page.click("#tab-results");
  const [png] = await Promise.all([page.waitForEvent("download"), page.click("#export-png")]);
  const bytes = fs.readFileSync(await png.path());
  assert.equal(bytes.subarray(1, 4).toString(), "PNG");
  const [svg] = await Promise.all([page.waitForEvent("download"), page.click("#export-svg")]);
  assert.match(fs.readFileSync(await svg.path(), "utf8"), /^<svg[^>]*xmlns/);
});

test("motif hits (JASPAR) are shown on the sequence and filter by p-value", async () => {
  await page.click("#tab-motifs");
  await page.click("#motif-run");
  await waitStatus(page, "motif hit");
  const n4 = await page.locator("#motif-table tbody tr").count();
  assert.ok(n4 > 0, "some JASPAR hits at p < 1e-4");
  assert.ok(await page.locator(".motif-bar").count() > 0);
  assert.ok(await page.locator(".motif-seq mark").count() > 0);
  await shot(page, "desktop-motifs");
  await page.selectOption("#pvalue", "1e-5");
  await page.waitForFunction((n) => document.querySelectorAll("#motif-table tbody tr").length < n, n4);
  await page.check("#overlap-only");
  await waitStatus(page, "motif hit");
});

test("teaching: one-hot of the sequence, filter logos with JASPAR matches tested against shuffles, mutate a base", async () => {
  await page.click("#tab-teach");
  await page.waitForSelector(".filter figcaption", { timeout: 30000 });
  // every shown filter names its closest motif with a p-value against shuffles of its columns,
  // and a motif only as "matches" when p ≤ 0.05
  const captions = await page.$$eval(".filter figcaption", (els) => els.map((e) => e.textContent));
  assert.ok(captions.length > 0 && captions.length <= 16, `${captions.length} filters shown`);
  for (const c of captions) {
    const m = c.match(/(matches|no clear match \(closest:) .*p = ([0-9.]+)\)/);
    assert.ok(m, c);
    assert.equal(m[1] === "matches", Number(m[2]) <= 0.05, c);
  }
  assert.equal(await page.locator("#onehot td.hot").count(), 16);
  await page.fill("#mutate-pos", "57");
  const ref = seqA.split("\n")[1][56];
  const alt = ref === "G" ? "A" : "G";
  await page.click(`#mutate-bases button[data-base="${alt}"]`);
  await page.waitForSelector("#mutate-result .delta");
  const d = Number(await page.getAttribute("#mutate-result .delta", "data-delta"));
  close(d, Number(native.ism1.find((r) => r.position === "57" && r.alt === alt).effect), "mutate-a-base delta");
  await shot(page, "desktop-teach");
});

test("a three-target model: each target equals native", async () => {
  await useModel(page, "mpra3");
  await page.click("#tab-results");
  const values = await page.waitForFunction(() => {
    const v = [...document.querySelectorAll("#prediction .value")].map((e) => Number(e.dataset.value));
    return v.length === 3 ? v : null;
  }, null, { timeout: 30000 }).then((h) => h.jsonValue());
  ["task0", "task1", "task2"].forEach((t, i) => close(values[i], Number(native.predict3[0][t]), `mpra3 ${t}`));
  await shot(page, "desktop-results-3targets");
});

async function pastePair(p, promoterFa, distalFa, firstRow) {
  await p.click("#tab-input");
  await p.fill("#sequence-input", promoterFa);
  await p.fill("#distal-input", distalFa);
  // the page reads the boxes 200 ms after the last keystroke
  await p.waitForFunction((row) => document.querySelector("#records:not([hidden]) tbody tr td")?.textContent === row, firstRow);
}
async function nValues(p, n) {
  return p.waitForFunction((k) => {
    const v = [...document.querySelectorAll("#prediction .value")].map((e) => Number(e.dataset.value));
    return v.length === k ? v : null;
  }, n, { timeout: 60000 }).then((h) => h.jsonValue());
}

test("a two-segment (promoter + distal) model: two boxes, prediction, scan of both segments, a distal variant and motifs per segment equal native", async () => {
  // native numbers: the trainer's evaluation path (ONNX Runtime) on this fixture, written with it
  // (trainer/examples/make_dual_fixture.rs; regula-train predict takes one sequence per record)
  const exp = JSON.parse(fs.readFileSync(path.join(root, "infer/tests/fixtures/dual.expected.json"), "utf8"));
  await useModel(page, "dual");
  // its workers are prepared for scans too (each segment's trunk)
  await page.waitForFunction(() => document.body.dataset.scansPrepared === "dual", null, { timeout: 30000 });
  await page.click("#tab-input");
  assert.equal(await page.isVisible("#distal-input"), true, "a second box for the distal sequence");
  assert.match(await page.textContent('label[for="sequence-input"]'), /Promoter/);
  // records pair in order; a count mismatch says so
  await page.fill("#sequence-input", `>p1\n${exp.pairs[0].promoter}\n`);
  await page.fill("#distal-input", `>d1\n${exp.pairs[0].distal}\n>d2\n${exp.pairs[1].distal}\n`);
  await page.waitForFunction(() => /the promoter box has 1 record, the distal box 2\./.test(document.getElementById("input-error").textContent));
  assert.equal(await page.isHidden("#records"), true);
  const both = (k) => [`>p${k}\n${exp.pairs[k].promoter}\n`, `>d${k}\n${exp.pairs[k].distal}\n`];
  await pastePair(page, both(0)[0] + both(1)[0], both(0)[1] + both(1)[1], "p0 + d0");
  assert.equal(await page.textContent("#records tbody tr td:nth-child(2)"), "120 + 80");
  await page.click("#predict-all");
  await waitStatus(page, "Predicted 2 records");
  const cells = await page.$$eval("#records tbody tr", (rows) => rows.map((r) => [Number(r.cells[5].dataset.value), Number(r.cells[6].dataset.value)]));
  cells.forEach((v, i) => exp.targets.forEach((t, k) => close(v[k], exp.pairs[i].values[k], `pair ${i} ${t}`)));
  await page.click("#records tbody tr:first-child");
  await page.click("#tab-results");
  const values = await nValues(page, 2);
  exp.targets.forEach((t, k) => close(values[k], exp.pairs[0].values[k], `dual ${t}`));
  // the scan covers both segments; cells are labelled by segment and position
  await page.click("#scan-run");
  await waitStatus(page, "Scan finished");
  // each segment through its own trunk, the other segment fixed
  assert.match(await page.textContent("#scan-info"), /^fast \((windowed|incremental)\) mutagenesis/);
  assert.match(await page.textContent("#scan-info"), /promoter 120 bp \+ distal 80 bp/);
  await page.$eval("#zoom", (z) => { z.value = "4"; z.dispatchEvent(new Event("input")); });
  const box = await page.locator("#heatmap").boundingBox();
  const offset = { promoter: 0, distal: 120 };
  const picks = exp.mutations.filter((m) => m.position === 2 || m.position === 80);
  assert.ok(picks.some((m) => m.segment === "distal") && picks.some((m) => m.segment === "promoter"));
  for (const mu of picks) {
    const p = offset[mu.segment] + mu.position - 1;
    await page.mouse.move(box.x + 18 + p * 4 + 2, box.y + "ACGT".indexOf(mu.alternate) * 16 + 8);
    await page.waitForSelector("#tooltip:not([hidden])");
    const tip = await page.$eval("#tooltip", (t) => ({ ...t.dataset, text: t.textContent }));
    assert.equal(tip.segment, mu.segment);
    assert.equal(Number(tip.position), mu.position);
    assert.match(tip.text, new RegExp(`^${mu.segment} position ${mu.position} ${mu.reference}>${mu.alternate}: effect`));
    close(Number(tip.effect), mu.effects[0], `ISM ${mu.segment} ${mu.position} ${mu.alternate}`);
  }
  await shot(page, "desktop-dual-scan");
  // a variant in the distal sequence
  const mu = exp.mutations.find((m) => m.segment === "distal" && m.position === 2);
  await page.click("#tab-variants");
  assert.equal(await page.isVisible("#variant-segment"), true);
  await page.selectOption("#variant-segment", "distal");
  assert.equal(await page.isHidden("#variant-table"), true, "the previous model's variant scores are cleared");
  await page.fill("#variant-input", `2 ${mu.reference}>${mu.alternate}\n`);
  await page.click("#variant-run");
  await waitStatus(page, "1 variant scored");
  const [row] = await variantRows(page);
  close(Number(row.diff0), mu.effects[0], "distal variant difference");
  // motifs: one map per segment
  await page.click("#tab-motifs");
  await page.selectOption("#pvalue", "1e-3");
  await page.click("#motif-run");
  await waitStatus(page, "motif hit");
  assert.deepEqual(await page.$$eval("#motif-map .segment-title", (h) => h.map((x) => x.textContent)), ["Promoter (120 bp)", "Distal (80 bp)"]);
  await shot(page, "desktop-dual-motifs");
  // shipped two-segment models: a pair predicts as regula-train predict --partner-input does
  const seq = seqA.split("\n")[1];
  for (const m of shipped.filter(isPaired)) {
    const manifest = JSON.parse(fs.readFileSync(path.join(shippedDir, m, "manifest.json"), "utf8"));
    await useModel(page, m, manifest.name ?? m);
    await pastePair(page, `>p\n${seq}\n`, `>d\n${seq.split("").reverse().join("")}\n`, "p + d");
    await page.click("#tab-results");
    const v = await nValues(page, manifest.targets.length);
    manifest.targets.forEach((t, i) => close(v[i], Number(native[m].predict[0][t.name]), `${m} ${t.name}`));
    await shot(page, `desktop-shipped-${m}`);
  }
  await useModel(page, "mpra3"); // the model of the tests that follow
  await page.click("#tab-input");
  assert.equal(await page.isVisible("#distal-input"), false, "one box again for a one-input model");
});

test("a long sequence: the page stays responsive during a scan, which can be cancelled; a tiled scan finishes", async () => {
  const genome = fs.readFileSync(path.join(root, "tests/data/hg19_chr22_20095001_20115000.fa"), "utf8").split("\n").slice(1).join("");
  await paste(page, `>chr22_20kb\n${genome}\n`);
  await predictionValues(page);
  await page.click("#tab-results");
  await page.click("#scan-run");
  await page.waitForFunction(() => document.querySelector("#scan-progress progress").value > 0, null, { timeout: 30000 });
  // the main thread answers at once while the scan runs in a worker
  // (median of 7 probes, so that a busy shared machine does not make it flaky)
  const lags = [];
  for (let i = 0; i < 7; i++) {
    lags.push(await page.evaluate(() => new Promise((r) => { const t = performance.now(); setTimeout(() => r(performance.now() - t), 0); })));
  }
  lags.sort((a, b) => a - b);
  assert.ok(lags[3] < 100, `main thread blocked during the scan: ${lags.map((x) => x.toFixed(0)).join(", ")} ms`);
  assert.ok(await page.$eval("#scan-progress progress", (p) => p.value < p.max), "the scan was still running while probed");
  const total = await page.$eval("#scan-progress progress", (p) => p.max);
  assert.ok(total >= genome.length, `progress counts ${total} steps for ${genome.length} bp`);
  await shot(page, "desktop-scan-progress");
  await page.click("#scan-progress .cancel");
  await waitStatus(page, "Scan cancelled");
  assert.equal(await page.isHidden("#scan-progress"), true);
  // 1,500 bp, tiled over mpra3's 230 bp windows
  await paste(page, `>chr22_1500\n${genome.slice(0, 1500)}\n`);
  await predictionValues(page);
  await page.click("#tab-results");
  await page.click("#scan-run");
  await waitStatus(page, "Scan finished");
  assert.match(await page.textContent("#scan-info"), /Read in \d+ windows .*each effect is the mean over the windows that contain the base/);
  await shot(page, "desktop-scan-tiled");
  await page.locator("#view-results").screenshot({ path: path.join(screenshots, "long-sequence-scan.png") });
});

test("shipped models (models/*): prediction and ISM equal native", { skip: shipped.length ? false : "no shipped model in models/ yet" }, async () => {
  for (const m of shipped) {
    const manifest = JSON.parse(fs.readFileSync(path.join(shippedDir, m, "manifest.json"), "utf8"));
    if (manifest.inputs.length > 1) continue; // two-segment models: in the test of their own below
    assert.ok(native[m].predict, `the native trainer could not predict the example with ${m}: ${native[m].error}`);
    // the menu names the number to choose a model by: its test metric (else validation), from its manifest
    const split = manifest.metrics?.test ? "test" : "validation";
    const overall = manifest.metrics?.[split]?.per_target?.overall;
    if (overall && Object.keys(manifest.metrics[split].per_target).length === 2) {
      const [name, label] = "pearson" in overall ? ["pearson", "Pearson"] : ["auroc", "AUROC"];
      const option = await page.$eval(`#model-select option[value="${m}"]`, (o) => o.textContent);
      assert.ok(option.endsWith(` · ${split} ${label} ${overall[name].toFixed(3)}`), `${m}'s menu entry: ${option}`);
    }
    await useModel(page, m, manifest.name ?? m);
    await paste(page, seqA);
    await page.click("#tab-results");
    const targets = manifest.targets.map((t) => t.name);
    const values = await page.waitForFunction((n) => {
      const v = [...document.querySelectorAll("#prediction .value")].map((e) => Number(e.dataset.value));
      return v.length === n ? v : null;
    }, targets.length, { timeout: 60000 }).then((h) => h.jsonValue()).catch(async (e) => {
      await shot(page, `failed-shipped-${m}`);
      throw new Error(`${e.message}; status: ${await page.textContent("#status")}; prediction: ${await page.textContent("#prediction")}`);
    });
    targets.forEach((t, i) => close(values[i], Number(native[m].predict[0][t]), `${m} ${t}`));
    // the previous model's scan (method, time, reference prediction) is not shown under this one
    assert.equal(await page.textContent("#scan-info"), "", `${m}: a scan's summary outlived its model`);
    await shot(page, `desktop-shipped-${m}`);
    if (!native[m].ism || manifest.inputs[0].length !== 230) continue; // then seqA is its own window
    await page.click("#scan-run");
    await waitStatus(page, "Scan finished", 120000);
    const row = native[m].ism.find((r) => r.target === targets[0] && r.position === "57");
    await page.$eval("#zoom", (z) => { z.value = "4"; z.dispatchEvent(new Event("input")); });
    const box = await page.locator("#heatmap").boundingBox();
    await page.mouse.move(box.x + 18 + 56 * 4 + 2, box.y + "ACGT".indexOf(row.alt) * 16 + 8);
    await page.waitForSelector("#tooltip:not([hidden])");
    close(Number(await page.getAttribute("#tooltip", "data-effect")), Number(row.effect), `${m} ISM 57 ${row.alt}`);
    await shot(page, `desktop-shipped-${m}-scan`);
    // a sequence longer than the model: the model's own policy may refuse it; "tile" fits it
    await paste(page, `>long\n${seqA.split("\n")[1].repeat(3)}\n`);
    await page.click("#tab-results");
    await page.selectOption("#policy-select", "tile");
    await page.waitForFunction(() => document.querySelectorAll("#prediction .value").length > 0, null, { timeout: 60000 });
    assert.match(await page.textContent("#prediction"), /mean over \d+ windows/);
    await page.selectOption("#policy-select", "");
  }
  await useModel(page, "mpra1");
});

test("load your own model from disk (ONNX + manifest): model card with metrics, prediction equals native", async () => {
  const dir = path.join(tmp, "own");
  fs.mkdirSync(dir, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "infer/tests/fixtures/mpra3.manifest.json"), "utf8"));
  manifest.name = "my-model";
  // task1 measured on 37 of the 51 rows (a masked target); a class section of the same split
  manifest.metrics = {
    test: { rows: 51, target_rows: { task0: 51, task1: 37 }, per_target: { task0: { pearson: 0.5123, spearman: 0.48 }, task1: { pearson: 0.4 } } },
    "test: promoters (ENSG*)": { rows: 12, per_target: { task0: { pearson: 0.61 } } },
  };
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
  for (const f of ["mpra3.onnx", "mpra3.attribution.onnx"]) fs.copyFileSync(path.join(root, "infer/tests/fixtures", f), path.join(dir, f));
  await page.click("#tab-model");
  await page.setInputFiles("#own-model", ["manifest.json", "mpra3.onnx", "mpra3.attribution.onnx"].map((f) => path.join(dir, f)));
  await page.waitForFunction(() => document.body.dataset.model === "my-model (your file)", null, { timeout: 60000 });
  const card = await page.textContent("#model-card");
  assert.match(card, /my-model/);
  assert.match(card, /pearson/);
  assert.match(card, /0\.5123/);
  const cells = await page.$$eval("#model-card table.metrics tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText.replace(/\s+/g, " ").trim())));
  assert.deepEqual(cells.map((r) => r.slice(0, 4)), [
    ["test", "51", "task0", "0.5123"], ["test", "37", "task1", "0.4000"], ["test promoters (ENSG*)", "12", "task0", "0.6100"],
  ]);
  await shot(page, "desktop-model-own");
  await paste(page, seqA);
  const values = await page.waitForFunction(() => {
    const v = [...document.querySelectorAll("#prediction .value")].map((e) => Number(e.dataset.value));
    return v.length === 3 ? v : null;
  }, null, { timeout: 30000 }).then((h) => h.jsonValue());
  ["task0", "task1", "task2"].forEach((t, i) => close(values[i], Number(native.predict3[0][t]), `own model ${t}`));
  // a broken manifest is reported, not a blank page
  fs.writeFileSync(path.join(dir, "bad.json"), "{ not json");
  await page.click("#tab-model");
  await page.setInputFiles("#own-model", [path.join(dir, "bad.json"), path.join(dir, "mpra3.onnx")]);
  await page.waitForSelector("#model-error:not([hidden])");
  assert.match(await page.textContent("#model-error"), /not JSON/);
  await useModel(page, "mpra1");
});

// ---------- issue 14: predictions a person can trust and read ----------

// Hovers heatmap cell (1-based position in the frame the tracks show, alt) at zoom 2 (304 bp fit
// the width) and returns the tooltip.
async function hoverCell(p, framePos, alt) {
  await p.$eval("#zoom", (z) => { z.value = "2"; z.dispatchEvent(new Event("input")); });
  // the mouse reaches only what the viewport shows
  await p.locator("#heatmap").scrollIntoViewIfNeeded();
  const box = await p.locator("#heatmap").boundingBox();
  await p.mouse.move(box.x + 18 + (framePos - 1) * 2 + 1, box.y + "ACGT".indexOf(alt) * 16 + 8);
  await p.waitForSelector("#tooltip:not([hidden])");
  return p.$eval("#tooltip", (t) => ({ ...t.dataset, text: t.textContent }));
}
const nativeCell = (rows, pos, alt) => rows.find((r) => r.position === String(pos) && r.alt === alt);
const skipF9 = shipped.includes("hepg2-mpra") ? false : "the shipped hepg2-mpra model is not in models/";

test("issue 14: CAGI5 F9 (304 bp) predicts on first use with hepg2-mpra's flanked tiles; scan, VCF variants at genomic coordinates and exports with provenance equal native", { skip: skipF9 }, async () => {
  await useModel(page, "hepg2-mpra");
  // the policy menu states the manifest default and offers flanked tiles (the model has flanks)
  const options = await page.$$eval("#policy-select option", (os) => os.map((o) => [o.value, o.textContent]));
  assert.match(options[0][1], /^model's default: flanked tiles \(200 bp tiles 50 bp apart/);
  assert.ok(options.some(([v]) => v === "flanked_tiles"), "flanked tiles offered");
  await paste(page, `>F9\n${F9}\n`);
  // the element's place in hg19, entered once
  await page.fill("#coord-chrom", "X");
  await page.fill("#coord-start", String(F9_START));
  await page.dispatchEvent("#coord-start", "change");
  await page.click("#tab-results");
  const [v] = await predictionValues(page);
  close(v, Number(native.f9.predict[0].mean_value), "F9 prediction (flanked tiles)");
  assert.equal(native.f9.predict[0].fitting, "4 tiles, stride 50, mean");
  assert.match(await page.textContent("#prediction"), /log2 RNA\/DNA, lentiMPRA HepG2/);
  assert.match(await page.textContent("#prediction"), /mean over 4 windows/);
  assert.doesNotMatch(await page.getAttribute("#status", "class"), /bad/);
  // the scan: every base is read by some tile; cells equal native ISM (the same windowed mean)
  await page.click("#scan-run");
  await waitStatus(page, "Scan finished", 180000);
  assert.equal(await page.isHidden("#legend-unseen-item"), true, "no unseen bases under flanked tiles");
  for (const [pos, alt] of [[1, "C"], [150, "A"], [152, "T"], [304, "G"]]) {
    const tip = await hoverCell(page, pos, alt);
    const row = nativeCell(native.f9.ism, pos, alt);
    if (!row) continue; // the reference base
    close(Number(tip.effect), Number(row.effect), `F9 ISM ${pos} ${alt}`);
    assert.match(tip.text, new RegExp(`position ${pos} \\(X:${(F9_START + pos - 1).toLocaleString("en")}\\) .>${alt}: effect .* log2 RNA/DNA, lentiMPRA HepG2`));
  }
  // CAGI5's measured F9 variants, as VCF lines at hg19 positions: the effect is the ISM cell
  const measured = fs.readFileSync(path.join(root, "tests/data/cagi5_F9_train.tsv"), "utf8").trim().split("\n").slice(1).map((l) => l.split("\t"))
    .filter((_, i) => i % 60 === 2); // four of its 236 substitutions, spread along the element
  assert.equal(measured.length, 4);
  await page.click("#tab-variants");
  await page.fill("#variant-input", measured.map((r) => `X\t${r[2]}\t.\t${r[3]}\t${r[4]}`).join("\n") + "\n");
  await page.click("#variant-run");
  await waitStatus(page, "scored");
  const rows = await variantRows(page);
  assert.equal(rows.length, measured.length);
  measured.forEach((r) => {
    const pos = Number(r[2]) - F9_START + 1;
    const row = rows.find((x) => x.position === String(pos) && x.alternate === r[4]); // (the table may be sorted)
    assert.ok(row, `a row for ${r[2]} ${r[3]}>${r[4]} at position ${pos}`);
    assert.equal(row.status, "scored");
    assert.equal(row.genomic, `X:${Number(r[2]).toLocaleString("en")}`);
    close(Number(row.diff0), Number(nativeCell(native.f9.ism, pos, r[4]).effect), `F9 variant ${r[2]} ${r[3]}>${r[4]}`);
    assert.ok(Number(row.windows) >= 1);
  });
  // no log2 fold change column: the target is already a log ratio, said in the header's tooltip
  const heads = await page.$$eval("#variant-table thead th", (ths) => ths.map((t) => [t.dataset.key, t.title]));
  assert.deepEqual(heads.slice(0, 2).map((h) => h[0]), ["diff0", "status"]);
  assert.ok(!heads.some(([k]) => /lfc/.test(k)), "no log2 fold change column");
  assert.match(heads[0][1], /already on a log scale/);
  // exports carry the model, its manifest's SHA-256, the policy, the app version, the date and the coordinates
  const [tsvDl] = await Promise.all([page.waitForEvent("download"), page.click("#variant-tsv")]);
  const tsv = fs.readFileSync(await tsvDl.path(), "utf8");
  assert.match(tsv, new RegExp(`^# model: hepg2-mpra\\n# manifest_sha256: ${native.f9.manifestSha}\\n# length_policy: flanked tiles .*\\(the model's default\\)\\n# strands: predictions, scans and variant effects: the mean of both strands \\(the manifest's strands\\); gradient × input: the forward strand\\n# app: Regula \\d+\\.\\d+\\.\\d+\\n# date: 20\\d\\d-`));
  assert.match(tsv, /# coordinates: X:138612621 = position 1/);
  const [csvDl] = await Promise.all([page.waitForEvent("download"), page.click("#variant-csv")]);
  assert.match(fs.readFileSync(await csvDl.path(), "utf8"), new RegExp(`# manifest_sha256: ${native.f9.manifestSha}`));
  await page.click("#tab-results");
  const [ismDl] = await Promise.all([page.waitForEvent("download"), page.click("#export-ism-tsv")]);
  const ism = fs.readFileSync(await ismDl.path(), "utf8").split("\n");
  assert.ok(ism.some((l) => l === `# manifest_sha256: ${native.f9.manifestSha}`));
  assert.equal(ism.find((l) => !l.startsWith("#")), "position\tgenomic_position\tref\talt\ttarget\tunit\teffect\tstatus");
  const [svgDl] = await Promise.all([page.waitForEvent("download"), page.click("#export-svg")]);
  const svg = fs.readFileSync(await svgDl.path(), "utf8");
  assert.match(svg, new RegExp(`<metadata><regula [^>]*><model>hepg2-mpra</model><manifest_sha256>${native.f9.manifestSha}</manifest_sha256><length_policy>flanked tiles`));
  const [pngDl] = await Promise.all([page.waitForEvent("download"), page.click("#export-png")]);
  const png = fs.readFileSync(await pngDl.path());
  const pngHeight = png.readUInt32BE(20);
  const drawn = await page.evaluate(() => ["logo", "heatmap", "ruler"].reduce((a, id) => a + document.getElementById(id).height, 0));
  assert.ok(pngHeight > drawn + 10, `the PNG has a provenance strip under the tracks (${pngHeight} px vs ${drawn} px)`);
  await shot(page, "issue14-f9-scan");
});

test("issue 14: bases outside a cropped window are never 0 — hatched cells, 'outside the model's view' rows, teach mutations refused; the bases it reads equal native", { skip: skipF9 }, async () => {
  await page.click("#tab-results");
  await page.selectOption("#policy-select", "crop");
  await page.waitForFunction(() => /cropped/.test(document.getElementById("prediction").textContent), null, { timeout: 60000 });
  await page.click("#scan-run");
  await waitStatus(page, "Scan finished", 180000);
  assert.match(await page.textContent("#scan-info"), /74 bases of the sequence are outside the model's view \(hatched\)/);
  assert.equal(await page.isVisible("#legend-unseen-item"), true, "the legend explains the hatching");
  assert.match(await page.getAttribute("#legend-unseen-item", "title"), /not an effect of 0/);
  // position 5 is outside the 230 bp the model reads (38-267): no effect, said so
  const tip5 = await hoverCell(page, 5, "A");
  assert.equal(tip5.unseen, "true");
  assert.equal(tip5.effect, "NaN");
  assert.match(tip5.text, /position 5 \(X:138,612,625\) .>A: not read by the model/);
  // the hatched cells are drawn as hatching, not as the colour of 0 (white) or of the reference (grey)
  const px = await page.evaluate(() => {
    const c = document.getElementById("heatmap");
    const d = c.getContext("2d").getImageData(18, 0, 2 * 16, 15).data; // positions 1-16 (zoom 2), row A
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4) colours.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
    return [...colours];
  });
  assert.ok(px.length >= 2 && !px.includes("247,247,247"), `hatching (two or more greys, not the white of 0): ${px.join(" ")}`);
  const tip150 = await hoverCell(page, 150, "A");
  close(Number(tip150.effect), Number(nativeCell(native.f9.ismCrop, 150, "A").effect), "F9 crop ISM 150 A");
  await page.locator("#view-results").screenshot({ path: path.join(screenshots, "cropped-scan-unseen-bases.png") });
  // variants: one outside the view is marked so, never 0.0000
  await page.click("#tab-variants");
  await page.fill("#variant-input", `5 ${F9[4]}>A\n150 ${F9[149]}>A\n`);
  await page.click("#variant-run");
  await waitStatus(page, "outside the model's view");
  const vrows = await variantRows(page);
  const out = vrows.find((r) => r.position === "5"), inside = vrows.find((r) => r.position === "150");
  assert.equal(out.status, "outside the model's view");
  assert.equal(out.diff0, "—");
  assert.match(out.cls, /variant-unseen/);
  assert.match(out.error, /position 5 is outside the model's view/);
  assert.equal(inside.status, "scored");
  close(Number(inside.diff0), Number(nativeCell(native.f9.ismCrop, 150, "A").effect), "F9 crop variant 150");
  // teach: mutating an unseen base is refused with the reason; a seen one gives the native effect
  await page.click("#tab-teach");
  await page.fill("#mutate-pos", "5");
  await page.click('#mutate-bases button[data-base="A"]');
  await page.waitForSelector("#mutate-result .refused");
  assert.match(await page.textContent("#mutate-result"), /Position 5 is outside the model's view: the model does not read this base .* not an effect of 0/);
  assert.equal(await page.locator("#mutate-result .delta").count(), 0, "no number for a base the model does not read");
  await page.fill("#mutate-pos", "150");
  await page.click('#mutate-bases button[data-base="A"]');
  await page.waitForSelector("#mutate-result .delta");
  close(Number(await page.getAttribute("#mutate-result .delta", "data-delta")), Number(nativeCell(native.f9.ismCrop, 150, "A").effect), "teach delta 150 A (crop)");
  await page.click("#tab-results");
  await page.selectOption("#policy-select", "");
});

test("issue 14: printable one-page report (sequence, model and metrics, prediction with percentile, heatmap with legend, variants, motifs, provenance)", { skip: skipF9 }, async () => {
  await page.click("#tab-results");
  await page.selectOption("#policy-select", "crop"); // the scan of the last test, with its hatched bases
  await page.waitForFunction(() => /cropped/.test(document.getElementById("prediction").textContent), null, { timeout: 60000 });
  await page.click("#scan-run");
  await waitStatus(page, "Scan finished", 180000);
  await page.click("#tab-motifs");
  await page.click("#motif-run");
  await waitStatus(page, "motif hit");
  await page.click("#tab-results");
  await page.click("#report-open");
  await page.waitForSelector("#report:not([hidden]) .report-heatmap");
  const text = await page.textContent("#report-body");
  for (const re of [/Regula report: F9/, /304 bp at X:138,612,621–138,612,924/, /manifest SHA-256/, new RegExp(native.f9.manifestSha), /validation/, /pearson/,
    /mean_value: -?\d\.\d+ log2 RNA\/DNA, lentiMPRA HepG2/, /not read by the model \(74 bases outside its view/, /Strongest substitutions/, /Variants/, /outside the model's view/, /Motifs \(JASPAR 2024\)/, /Regula \d+\.\d+\.\d+/]) {
    assert.match(text, re);
  }
  assert.ok(await page.locator(".report-table").count() >= 3);
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.isHidden("header.top"), true, "print shows the report only");
  await page.screenshot({ path: path.join(screenshots, "report-print.png"), fullPage: true });
  const pdf = await page.pdf({ format: "A4" });
  assert.equal(pdf.subarray(0, 4).toString(), "%PDF");
  fs.writeFileSync(path.join(artifacts, "report.pdf"), pdf);
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.equal(pages, 1, `the report prints on one A4 page (${pages})`);
  await page.emulateMedia({ media: "screen" });
  await page.click("#report-close");
  assert.equal(await page.isVisible("header.top"), true);
  await page.selectOption("#policy-select", "");
  await page.click("#tab-input");
  await page.fill("#coord-chrom", "");
  await page.fill("#coord-start", "");
  await page.dispatchEvent("#coord-start", "change");
});

test("issue 14: every record predicted on its own; the status line follows the current state; empty, binary and large files", async () => {
  await useModel(page, "mpra1x"); // reads exactly 230 bp: the 304 bp F9 cannot be predicted
  await paste(page, `${seqA}>F9\n${F9}\n`);
  await page.click("#predict-all");
  await waitStatus(page, "Predicted 1 of 2 records");
  assert.match(await page.getAttribute("#status", "class"), /warn/);
  const rows = await page.$$eval("#records tbody tr", (trs) => trs.map((tr) => [tr.className, tr.cells[5].dataset.value ?? tr.cells[5].textContent]));
  close(Number(rows[0][1]), Number(native.predict1[0].task0), "record 1 predicted despite record 2");
  assert.match(rows[1][0], /record-failed/);
  assert.match(rows[1][1], /^not predicted: .*F9.*304 bp .* exactly 230 bp/);
  // the predictions' export: each record's value or reason, under the provenance lines
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#records-tsv")]);
  const exported = fs.readFileSync(await dl.path(), "utf8").trim().split("\n");
  assert.match(exported[0], /^# model: mpra1x$/);
  assert.ok(exported.some((l) => /^# length_policy: exact length only \(the model's default\)$/.test(l)));
  const table = exported.filter((l) => !l.startsWith("#")).map((l) => l.split("\t"));
  assert.deepEqual(table[0], ["record", "length", "task0 (a.u.)", "fitting", "status"]);
  close(Number(table[1][2]), Number(native.predict1[0].task0), "exported prediction");
  assert.match(table[2].at(-1), /^not predicted: .*exactly 230 bp/);
  // selecting F9: its error on the status line; a policy that fits it clears it
  await page.click("#records tbody tr:nth-child(2)");
  await waitStatus(page, "Prediction failed for F9");
  assert.match(await page.getAttribute("#status", "class"), /bad/);
  await page.click("#tab-results");
  await page.selectOption("#policy-select", "tile");
  await page.waitForFunction(() => /mean over \d+ windows/.test(document.getElementById("prediction").textContent), null, { timeout: 60000 });
  await waitStatus(page, "Predicted F9");
  assert.doesNotMatch(await page.getAttribute("#status", "class"), /bad/);
  await page.selectOption("#policy-select", "");
  // files: an empty one and a binary one are reported, and the box keeps its sequence
  await page.click("#tab-input");
  const before = await page.inputValue("#sequence-input");
  const drop = (name, parts) => page.evaluate(([n, ps]) => {
    const dt = new DataTransfer();
    dt.items.add(new File(ps.map((x) => (Array.isArray(x) ? new Uint8Array(x) : x)), n, { type: "text/plain" }));
    document.getElementById("drop-zone").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [name, parts]);
  await drop("empty.fa", []);
  await page.waitForFunction(() => /empty\.fa is empty/.test(document.getElementById("input-error").textContent));
  assert.match(await page.textContent("#input-error"), /the sequence box keeps what it had/);
  assert.equal(await page.inputValue("#sequence-input"), before);
  await drop("image.fa", [[0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 0xff, 0xfe, 0, 1, 2, 3]]);
  await page.waitForFunction(() => /image\.fa is not a text file/.test(document.getElementById("input-error").textContent));
  assert.equal(await page.inputValue("#sequence-input"), before);
  assert.equal(await page.locator("#records tbody tr").count(), 2, "the records are kept");
  // a 5.5 MB FASTA: read and checked in a worker with progress, not copied into the box
  const big = Array.from({ length: 24000 }, (_, i) => `>r${i + 1}\n${seqA.split("\n")[1]}\n`).join("");
  assert.ok(big.length > 5e6);
  await page.evaluate(() => {
    window.__progressSeen = false;
    new MutationObserver(() => { if (!document.getElementById("input-progress").hidden) window.__progressSeen = true; })
      .observe(document.getElementById("input-progress"), { attributes: true });
  });
  await drop("big.fa", [big]);
  await waitStatus(page, "Read 24000 records from big.fa", 60000);
  assert.equal(await page.evaluate(() => window.__progressSeen), true, "progress was shown");
  assert.equal(await page.inputValue("#sequence-input"), "");
  assert.match(await page.textContent("#file-note"), /24000 records from big\.fa .* checked in a worker/);
  assert.match(await page.textContent("#records tbody tr:last-child"), /and 23500 more records/);
  // a bad letter deep in a large file is located in the whole file (record, line)
  const bad = big.replace(/(>r20000\n[ACGT]{9})[ACGT]/, "$1X");
  await drop("bad.fa", [bad]);
  await page.waitForFunction(() => /bad\.fa: not a valid sequence/.test(document.getElementById("input-error").textContent), null, { timeout: 60000 });
  assert.match(await page.textContent("#input-error"), /record 20000 'r20000' \(line 39999\): position 10: .*'X'/);
  assert.equal(await page.locator("#records tbody tr").count(), 501, "the large file's records are kept");
  // the same text pasted into the box: checked in a worker too, a bad letter selected in the box
  // (set as a paste sets it: Playwright's fill types 5 MB far more slowly than a paste)
  const pasteText = (t) => page.evaluate((x) => { const b = document.getElementById("sequence-input"); b.value = x; b.dispatchEvent(new Event("input")); }, t);
  await pasteText(bad);
  await page.waitForFunction(() => /record 20000 'r20000'/.test(document.getElementById("input-error").textContent), null, { timeout: 60000 });
  await page.click("#input-error .show-error");
  assert.equal(await page.$eval("#sequence-input", (t) => t.value.slice(t.selectionStart, t.selectionEnd)), "X");
  await pasteText(big);
  await waitStatus(page, "Read 24000 records (5.7 MB, checked in a worker)", 60000);
  await paste(page, seqA);
  await useModel(page, "mpra1");
});

test("issue 14: a scan over 20 kb asks first; Cancel stops a long job within 1 s (replacing a worker stuck in a long chunk), and the pool predicts afterwards", async () => {
  await useModel(page, "mpra3"); // tiles long sequences
  const genome = fs.readFileSync(path.join(root, "tests/data/hg19_chr22_20095001_20115000.fa"), "utf8").split("\n").slice(1).join("");
  await paste(page, `>chr22_25kb\n${genome}${genome.slice(0, 5000)}\n`);
  await predictionValues(page);
  await page.click("#tab-results");
  let asked = "";
  page.once("dialog", (d) => { asked = d.message(); d.dismiss(); });
  await page.click("#scan-run");
  await waitStatus(page, "Scan not started");
  assert.match(asked, /25,000 positions/);
  assert.equal(await page.isHidden("#scan-progress"), true);
  // Predict all of 8 × 20 kb records with hepg2-mpra (400 flanked tiles each): each worker gets 2
  // records in one chunk, seconds of work in one wasm call, so the worker is replaced
  if (shipped.includes("hepg2-mpra")) {
    await useModel(page, "hepg2-mpra");
    await page.click("#tab-input");
    // 8 records: enough work that the job is still running when Cancel is clicked, also with a
    // warm pool on a quiet machine (4 once finished first in a full run)
    await page.fill("#sequence-input", Array.from({ length: 8 }, (_, i) => `>long${i}\n${genome}\n`).join(""));
    await page.waitForFunction(() => document.querySelectorAll("#records tbody tr").length === 8);
    await page.click("#predict-all");
    await page.waitForSelector("#predict-progress:not([hidden])");
    await page.waitForTimeout(300);
    assert.equal(await page.isVisible("#predict-progress"), true, "still predicting");
    // timed in the page: from the click's event to the status line saying so
    await page.evaluate(() => {
      window.__cancel = {};
      document.querySelector("#predict-progress .cancel").addEventListener("click", () => { window.__cancel.clicked = performance.now(); }, { capture: true, once: true });
      new MutationObserver(() => { if (/Prediction cancelled/.test(document.getElementById("status").textContent)) window.__cancel.done ??= performance.now(); })
        .observe(document.getElementById("status"), { childList: true, characterData: true, subtree: true });
    });
    await page.click("#predict-progress .cancel");
    await waitStatus(page, "Prediction cancelled", 10000);
    const { clicked, done } = await page.evaluate(() => window.__cancel);
    assert.ok(done - clicked < 1000, `cancel took ${(done - clicked).toFixed(0)} ms`);
    // the pool still works: a prediction after the cancel equals native
    await paste(page, seqA);
    await page.click("#tab-results");
    const values = await predictionValues(page);
    close(values[0], Number(native["hepg2-mpra"].predict[0].mean_value), "prediction after a cancel");
    // Two long requests on one worker, the second queued behind the first, both cancelled: the
    // worker that replaces the stuck one must not run the second (its cancel went to the old one).
    // Each is 16 records (6,400 tiles, 4 s here) in one wasm call, far over the 0.3 + 0.7 s after
    // which the stuck worker is replaced, also on a faster machine (2 records, 0.5 s since the
    // wasm GEMM's 4x8 tile, finished first). The replaced worker's work is dropped unfinished.
    const queued = await page.evaluate(async (bases) => {
      const { pool } = await import(new URL("js/pool.js", location.href).href);
      const { policyOptions } = await import(new URL("js/model.js", location.href).href);
      const slot = pool.workers[0];
      pool.ensureModel(slot);
      const long = { type: "predict", sequences: Array.from({ length: 16 }, (_, i) => ({ name: `long${i}`, sequence: bases })), options: policyOptions() };
      const [a, b] = [pool.send(slot, long), pool.send(slot, long)];
      await new Promise((r) => setTimeout(r, 300));
      const t = performance.now();
      a.cancel();
      b.cancel();
      const settled = await Promise.allSettled([a.promise, b.promise]);
      return { ms: performance.now() - t, cancelled: settled.map((r) => r.status === "rejected" && r.reason?.cancelled === true) };
    }, genome);
    assert.deepEqual(queued.cancelled, [true, true], "both requests end as cancelled");
    assert.ok(queued.ms < 1500, `cancelling a request and the one queued behind it took ${queued.ms.toFixed(0)} ms`);
  }
  await useModel(page, "mpra1");
});

test("issue 14: numbers with meaning — units, a percentile against the manifest's test predictions, a classifier's probability", async () => {
  await useModel(page, "mpra1q");
  await paste(page, seqA);
  await page.click("#tab-results");
  const [v] = await predictionValues(page);
  const table = JSON.parse(fs.readFileSync(path.join(tmp, "web-models", "mpra1q", "manifest.json"), "utf8")).targets[0].prediction_quantiles.values;
  // the fraction of the table below v, linear between quantiles (as PredictionQuantiles::fraction_below)
  let k = 0;
  while (k + 1 < table.length && table[k + 1] <= v) k++;
  const fraction = v < table[0] ? 0 : v >= table.at(-1) ? 1 : (k + (v - table[k]) / (table[k + 1] - table[k])) / (table.length - 1);
  const pct = Math.round(100 * fraction);
  assert.ok(Number.isFinite(pct), `percentile of ${v} in ${table}`);
  const text = await page.textContent("#prediction .percentile");
  assert.equal(text, pct >= 100 ? "above all of the model's test elements (12)" : pct <= 0 ? "below all of the model's test elements (12)" : `above ${pct} % of the model's test elements (12)`);
  close(Number(await page.getAttribute("#prediction .percentile", "data-fraction")), fraction, "percentile");
  assert.match(await page.textContent("#prediction .unit"), /log2 RNA\/DNA, test fixture/);
  // the fixture's manifest names no strands: the forward strand, as its metrics were measured
  assert.equal(await page.textContent("#prediction .strands"), "forward strand");
  await page.click("#tab-model");
  assert.match(await page.textContent("#model-card"), /placed among the model's own predictions on its test rows \(12\)/);
  if (shipped.includes("promoter-tata")) {
    await useModel(page, "promoter-tata");
    await paste(page, seqA);
    await page.click("#tab-results");
    await predictionValues(page);
    assert.match(await page.textContent("#prediction .label"), /probability of promoter/);
    assert.match(await page.textContent("#prediction .unit"), /^probability of promoter$/);
    assert.equal(await page.textContent("#prediction .strands"), "mean of both strands");
  }
  await useModel(page, "mpra1");
});

test("issue 14: the attention map of a model with an attention block — size, axes in bases, legend, per head, equal to native", async () => {
  // In the shared page, after the earlier tests' cancelled jobs and restarted workers.
  await useModel(page, "attn1");
  await paste(page, seqA);
  await page.click("#tab-teach");
  const drawn = await page.waitForSelector("#attention-map", { timeout: 30000 });
  // the teach view rendered again (as when the record's prediction comes in, or the tab is
  // opened again) leaves the drawn map, and any tooltip over it, in place
  await page.click("#tab-results");
  await page.click("#tab-teach");
  await page.waitForSelector("#filters .filter", { timeout: 30000 });
  assert.ok(await drawn.evaluate((c) => c.isConnected), "the map drawn first is still the one shown");
  const c = await page.$eval("#attention-map", (e) => ({ ...e.dataset, label: e.getAttribute("aria-label"), w: e.width, h: e.height }));
  // 230 bp through pools of 4 and 2: 28 positions of 8 bases, 2 heads
  assert.deepEqual([c.positions, c.heads, c.stride, c.head], ["28", "2", "8", "mean"]);
  assert.match(c.label, /28 query positions \(rows\) by 28 key positions \(columns\), 8 bases each/);
  const T = 28;
  assert.equal(native.attention.length, (2 + 1) * T * T, "native rows: 2 heads and the mean");
  assert.match(await page.textContent("#attention .attention-legend"), /attention weight.*each row is one query position; its weights over the key positions \(columns\) sum to 1/);
  assert.match(await page.textContent("#attention .attention-scale"), /position t \(from 0\) stands for bases t·8\+1 … t·8\+8 of the 230-base model window \(8 bases per position.*receptive field of 34 bases/);
  const cs = 18; // cell size for 28 positions, after a 64 px margin for the row labels and 6 px above
  async function hover(q, k) { // 1-based query and key positions
    // The tip is read in the same step that sees it answer for (q, k): a map redrawn meanwhile
    // would have a fresh, empty tip. A pointer resting where a redraw put a new canvas has sent it
    // no mousemove yet: then the pointer is moved there again.
    for (let attempt = 1; ; attempt++) {
      await page.locator("#attention-map").hover({ position: { x: 64 + (k - 1) * cs + cs / 2, y: 6 + (q - 1) * cs + cs / 2 } });
      try {
        const tip = await page.waitForFunction(([q2, k2]) => {
          const t = document.getElementById("attention-tip");
          return !t.hidden && t.dataset.query === String(q2) && t.dataset.key === String(k2) && { ...t.dataset, text: t.textContent };
        }, [q, k], { timeout: 5000 });
        return await tip.jsonValue();
      } catch (e) {
        if (attempt === 4) throw e;
        await page.mouse.move(0, 0);
      }
    }
  }
  const nat = (head, q, k) => Number(native.attention.find((r) => r.head === head && r.query === String(q) && r.key === String(k)).weight);
  // one whole row of the mean over heads: each weight equals native, and the row sums to 1
  let sum = 0;
  for (let k = 1; k <= T; k++) {
    const tip = await hover(5, k);
    close(Number(tip.weight), nat("mean", 5, k), `attention mean 5→${k}`);
    sum += Number(tip.weight);
  }
  assert.ok(Math.abs(sum - 1) <= 1e-5, `the row sums to ${sum}`);
  const tip = await hover(3, 20);
  assert.match(tip.text, /^query position 3 \(bases 17–24\) → key position 20 \(bases 153–160\): attention weight 0\.\d{4} \(mean over the 2 heads\)$/);
  assert.equal(native.attention.find((r) => r.head === "mean" && r.query === "3").query_first_base, "17");
  // one head
  await page.selectOption("#attention-head", "1");
  await page.waitForSelector('#attention-map[data-head="1"]');
  for (const [q, k] of [[1, 1], [14, 2], [28, 28]]) close(Number((await hover(q, k)).weight), nat("2", q, k), `attention head 2 ${q}→${k}`);
  // the committed screenshot: the mean over heads, one cell read by hovering
  await page.selectOption("#attention-head", "mean");
  await page.waitForSelector('#attention-map[data-head="mean"]');
  await hover(17, 8);
  await page.locator("#attention").screenshot({ path: path.join(screenshots, "attention-map.png") });
  await shot(page, "desktop-teach-attention");
  // a model without an attention block says so
  await useModel(page, "mpra1");
  await page.click("#tab-teach");
  await page.waitForSelector("#attention .attention-none");
  assert.match(await page.textContent("#attention"), /^No attention map: this model has no attention block/);
  assert.equal(await page.locator("#attention-map").count(), 0);
});

test("issue 14: a two-segment model whose distal sequence is cropped — its unseen bases hatched, 'outside the model's view' variants and teach mutations, seen cells equal native", async () => {
  const { promoter, distal, ism } = native.longPair;
  await useModel(page, "dual");
  await pastePair(page, `>lp\n${promoter}\n`, `>ld\n${distal}\n`, "lp + ld");
  await page.click("#tab-results");
  await page.click("#scan-run");
  await waitStatus(page, "Scan finished");
  assert.match(await page.textContent("#scan-info"), /distal 80 bp \(cropped\)/);
  assert.match(await page.textContent("#scan-info"), /120 bases of the distal sequence are outside the model's view \(hatched\)/);
  assert.equal(await page.isVisible("#legend-unseen-item"), true, "the legend explains the hatching");
  // the frame: the promoter's 120 bases, then all 200 of the distal sequence (the model reads 61–140)
  const at = (segment, pos) => (segment === "promoter" ? pos : 120 + pos);
  const cellOf = (segment, pos, alt) => ism.find((r) => r.segment === segment && r.position === String(pos) && r.alt === alt);
  for (const pos of [5, 60, 141, 200]) {
    const alt = distal[pos - 1] === "A" ? "C" : "A";
    const t = await hoverCell(page, at("distal", pos), alt);
    assert.equal(t.unseen, "true", `distal ${pos} is outside the view`);
    assert.equal(t.segment, "distal");
    assert.equal(t.effect, "NaN");
    assert.match(t.text, new RegExp(`^distal position ${pos} .>${alt}: not read by the model`));
    assert.equal(cellOf("distal", pos, alt), undefined, "native mutagenesis has no row for it either");
  }
  for (const [segment, pos] of [["distal", 61], ["distal", 100], ["distal", 140], ["promoter", 2], ["promoter", 120]]) {
    const seq = segment === "distal" ? distal : promoter;
    const alt = seq[pos - 1] === "G" ? "T" : "G";
    const t = await hoverCell(page, at(segment, pos), alt);
    assert.equal(t.unseen, undefined);
    assert.equal(t.segment, segment);
    close(Number(t.effect), Number(cellOf(segment, pos, alt).effect), `ISM ${segment} ${pos} ${alt}`);
  }
  // hatched pixels, not the white of 0: distal positions 1–16, row A (zoom 2)
  const px = await page.evaluate(() => {
    const d = document.getElementById("heatmap").getContext("2d").getImageData(18 + 120 * 2, 0, 2 * 16, 15).data;
    const colours = new Set();
    for (let i = 0; i < d.length; i += 4) colours.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
    return [...colours];
  });
  assert.ok(px.length >= 2 && !px.includes("247,247,247"), `hatching: ${px.join(" ")}`);
  // the ISM export says so too
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#export-ism-tsv")]);
  const rows = fs.readFileSync(await dl.path(), "utf8").split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split("\t"));
  assert.deepEqual(rows[0].slice(0, 2), ["segment", "position"]);
  const five = rows.filter((r) => r[0] === "distal" && r[1] === "5");
  assert.equal(five.length, 3 * 2, "3 substitutions × 2 targets");
  for (const r of five) assert.deepEqual(r.slice(-2), ["", "outside the model's view"]);
  assert.equal(rows.filter((r) => r.at(-1) === "outside the model's view").length, 3 * 120 * 2, "120 distal bases × 3 substitutions × 2 targets");
  await page.locator("#view-results").screenshot({ path: path.join(screenshots, "two-segment-cropped-distal.png") });
  // variants in the distal sequence: one outside the view is marked so, never 0
  await page.click("#tab-variants");
  await page.selectOption("#variant-segment", "distal");
  await page.fill("#variant-input", `5 ${distal[4]}>${distal[4] === "A" ? "C" : "A"}\n100 ${distal[99]}>${distal[99] === "G" ? "T" : "G"}\n`);
  await page.click("#variant-run");
  await waitStatus(page, "outside the model's view");
  const vrows = await variantRows(page);
  const out = vrows.find((r) => r.position === "5"), inside = vrows.find((r) => r.position === "100");
  assert.equal(out.status, "outside the model's view");
  assert.equal(out.diff0, "—");
  assert.match(out.cls, /variant-unseen/);
  assert.match(out.error, /position 5 is outside the model's view: the model reads bases 61–140 of this 200 bp distal sequence/);
  assert.equal(inside.status, "scored");
  close(Number(inside.diff0), Number(cellOf("distal", 100, distal[99] === "G" ? "T" : "G").effect), "distal variant 100");
  // teach: mutate in the distal sequence; an unseen base is refused with the reason
  await page.click("#tab-teach");
  assert.equal(await page.isVisible("#mutate-segment"), true);
  await page.selectOption("#mutate-segment", "distal");
  await page.fill("#mutate-pos", "5");
  await page.click(`#mutate-bases button[data-base="${distal[4] === "A" ? "C" : "A"}"]`);
  await page.waitForSelector("#mutate-result .refused");
  assert.match(await page.textContent("#mutate-result"), /^Distal position 5 is outside the model's view: the model does not read this base .* not an effect of 0/);
  assert.equal(await page.locator("#mutate-result .delta").count(), 0, "no number for a base the model does not read");
  await page.fill("#mutate-pos", "100");
  const alt100 = distal[99] === "G" ? "T" : "G";
  await page.click(`#mutate-bases button[data-base="${alt100}"]`);
  await page.waitForSelector("#mutate-result .delta");
  close(Number(await page.getAttribute("#mutate-result .delta", "data-delta")), Number(cellOf("distal", 100, alt100).effect), "teach delta distal 100");
  assert.match(await page.textContent("#mutate-result"), new RegExp(`distal ${distal[99]}100${alt100}`));
  await page.selectOption("#mutate-segment", "promoter");
  await useModel(page, "mpra1");
});

test("issue 14: on a 390 px phone the variant table shows effect and status first", { skip: skipF9 }, async () => {
  const mobile = await context.newPage();
  await mobile.setViewportSize({ width: 390, height: 844 });
  await openApp(mobile, origin);
  await useModel(mobile, "hepg2-mpra");
  await paste(mobile, `>F9\n${F9}\n`);
  await mobile.click("#tab-variants");
  await mobile.fill("#variant-input", `150 ${F9[149]}>A\n151 ${F9[150] === "A" ? "C" : "A"}>G\n`);
  await mobile.click("#variant-run");
  await mobile.waitForSelector("#variant-table:not([hidden])");
  const cells = await mobile.$$eval("#variant-table tbody tr:first-child td", (tds) => tds.slice(0, 2).map((td) => { const r = td.getBoundingClientRect(); return [td.dataset.key, r.left, r.right, td.textContent]; }));
  assert.deepEqual(cells.map((c) => c[0]), ["diff0", "status"]);
  for (const [key, l, r] of cells) assert.ok(l >= 0 && r <= 390, `${key} visible on the phone (${l}–${r} px)`);
  const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone`);
  await mobile.locator("#variant-table").scrollIntoViewIfNeeded();
  await mobile.screenshot({ path: path.join(artifacts, "mobile-variants-issue14.png") });
  await mobile.close();
});

// ---- Genome variants: a VCF against a reference read from disk by region (issue 17) ----------

const dataDir = path.join(root, "tests/data");
const SLICE = "hg19_chr22_20095001_20115000";
const SLICE_START = 20_095_001; // genomic position of the slice's first base (its record is 22:20095001-20115000)
// CRC-32 (gzip's), for the BGZF blocks the test writes
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc32 = (buf) => { let c = 0xffffffff; for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
// `data` as BGZF (bgzip's format: gzip members of at most `block` bytes with the BC extra field, then the empty EOF block)
function bgzf(data, block = 4096) {
  const member = (chunk) => {
    const deflated = zlib.deflateRawSync(chunk);
    const head = Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 0x42, 0x43, 2, 0, 0, 0]);
    head.writeUInt16LE(deflated.length + 25, 16);
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(crc32(chunk), 0);
    tail.writeUInt32LE(chunk.length, 4);
    return Buffer.concat([head, deflated, tail]);
  };
  const parts = [];
  for (let s = 0; s < data.length; s += block) parts.push(member(data.subarray(s, s + block)));
  return Buffer.concat([...parts, member(Buffer.alloc(0))]);
}
let genomeFiles = null;
// The files the genome tests pick, in a folder of their own: the tracked chr22 slice (plain and
// bgzip, with .fai and .gzi) and its VCF, a copy of the plain slice with five N bases, and a VCF of
// every kind of line (plain text and BGZF).
function genomeFixtures() {
  if (genomeFiles) return genomeFiles;
  const dir = path.join(tmp, "genome");
  fs.mkdirSync(dir, { recursive: true });
  const f = (name) => path.join(dir, name);
  const fasta = fs.readFileSync(path.join(dataDir, `${SLICE}.fa`));
  const fai = fs.readFileSync(path.join(dataDir, `${SLICE}.fa.bgz.fai`)); // offsets into the uncompressed text: the plain file's too
  for (const ext of ["", ".fai", ".gzi"]) fs.copyFileSync(path.join(dataDir, `${SLICE}.fa.bgz${ext}`), f(`slice.fa.bgz${ext}`));
  fs.copyFileSync(path.join(dataDir, `${SLICE}.fa`), f("slice.fa"));
  fs.writeFileSync(f("slice.fa.fai"), fai);
  fs.copyFileSync(path.join(dataDir, `variants_${SLICE}.vcf.gz`), f("variants.vcf.gz"));
  const lines = fasta.toString("utf8").split("\n");
  const seq = lines.slice(1).join("").toUpperCase();
  const at = (pos) => seq[pos - SLICE_START];
  // five unknown bases at 20,105,001-20,105,005: the same line geometry, so the same .fai
  const withN = Buffer.from(fasta);
  const header = lines[0].length + 1;
  for (let pos = 20_105_001; pos <= 20_105_005; pos++) { const i = pos - SLICE_START; withN[header + Math.floor(i / 60) * 61 + (i % 60)] = 78; }
  fs.writeFileSync(f("slice_n.fa"), withN);
  fs.writeFileSync(f("slice_n.fa.fai"), fai);
  const next = (b) => "ACGT"["ACGT".indexOf(b) + 1] ?? "A";
  const wrong = (b) => (b === "A" ? "C" : "A");
  const vcf = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    `chr22\t20097000\tsnv\t${at(20_097_000)}\t${next(at(20_097_000))}\t.\tPASS\t.`,
    `chr22\t20098000\tmismatch\t${wrong(at(20_098_000))}\tG\t.\tPASS\t.`,
    `22\t20099000\tdel\t${at(20_099_000)}${at(20_099_001)}${at(20_099_002)}\t${at(20_099_000)}\t.\tPASS\t.`,
    "",
    `chr22\t20101000\tins\t${at(20_101_000)}\t${at(20_101_000)}GA\t.\tPASS\t.`,
    `chr22\t20102000\tmulti\t${at(20_102_000)}\t${["A", "C", "G", "T"].filter((b) => b !== at(20_102_000)).slice(0, 2).join(",")}\t.\tPASS\t.`,
    "chr7\t20100000\tother_chrom\tA\tG\t.\tPASS\t.",
    `chr22\t20095050\tnear_start\t${at(20_095_050)}\t${next(at(20_095_050))}\t.\tPASS\t.`,
    `chr22\t20105100\tnear_n\t${at(20_105_100)}\t${next(at(20_105_100))}\t.\tPASS\t.`,
    "chr22\tfive\tbad_pos\tA\tG\t.\tPASS\t.",
    `chr22\t20110000\tlast\t${at(20_110_000)}\t${next(at(20_110_000))}\t.\tPASS\t.`].join("\n") + "\n";
  fs.writeFileSync(f("mixed.vcf"), vcf);
  fs.writeFileSync(f("mixed.vcf.bgz"), bgzf(Buffer.from(vcf), 100)); // several blocks, cut inside lines
  genomeFiles = { dir, f, at };
  return genomeFiles;
}
// Native score-variants rows (line, chrom, pos, id, ref, alt, target, ref_prediction, alt_prediction, difference, error).
const nativeScores = (model, vcf, reference, rc) => nativeTsv(["score-variants", "--model", model, "--vcf", vcf, "--reference", reference, "--rc-average", String(rc)]);
// Picks the files on the Genome variants view and scores them; returns the table's rows.
async function scoreGenome(p, reference, vcf, { rc = false } = {}) {
  await p.click("#tab-genome");
  await p.setInputFiles("#genome-reference", reference);
  await p.setInputFiles("#genome-vcf", vcf);
  await p.setChecked("#genome-rc", rc);
  await p.waitForSelector("#genome-run:not([disabled])");
  const runs = await p.evaluate(() => Number(document.body.dataset.genomeRuns ?? 0));
  await p.click("#genome-run");
  await p.waitForFunction((n) => Number(document.body.dataset.genomeRuns ?? 0) > n, runs, { timeout: 120000 });
  assert.match(await p.textContent("#status"), /^Genome variants: scored /);
  return p.$$eval("#genome-table tbody tr", (trs) => trs.map((tr) => Object.fromEntries([["cls", tr.className],
    ...[...tr.cells].map((c) => [c.dataset.key, c.dataset.value ?? c.textContent])])));
}
// Every browser row against the native row of the same line and ALT: the same status, and the
// same predictions and effect (1e-5) where scored.
function sameAsNative(rows, expected, what) {
  assert.equal(rows.length, expected.length, `${what}: ${rows.length} rows, native ${expected.length}`);
  for (const n of expected) {
    const r = rows.find((x) => x.line === n.line && x.alt === n.alt && x.chrom === n.chrom);
    assert.ok(r, `${what}: no row for line ${n.line} ${n.alt}`);
    if (n.error) {
      assert.equal(r.status, n.error, `${what}, line ${n.line}: the status is native's error`);
      assert.equal(r.cls, "variant-error");
      assert.equal(r.effect0, "—", `${what}, line ${n.line}: no number for a variant that was not scored`);
      continue;
    }
    assert.equal(r.status, "scored");
    assert.equal(`${r.pos}\t${r.id}\t${r.ref}`, `${n.pos}\t${n.id}\t${n.ref}`);
    close(Number(r.ref0), Number(n.ref_prediction), `${what}, line ${n.line} ${n.alt}: reference prediction`);
    close(Number(r.alt0), Number(n.alt_prediction), `${what}, line ${n.line} ${n.alt}: alternate prediction`);
    close(Number(r.effect0), Number(n.difference), `${what}, line ${n.line} ${n.alt}: effect`);
  }
}
// Records every Blob read of the page (File.slice + arrayBuffer): which file, how many bytes, whole or a slice.
async function recordReads(p) {
  await p.evaluate(() => {
    window.__reads = [];
    if (Blob.prototype.__recorded) return;
    Blob.prototype.__recorded = true;
    const slice = Blob.prototype.slice;
    Blob.prototype.slice = function (...a) { const b = slice.apply(this, a); b.__of = this.__of ?? { name: this.name, size: this.size }; return b; };
    const read = Blob.prototype.arrayBuffer;
    Blob.prototype.arrayBuffer = function () { window.__reads.push({ name: this.__of?.name ?? this.name, fileSize: this.__of?.size ?? this.size, bytes: this.size, whole: !this.__of }); return read.call(this); };
  });
}
function readsOf(reads, name) {
  const mine = reads.filter((r) => r.name === name);
  assert.ok(mine.length > 0, `${name} was read`);
  assert.ok(mine.every((r) => !r.whole), `${name} is read by slices only, never whole: ${JSON.stringify(mine.slice(0, 3))}`);
  return mine.reduce((a, r) => a + r.bytes, 0);
}

test("genome variants: a plain FASTA + .fai and a VCF of every kind of line, read by slices, scored as native score-variants (1e-5); statuses for a REF mismatch, another chromosome, the genome's edge, N and a bad line; TSV export", async () => {
  const { f } = genomeFixtures();
  await useModel(page, "mpra1");
  const expected = nativeScores(path.join(tmp, "models/mpra1"), f("mixed.vcf"), f("slice_n.fa"), false);
  await recordReads(page);
  const rows = await scoreGenome(page, [f("slice_n.fa"), f("slice_n.fa.fai")], f("mixed.vcf"));
  sameAsNative(rows, expected, "plain FASTA");
  const reads = await page.evaluate(() => window.__reads);
  const fastaBytes = readsOf(reads, "slice_n.fa");
  assert.ok(fastaBytes < fs.statSync(f("slice_n.fa")).size, `${fastaBytes} bytes of the reference read: not all of it`);
  readsOf(reads, "mixed.vcf");
  // every kind of status, each the CLI's own words
  const status = (id) => rows.find((r) => r.id === id).status;
  const { at } = genomeFixtures();
  assert.equal(status("mismatch"), `REF ${at(20_098_000) === "A" ? "C" : "A"} does not match the reference, which has ${at(20_098_000)} at chr22:20098000`);
  assert.equal(status("other_chrom"), "chromosome 'chr7' is not in the genome FASTA (it has: 22)");
  assert.match(status("near_start"), /^the window chr22:20094934-20095164 \(0-based, half-open\) runs past the genome sequence, which covers chr22:20095000-20115000$/);
  assert.equal(status("near_n"), "the reference window chr22:20104985-20105214 has an unknown base (N) at chr22:20105001; a variant is scored only where every base of its window is known");
  assert.equal(rows.find((r) => r.line === "12").status, "line 12: POS: invalid digit found in string");
  for (const id of ["snv", "del", "ins", "multi:A", "multi:C", "multi:G", "multi:T", "last"]) {
    const r = rows.find((x) => x.id === id);
    if (r) assert.equal(r.status, "scored", id);
  }
  assert.match(await page.textContent("#genome-summary"), /^Scored 11 variants in [0-9.]+ s \([0-9,]+ variants\/s\); 5 could not be scored/);
  // the effect's unit is in its header; sorting by it puts the scored rows first
  assert.match(await page.textContent('#genome-table thead th[data-key="effect0"]'), /effect \(a\.u\.\)/);
  await page.click('#genome-table thead th[data-key="effect0"] button');
  const sorted = await page.$$eval('#genome-table tbody td[data-key="effect0"]', (tds) => tds.map((td) => td.dataset.value ?? null));
  const numbers = sorted.filter((v) => v !== null).map(Number);
  assert.deepEqual(numbers, numbers.slice().sort((a, b) => a - b));
  assert.deepEqual(sorted.slice(numbers.length), Array(sorted.length - numbers.length).fill(null), "rows without an effect last");
  // the export: provenance lines, units in the header, every row with native's numbers
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#genome-tsv")]);
  const tsv = fs.readFileSync(await download.path(), "utf8");
  // mpra1 has no flanks (default policy pad_or_crop): its input length of reference
  assert.match(tsv, /^# model: mpra1\n# manifest_sha256: [0-9a-f]{64}\n# length_policy: none: each variant is read in one window: the 230 bp of reference centred on the variant \(its first base at window position 116\)\n/);
  assert.match(tsv, /\n# reference: slice_n\.fa \(plain, \d+ bytes\) with slice_n\.fa\.fai\n# vcf: mixed\.vcf\n# strands: forward strand\n# effect: alternate − reference prediction in each target's unit \(task0: a\.u\.\); alt − ref of the model's window: the 230 bp of reference centred on the variant \(its first base at window position 116\), the alternate window read from the reference with the variant applied\n/);
  const body = tsv.trim().split("\n").filter((l) => !l.startsWith("#"));
  assert.equal(body[0], "chrom\tpos\tid\tref\talt\treference prediction (a.u.)\talternate prediction (a.u.)\teffect (a.u.)\tstatus\tline");
  const exported = body.slice(1).map((l) => l.split("\t"));
  assert.equal(exported.length, expected.length);
  for (const n of expected) {
    const r = exported.find((x) => x[9] === n.line && x[4] === n.alt && x[0] === n.chrom);
    if (n.error) { assert.deepEqual([r[5], r[6], r[7], r[8]], ["", "", "", n.error]); continue; }
    close(Number(r[7]), Number(n.difference), `exported effect, line ${n.line}`);
  }
  await shot(page, "desktop-genome-plain");
});

test("genome variants: a bgzip FASTA + .fai + .gzi read block by block, with a gzip and a BGZF VCF, both strands, equal native (1e-5)", async () => {
  const { f } = genomeFixtures();
  await useModel(page, "mpra1");
  const ref = [f("slice.fa.bgz"), f("slice.fa.bgz.fai"), f("slice.fa.bgz.gzi")];
  for (const vcf of ["variants.vcf.gz", "mixed.vcf.bgz"]) {
    const expected = nativeScores(path.join(tmp, "models/mpra1"), f(vcf), f("slice.fa.bgz"), true);
    await recordReads(page);
    const rows = await scoreGenome(page, ref, f(vcf), { rc: true });
    sameAsNative(rows, expected, `bgzip FASTA, ${vcf}`);
    if (vcf === "variants.vcf.gz") assert.equal(rows.filter((r) => r.status === "scored").length, 12);
    const reads = await page.evaluate(() => window.__reads);
    // the first 64 bytes say how the FASTA is stored; then only blocks that hold windows (the
    // mixed VCF's windows end before the slice's last 4,096-byte block)
    const compressed = readsOf(reads, "slice.fa.bgz") - 64;
    if (vcf === "mixed.vcf.bgz") assert.ok(compressed < fs.statSync(f("slice.fa.bgz")).size, `${compressed} compressed bytes read: not the whole file`);
    readsOf(reads, vcf);
  }
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#genome-tsv")]);
  const tsv = fs.readFileSync(await download.path(), "utf8");
  assert.match(tsv, /\n# reference: slice\.fa\.bgz \(bgzip-compressed, \d+ bytes\) with slice\.fa\.bgz\.fai and slice\.fa\.bgz\.gzi\n# vcf: mixed\.vcf\.bgz\n# strands: mean of the forward and reverse-complement predictions\n/);
  // what cannot be read by region is refused, saying what to do
  await page.setInputFiles("#genome-reference", [f("slice.fa.bgz"), f("slice.fa.bgz.fai")]);
  await page.click("#genome-run");
  await page.waitForSelector("#genome-error:not([hidden])");
  assert.equal(await page.textContent("#genome-error"), "slice.fa.bgz: the FASTA is bgzip-compressed: pick its .gzi index too (`samtools faidx` or `bgzip -r` writes it)");
  await page.setInputFiles("#genome-reference", [f("slice.fa")]);
  assert.match(await page.textContent("#genome-error"), /^slice\.fa needs its \.fai index/);
  assert.equal(await page.isDisabled("#genome-run"), true);
});

test("genome variants: progress while a long VCF is scored, Cancel stops it, and the next run scores", async () => {
  const { f, at } = genomeFixtures();
  await useModel(page, "mpra1");
  // every third base of the slice, each with its three other letters: about 19,600 variants
  const rows = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT"];
  for (let pos = 20_095_200; pos <= 20_114_800; pos += 3) rows.push(`chr22\t${pos}\t.\t${at(pos)}\t${"ACGT".replace(at(pos), "").split("").join(",")}`);
  fs.writeFileSync(f("many.vcf"), rows.join("\n") + "\n");
  await page.click("#tab-genome");
  await page.setInputFiles("#genome-reference", [f("slice.fa"), f("slice.fa.fai")]);
  await page.setInputFiles("#genome-vcf", f("many.vcf"));
  await page.setChecked("#genome-rc", false);
  const runs = await page.evaluate(() => Number(document.body.dataset.genomeRuns ?? 0));
  await page.click("#genome-run");
  await page.waitForFunction(() => /^[0-9,]+ variants scored \(\d+ % of many\.vcf read\)$/.test(document.querySelector("#genome-progress .progress-text").textContent), null, { timeout: 60000 });
  assert.equal(await page.isDisabled("#genome-run"), true, "one run at a time");
  const cancelledAt = Date.now();
  await page.click("#genome-progress .cancel");
  await page.waitForFunction((n) => Number(document.body.dataset.genomeRuns ?? 0) > n, runs, { timeout: 10000 });
  assert.ok(Date.now() - cancelledAt < 3000, `stopped ${Date.now() - cancelledAt} ms after Cancel`);
  assert.match(await page.textContent("#status"), /^Scoring cancelled/);
  assert.equal(await page.isHidden("#genome-progress"), true);
  const expected = nativeScores(path.join(tmp, "models/mpra1"), f("variants.vcf.gz"), f("slice.fa"), false);
  sameAsNative(await scoreGenome(page, [f("slice.fa"), f("slice.fa.fai")], f("variants.vcf.gz")), expected, "after Cancel");
});

test("genome variants with a shipped model (hepg2-mpra): the tracked chr22 files equal native; screenshot", { skip: shipped.includes("hepg2-mpra") ? false : "hepg2-mpra is not in models/" }, async () => {
  const { f } = genomeFixtures();
  await useModel(page, "hepg2-mpra");
  const expected = nativeScores(path.join(tmp, "models/hepg2-mpra"), f("mixed.vcf"), f("slice_n.fa"), true);
  const rows = await scoreGenome(page, [f("slice_n.fa"), f("slice_n.fa.fai")], f("mixed.vcf"), { rc: true });
  sameAsNative(rows, expected, "hepg2-mpra");
  assert.match(await page.textContent('#genome-table thead th[data-key="effect0"]'), /\(log2 RNA\/DNA, lentiMPRA HepG2\)/);
  // trained on 200 bp elements between 15 bp adapters: each variant is read in the 200 bp of
  // reference centred on it between them (the window near_start and near_n are refused for)
  assert.equal(await page.textContent("#genome-model-note"), "hepg2-mpra reads each variant in the 200 bp of reference centred on the variant (its first base at element position 101), between the model's 15 bp flanks: 230 bp in all.");
  const status = (id) => rows.find((r) => r.id === id).status;
  assert.equal(status("near_start"), "the window chr22:20094949-20095149 (0-based, half-open) runs past the genome sequence, which covers chr22:20095000-20115000");
  assert.equal(status("near_n"), "the reference window chr22:20105000-20105199 has an unknown base (N) at chr22:20105001; a variant is scored only where every base of its window is known");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#genome-tsv")]);
  const tsv = fs.readFileSync(await download.path(), "utf8");
  const window = "the 200 bp of reference centred on the variant \\(its first base at element position 101\\), between the model's 15 bp flanks: 230 bp in all";
  assert.match(tsv, new RegExp(`\\n# length_policy: the model's flanked tiles, one tile per variant: ${window}\\n`));
  assert.match(tsv, new RegExp(`\\n# effect: alternate − reference prediction in each target's unit \\(mean_value: log2 RNA/DNA, lentiMPRA HepG2\\); alt − ref of the model's window: ${window}, the alternate window read from the reference with the variant applied\\n`));
  await page.locator("#view-genome").screenshot({ path: path.join(screenshots, "genome-variants.png") });
  await useModel(page, "mpra1");
  assert.equal(await page.textContent("#genome-model-note"), "mpra1 reads each variant in the 230 bp of reference centred on the variant (its first base at window position 116).");
});

test("mobile 390x844: every view fits the width", async () => {
  const mobile = await context.newPage();
  await mobile.setViewportSize({ width: 390, height: 844 });
  await openApp(mobile, origin);
  await paste(mobile, seqA);
  await predictionValues(mobile);
  for (const view of ["input", "model", "results", "motifs", "variants", "genome", "teach"]) {
    await mobile.click(`#tab-${view}`);
    if (view === "results") { await mobile.click("#scan-run"); await waitStatus(mobile, "Scan finished"); }
    if (view === "motifs") { await mobile.click("#motif-run"); await waitStatus(mobile, "motif hit"); }
    if (view === "teach") await mobile.waitForSelector(".filter figcaption");
    const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${view}: page is ${overflow}px wider than the phone`);
    await shot(mobile, `mobile-${view}`);
    if (view === "results") await mobile.screenshot({ path: path.join(artifacts, "mobile-results-full.png"), fullPage: true });
  }
  await mobile.close();
});

test("offline after the first load (service worker)", async () => {
  // every module of the page is in the service worker's list
  const sw = fs.readFileSync(path.join(web, "sw.js"), "utf8");
  for (const f of fs.readdirSync(path.join(web, "js"))) assert.ok(sw.includes(`"${f}"`), `sw.js caches js/${f}`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await context.setOffline(true);
  try {
    await openApp(page, origin);
    await useModel(page, "mpra1");
    await paste(page, seqA);
    const values = await predictionValues(page);
    close(values[0], Number(native.predict1[0].task0), "offline prediction");
  } finally {
    await context.setOffline(false);
  }
});

test("no request left the origin during the whole session", async () => {
  const own = new URL(origin).origin;
  const foreign = requests.filter((u) => !u.startsWith("data:") && !u.startsWith("blob:") && new URL(u).origin !== own);
  assert.deepEqual(foreign, []);
  assert.ok(requests.length > 5);
});

test("an engine without relaxed SIMD gets the SIMD build, which predicts and scans as native", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Such an engine refuses every module that uses relaxed SIMD, the page's probe among them (the
  // one 36-byte module it validates).
  await ctx.addInitScript(() => {
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) => (bytes.byteLength === 36 ? false : validate(bytes));
  });
  try {
    const p = await ctx.newPage();
    p.on("pageerror", (e) => console.error("page error (no relaxed SIMD):", e.message));
    await openApp(p, origin);
    await useModel(p, "mpra1");
    assert.match(await p.textContent("#pool-info"), /Web Workers?, SIMD$/);
    await paste(p, seqA);
    close((await predictionValues(p))[0], Number(native.predict1[0].task0), "mpra1 prediction, SIMD build");
    await p.click("#tab-results");
    await p.click("#scan-run");
    await waitStatus(p, "Scan finished");
    await assertHeatmapCells(p, "ISM, SIMD build");
  } finally {
    await ctx.close();
  }
});

test("single-file build opens from file:// and predicts", async () => {
  const file = path.join(artifacts, "regula-single.html");
  const b = await launch(path.join(tmp, "profile-file"));
  try {
    const ctx = await b.newContext({ viewport: { width: 1280, height: 800 } });
    const seen = [];
    ctx.on("request", (r) => seen.push(r.url()));
    const p = await ctx.newPage();
    p.on("pageerror", (e) => console.error("single-file page error:", e.message));
    await openApp(p, pathToFileURL(file).href);
    assert.match(await p.textContent("#pool-info"), /\d Web Workers?, SIMD$/, "workers run under file:// too, on the SIMD build the file carries");
    await paste(p, seqA);
    const values = await predictionValues(p);
    close(values[0], Number(native.predict1[0].task0), "single-file prediction");
    await p.click("#tab-results");
    await p.click("#scan-run");
    await waitStatus(p, "Scan finished");
    await shot(p, "single-file-scan");
    const other = seen.filter((u) => !/^(file|data|blob):/.test(u));
    assert.deepEqual(other, [], "the single file fetches nothing");
  } finally {
    await b.close();
  }
});
