#!/usr/bin/env node
// Scans MODELS_DIR/*/manifest.json (default models/), copies each model's manifest, inference
// graph and attribution graph into OUT_DIR/<name>/ (default web/models/) and writes
// OUT_DIR/index.json: the list of shipped models the web app offers, and the one it opens with
// (`default`: REGULA_DEFAULT_MODEL, else the first of lentimpra-joint-fast — the most accurate
// HepG2 model whose scans take under a second, with a WTC11 output beside — hepg2-legnet-fast and
// hepg2-mpra that is there, else the first model that reads one sequence).
//
//   node scripts/web-index.mjs [MODELS_DIR] [OUT_DIR]
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const modelsDir = path.resolve(process.argv[2] ?? path.join(root, "models"));
const outDir = path.resolve(process.argv[3] ?? path.join(root, "web/models"));

fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });
const models = [];
const dirs = fs.existsSync(modelsDir) ? fs.readdirSync(modelsDir).sort() : [];
for (const dir of dirs) {
  const src = path.join(modelsDir, dir);
  const manifestPath = path.join(src, "manifest.json");
  if (!fs.existsSync(manifestPath)) continue;
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  const onnx = manifest.model_file ?? "model.onnx";
  const attribution = manifest.graphs?.attribution?.file ?? null;
  if (!fs.existsSync(path.join(src, onnx))) {
    console.warn(`skipping ${dir}: ${onnx} is missing`);
    continue;
  }
  const dst = path.join(outDir, dir);
  fs.mkdirSync(dst, { recursive: true });
  fs.copyFileSync(manifestPath, path.join(dst, "manifest.json"));
  fs.copyFileSync(path.join(src, onnx), path.join(dst, path.basename(onnx)));
  const files = { manifest: `${dir}/manifest.json`, onnx: `${dir}/${path.basename(onnx)}` };
  if (attribution && fs.existsSync(path.join(src, attribution))) {
    fs.copyFileSync(path.join(src, attribution), path.join(dst, path.basename(attribution)));
    files.attribution = `${dir}/${path.basename(attribution)}`;
  }
  for (const extra of ["examples.fa", "report.html"]) {
    if (fs.existsSync(path.join(src, extra))) {
      fs.copyFileSync(path.join(src, extra), path.join(dst, extra));
      files[extra.split(".")[0]] = `${dir}/${extra}`;
    }
  }
  // the trainer's model card: its "Known limits" section is shown on the page
  let limits;
  if (fs.existsSync(path.join(src, "MODEL_CARD.md"))) {
    fs.copyFileSync(path.join(src, "MODEL_CARD.md"), path.join(dst, "MODEL_CARD.md"));
    files.card = `${dir}/MODEL_CARD.md`;
    const m = /^## Known limits\s*\n([\s\S]*?)(?=^#|(?![\s\S]))/m.exec(fs.readFileSync(path.join(src, "MODEL_CARD.md"), "utf8"));
    if (m) limits = m[1].trim();
  }
  models.push({
    limits,
    id: dir,
    name: manifest.name ?? dir,
    description: manifest.description ?? "",
    length: manifest.inputs?.[0]?.length,
    // one per sequence the model reads: two for a promoter + distal (dual-branch) model
    lengths: (manifest.inputs ?? []).map((i) => i.length),
    targets: (manifest.targets ?? []).map((t) => t.name),
    accuracy: headline(manifest),
    files,
  });
}

// The number to choose a model by, for the model menu: the test metric (rows that chose nothing),
// else the validation one, per target when there are several (e.g. "test Pearson 0.645",
// "test Pearson hepg2 0.671, wtc11 0.687"); null when the manifest has none.
function headline(manifest) {
  const split = ["test", "validation"].find((s) => manifest.metrics?.[s]?.per_target?.overall);
  if (!split) return null;
  const perTarget = manifest.metrics[split].per_target;
  const name = ["pearson", "auroc", "spearman"].find((k) => k in perTarget.overall);
  if (!name) return null;
  const label = { pearson: "Pearson", auroc: "AUROC", spearman: "Spearman" }[name];
  const targets = Object.keys(perTarget).filter((t) => t !== "overall" && name in perTarget[t]);
  const value = (v) => v.toFixed(3);
  return targets.length > 1
    ? `${split} ${label} ${targets.map((t) => `${t} ${value(perTarget[t][name])}`).join(", ")}`
    : `${split} ${label} ${value(perTarget.overall[name])}`;
}
const wanted = process.env.REGULA_DEFAULT_MODEL ? [process.env.REGULA_DEFAULT_MODEL] : ["lentimpra-joint-fast", "hepg2-legnet-fast", "hepg2-mpra"];
const single = models.find((m) => m.lengths.length === 1) ?? models[0];
const def = wanted.find((id) => models.some((m) => m.id === id)) ?? single?.id;
fs.writeFileSync(path.join(outDir, "index.json"), JSON.stringify({ default: def, models }, null, 1) + "\n");
console.log(`web model index: ${models.length} model(s) from ${modelsDir} -> ${path.relative(root, outDir) || outDir}/index.json${models.length ? ` (${models.map((m) => m.id).join(", ")})` : ""}`);
