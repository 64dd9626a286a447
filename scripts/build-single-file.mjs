#!/usr/bin/env node
// Writes web/dist/regula.html: the whole app in one HTML file (JS, CSS, the wasm as base64, the
// Web Worker, the JASPAR motifs, the examples and ONE model inlined) that opens from disk
// (file://) and predicts without fetching anything. The page's modules and the worker are
// bundled with esbuild; web/js/assets.js reads the inlined bytes from globalThis.REGULA_INLINE.
//
//   node scripts/build-single-file.mjs [--model ID] [--models-dir web/models] [--out web/dist/regula.html]
import fs from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild"; // scripts/package.json; scripts/build-web.sh installs it

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const web = path.join(root, "web");
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const modelsDir = path.resolve(opt("--models-dir", path.join(web, "models")));
const out = path.resolve(opt("--out", path.join(web, "dist/regula.html")));

const read = (p) => fs.readFileSync(p);
const index = JSON.parse(fs.readFileSync(path.join(modelsDir, "index.json"), "utf8"));
if (!index.models.length) {
  fs.rmSync(out, { force: true }); // no stale copy with an old model
  console.log("single-file build skipped: no model in the index");
  process.exit(0);
}
// default: the index's default model, else the first that reads one sequence (the examples are
// single sequences)
const first =
  index.models.find((m) => m.id === index.default) ?? index.models.find((m) => (m.lengths?.length ?? 1) === 1) ?? index.models[0];
const entry = index.models.find((m) => m.id === opt("--model", first.id));
if (!entry) throw new Error(`no model ${opt("--model")} in ${modelsDir}/index.json`);
const model = {
  entry,
  manifest: fs.readFileSync(path.join(modelsDir, entry.files.manifest), "utf8"),
  onnx: read(path.join(modelsDir, entry.files.onnx)).toString("base64"),
  attribution: entry.files.attribution ? read(path.join(modelsDir, entry.files.attribution)).toString("base64") : null,
};
// The page and the worker, each bundled by esbuild with everything they import (the modules of
// web/js/, the wasm-bindgen glue, wasm/js/jobs.js as web/pkg/jobs.js) into one script. Under
// file:// a module worker cannot load from a blob: URL, so the worker is a classic script (iife).
const bundle = async (entry, format) => {
  const out = await esbuild.build({
    entryPoints: [path.join(web, entry)], bundle: true, format, write: false, target: "es2022", charset: "utf8",
    legalComments: "none", logLevel: "warning",
    // the glue's default wasm URL (unused: the page hands the compiled module over)
    define: format === "iife" ? { "import.meta.url": "self.location.href" } : {},
  });
  return out.outputFiles[0].text;
};
const [app, worker] = await Promise.all([bundle("js/main.js", "esm"), bundle("worker.js", "iife")]);
const inline = {
  worker,
  wasm: read(path.join(web, "pkg/regula_wasm_bg.wasm")).toString("base64"),
  motifs: read(path.join(web, "motifs/jaspar2024_core_vertebrates.meme")).toString("base64"),
  examples: fs.readFileSync(path.join(web, "examples/lentimpra_hepg2.fa"), "utf8"),
  model,
};
// </script> inside a JSON string would end the script element
const json = JSON.stringify(inline).replace(/</g, "\\u003c");
const csp = "default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval' blob:; worker-src blob:; style-src 'unsafe-inline'; img-src data: blob:; connect-src 'none'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'";
let html = fs.readFileSync(path.join(web, "index.html"), "utf8");
const css = fs.readFileSync(path.join(web, "style.css"), "utf8");
html = html
  .replace(/<meta http-equiv="Content-Security-Policy" content="[^"]*">/, `<meta http-equiv="Content-Security-Policy" content="${csp}">`)
  .replace('<link rel="stylesheet" href="style.css">', () => `<style>\n${css}</style>`)
  .replace('<script type="module" src="js/main.js"></script>', () =>
    `<script>globalThis.REGULA_INLINE = ${json};</script>\n<script type="module">\n${app.replace(/<\/script/gi, "<\\/script")}</script>`)
  .replace("<title>", "<!-- Regula single-file build: everything this page needs is inside it. -->\n<title>");
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, html);
// the served app offers the file for download when the index says it exists
if (path.resolve(modelsDir) === path.join(web, "models") && out === path.join(web, "dist/regula.html")) {
  fs.writeFileSync(path.join(modelsDir, "index.json"), JSON.stringify({ ...index, single_file: "dist/regula.html" }, null, 1) + "\n");
}
console.log(`single-file build: ${path.relative(root, out)} (${(html.length / 1e6).toFixed(1)} MB, model ${entry.id})`);
