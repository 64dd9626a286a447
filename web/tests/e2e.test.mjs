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
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./server.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, "../..");
const web = path.join(root, "web");
const artifacts = path.join(here, "artifacts");
const TOL = 1e-5;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-web-"));

let browser, context, page, server, origin;
const requests = []; // every request of the main session
const native = {};
let seqA; // first example record
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
async function predictionValues(p) {
  await p.waitForSelector("#prediction .value", { state: "attached", timeout: 30000 });
  return p.$$eval("#prediction .value", (els) => els.map((e) => Number(e.dataset.value)));
}

before(async () => {
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  // models: the wasm crate's fixture models (1 and 3 targets; two segments) as model folders
  const models = path.join(tmp, "models");
  for (const m of ["mpra1", "mpra3", "dual"]) {
    fs.mkdirSync(path.join(models, m), { recursive: true });
    for (const f of fs.readdirSync(path.join(root, "infer/tests/fixtures")).filter((f) => f.startsWith(`${m}.`) && f.endsWith("json") === f.endsWith("manifest.json"))) {
      fs.copyFileSync(path.join(root, "infer/tests/fixtures", f), path.join(models, m, f === `${m}.manifest.json` ? "manifest.json" : f));
    }
  }
  // and every shipped model under models/
  for (const m of shipped) {
    fs.cpSync(path.join(shippedDir, m), path.join(models, m), { recursive: true, filter: (f) => !f.includes("checkpoint") });
  }
  execFileSync("node", [path.join(root, "scripts/web-index.mjs"), models, path.join(tmp, "web-models")], { stdio: "inherit" });
  execFileSync("node", [path.join(root, "scripts/build-single-file.mjs"), "--models-dir", path.join(tmp, "web-models"), "--model", "mpra1", "--out", path.join(artifacts, "regula-single.html")], { stdio: "inherit" });

  const fa = fs.readFileSync(examplesFa, "utf8");
  seqA = fa.split("\n").slice(0, 2).join("\n") + "\n";
  fs.writeFileSync(path.join(tmp, "a.fa"), seqA);
  native.predict1 = nativeTsv(["predict", "--model", path.join(models, "mpra1"), "--input", examplesFa]);
  native.predict3 = nativeTsv(["predict", "--model", path.join(models, "mpra3"), "--input", path.join(tmp, "a.fa")]);
  native.ism1 = nativeTsv(["ism", "--model", path.join(models, "mpra1"), "--input", path.join(tmp, "a.fa")]);
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

test("full saturation-mutagenesis scan: heatmap cells equal the native ISM values", async () => {
  await paste(page, seqA);
  await predictionValues(page);
  await page.click("#tab-results");
  await page.click("#scan-run");
  await waitStatus(page, "Scan finished");
  assert.equal(await page.isHidden("#scan-progress"), true);
  await page.$eval("#zoom", (z) => { z.value = "4"; z.dispatchEvent(new Event("input")); });
  const box = await page.locator("#heatmap").boundingBox();
  const byKey = new Map(native.ism1.map((r) => [`${r.position}${r.alt}`, Number(r.effect)]));
  for (const [pos, alt] of [[1, "C"], [57, "T"], [115, "A"], [230, "G"]]) {
    const b = "ACGT".indexOf(alt);
    await page.mouse.move(box.x + 18 + (pos - 1) * 4 + 2, box.y + b * 16 + 8);
    await page.waitForSelector("#tooltip:not([hidden])");
    const tip = await page.$eval("#tooltip", (t) => ({ ...t.dataset, text: t.textContent }));
    assert.equal(Number(tip.position), pos);
    if (!byKey.has(`${pos}${alt}`)) continue; // reference base
    close(Number(tip.effect), byKey.get(`${pos}${alt}`), `ISM ${pos} ${alt}`);
    assert.match(tip.text, new RegExp(`position ${pos} .>${alt}: effect`));
  }
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
  const rows = await page.$$eval("#variant-table tbody tr", (trs) => trs.map((tr) => ({ cls: tr.className, cells: [...tr.cells].map((c) => c.dataset.value ?? c.textContent) })));
  assert.equal(rows.length, 3);
  const effect = (pos, alt) => Number(native.ism1.find((r) => r.position === String(pos) && r.alt === alt).effect);
  close(Number(rows[0].cells[7]), effect(57, alt57), "variant 57 difference");
  assert.equal(rows[1].cls, "variant-error");
  assert.match(rows[1].cells.at(-1), /REF .* does not match/);
  if (seqA.split("\n")[1][114] !== "A") close(Number(rows[2].cells[7]), effect(115, "A"), "VCF variant difference");
  // sortable
  await page.click("#variant-table thead th:nth-child(8) button");
  assert.equal(await page.getAttribute("#variant-table thead th:nth-child(8)", "aria-sort"), "ascending");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#variant-tsv")]);
  const tsv = fs.readFileSync(await download.path(), "utf8");
  assert.match(tsv.split("\n")[0], /^line\tvariant\tposition\tREF\tALT/);
  assert.equal(tsv.trim().split("\n").length, 4);
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

test("teaching: one-hot of the sequence, filter logos with JASPAR matches, mutate a base", async () => {
  await page.click("#tab-teach");
  await page.waitForSelector(".filter figcaption", { timeout: 30000 });
  assert.match(await page.textContent("#filters"), /best JASPAR match/);
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
  assert.match(await page.textContent("#scan-info"), /^naive mutagenesis \(a two-segment model/);
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
  const row = await page.$$eval("#variant-table tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.dataset.value ?? c.textContent))[0]);
  close(Number(row[7]), mu.effects[0], "distal variant difference");
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
  assert.match(await page.textContent("#scan-info"), /mean over \d+ windows/);
  await shot(page, "desktop-scan-tiled");
});

test("shipped models (models/*): prediction and ISM equal native", { skip: shipped.length ? false : "no shipped model in models/ yet" }, async () => {
  for (const m of shipped) {
    const manifest = JSON.parse(fs.readFileSync(path.join(shippedDir, m, "manifest.json"), "utf8"));
    if (manifest.inputs.length > 1) continue; // two-segment models: in the test of their own below
    assert.ok(native[m].predict, `the native trainer could not predict the example with ${m}: ${native[m].error}`);
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
  manifest.metrics = { test: { rows: 51, per_target: { task0: { pearson: 0.5123, spearman: 0.48 }, task1: { pearson: 0.4 } } } };
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
  for (const f of ["mpra3.onnx", "mpra3.attribution.onnx"]) fs.copyFileSync(path.join(root, "infer/tests/fixtures", f), path.join(dir, f));
  await page.click("#tab-model");
  await page.setInputFiles("#own-model", ["manifest.json", "mpra3.onnx", "mpra3.attribution.onnx"].map((f) => path.join(dir, f)));
  await page.waitForFunction(() => document.body.dataset.model === "my-model (your file)", null, { timeout: 60000 });
  const card = await page.textContent("#model-card");
  assert.match(card, /my-model/);
  assert.match(card, /pearson/);
  assert.match(card, /0\.5123/);
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

test("mobile 390x844: every view fits the width", async () => {
  const mobile = await context.newPage();
  await mobile.setViewportSize({ width: 390, height: 844 });
  await openApp(mobile, origin);
  await paste(mobile, seqA);
  await predictionValues(mobile);
  for (const view of ["input", "model", "results", "motifs", "variants", "teach"]) {
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
    assert.match(await p.textContent("#pool-info"), /\d Web Worker/, "workers run under file:// too");
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
