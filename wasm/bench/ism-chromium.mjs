// node wasm/bench/ism-chromium.mjs [PKG_DIR]: the same benchmark in headless Chromium
// (playwright-core driving /usr/bin/chromium; `npm install` in wasm/bench first).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import { resolve, dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const pkg = resolve(process.argv[2] ?? `${root}/web/pkg`);
const mounts = { "/pkg/": pkg, "/bench/": here, "/js/": `${root}/wasm/js`, "/fixtures/": `${root}/wasm/tests/fixtures` };
const types = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".json": "application/json" };

const server = createServer(async (req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  const mount = Object.keys(mounts).find((m) => path.startsWith(m));
  try {
    if (!mount) throw new Error("not found");
    const body = await readFile(join(mounts[mount], path.slice(mount.length)));
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const port = server.address().port;

// A fresh profile directory each run.
const browser = await chromium.launchPersistentContext(mkdtempSync(join(os.tmpdir(), "regula-bench-")), {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  page.on("console", (m) => console.error(`[page] ${m.text()}`));
  await page.goto(`http://127.0.0.1:${port}/bench/ism.html?naive=${process.env.NAIVE_RUNS ?? 1}`);
  await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 600_000 });
  const result = await page.evaluate(() => window.benchResult);
  const ua = await page.evaluate(() => navigator.userAgent);
  // The Web Worker helper: progress, result, cancellation.
  await page.goto(`http://127.0.0.1:${port}/bench/worker.html`);
  await page.waitForFunction(() => window.workerResult !== undefined, null, { timeout: 120_000 });
  const worker = await page.evaluate(() => window.workerResult);
  const workerOk = !worker.error && worker.resultType === "result" && worker.effects === 3 * 230 * 4 && worker.method === "fast"
    && worker.progress.join() === "40,80,120,160,200,230" && worker.afterCancel === "cancelled";
  console.log(JSON.stringify({ runtime: ua, cpu: os.cpus()[0].model, cores: os.cpus().length, pkg, ...result, worker, workerOk }, null, 2));
  if (result.error || !workerOk) process.exitCode = 1;
} finally {
  await browser.close();
  server.close();
}
