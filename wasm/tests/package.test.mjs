// The npm package as a user gets it: `npm pack` of the package wasm-pack built (web/pkg, by
// wasm/build.sh), installed from the tarball into a fresh Node project with no registry
// (`npm install --offline ./regula-wasm-X.tgz`), imported by its name there, and used to predict
// sequences with a shipped model; the predictions equal native `regula-train predict` (ONNX
// Runtime) within 1e-5.
//
//   node --test wasm/tests/package.test.mjs      (`just test-package` builds what it needs)
// Env: REGULA_PKG (default web/pkg), REGULA_TRAIN (default target/release/regula-train, with
// ORT_DYLIB_PATH), REGULA_MODEL (default models/hepg2-mpra).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const pkg = path.resolve(process.env.REGULA_PKG ?? path.join(root, "web/pkg"));
const modelDir = path.resolve(process.env.REGULA_MODEL ?? path.join(root, "models/hepg2-mpra"));
const regulaTrain = process.env.REGULA_TRAIN ?? path.join(root, "target/release/regula-train");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "regula-npm-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cargoVersion = fs.readFileSync(path.join(root, "Cargo.toml"), "utf8").match(/^version = "(.*)"/m)[1];
const npm = (args, cwd) => execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, encoding: "utf8" });

test("the package wasm-pack built: metadata from wasm/Cargo.toml, types, README, no hand-written fields", () => {
  const meta = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8"));
  const toml = fs.readFileSync(path.join(root, "wasm/Cargo.toml"), "utf8");
  assert.equal(meta.name, "regula-wasm");
  assert.equal(meta.version, cargoVersion);
  assert.equal(meta.description, toml.match(/^description = "(.*)"$/m)[1].replace(/\\"/g, '"'));
  assert.equal(meta.license, "MIT OR Apache-2.0");
  assert.deepEqual(meta.keywords, JSON.parse(toml.match(/^keywords = (\[.*\])$/m)[1]));
  assert.equal(meta.type, "module");
  assert.equal(meta.main, "regula_wasm.js");
  assert.equal(meta.types, "regula_wasm.d.ts");
  const types = fs.readFileSync(path.join(pkg, meta.types), "utf8");
  for (const decl of ["export class Predictor", "export class MotifSet", "export function checkSequences", "export interface AttentionMap", "attentionMap(sequence: string, options?: AttentionOptions): AttentionMap", "export default function __wbg_init"]) {
    assert.ok(types.includes(decl), `the types declare ${decl}`);
  }
  assert.match(fs.readFileSync(path.join(pkg, "README.md"), "utf8"), /^# regula-wasm/);
});

test("npm pack, installed offline into a fresh Node project, predicts as native regula-train (1e-5)", () => {
  // the tarball, and what is in it
  const [packed] = JSON.parse(npm(["pack", pkg, "--pack-destination", tmp, "--json"], tmp));
  assert.equal(packed.filename, `regula-wasm-${cargoVersion}.tgz`);
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, ["README.md", "package.json", "regula_wasm.d.ts", "regula_wasm.js", "regula_wasm_bg.wasm"]);
  // a fresh project that installs it from the file, with no registry
  const project = path.join(tmp, "project");
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "uses-regula", private: true, type: "module" }));
  npm(["install", "--offline", path.join(tmp, packed.filename)], project);
  assert.ok(fs.existsSync(path.join(project, "node_modules/regula-wasm/regula_wasm_bg.wasm")));
  // the element sequences: the web app's lentiMPRA examples
  const fasta = path.join(root, "web/examples/lentimpra_hepg2.fa");
  const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, "manifest.json"), "utf8"));
  fs.writeFileSync(path.join(project, "predict.mjs"), `
import fs from "node:fs";
import { createRequire } from "node:module";
import init, { Predictor, version } from "regula-wasm";
const require = createRequire(import.meta.url);
await init({ module_or_path: fs.readFileSync(require.resolve("regula-wasm/regula_wasm_bg.wasm")) });
const [model, fasta] = process.argv.slice(2);
const p = new Predictor(fs.readFileSync(model + "/model.onnx"), fs.readFileSync(model + "/manifest.json", "utf8"));
const predictions = p.predict(fs.readFileSync(fasta, "utf8"));
console.log(JSON.stringify({ version: version(), targets: p.targets, predictions: predictions.map((r) => [r.name, r.values]) }));
`);
  const got = JSON.parse(execFileSync("node", ["predict.mjs", modelDir, fasta], { cwd: project, encoding: "utf8" }));
  assert.equal(got.version, cargoVersion);
  assert.deepEqual(got.targets, manifest.targets.map((t) => t.name));
  const nativeOut = execFileSync(regulaTrain, ["predict", "--model", modelDir, "--input", fasta], { encoding: "utf8", env: process.env });
  const [header, ...rows] = nativeOut.trim().split("\n").map((l) => l.split("\t"));
  assert.equal(got.predictions.length, rows.length);
  assert.ok(rows.length >= 10, `${rows.length} sequences`);
  rows.forEach((row, i) => {
    const [name, values] = got.predictions[i];
    assert.equal(name, row[0]);
    got.targets.forEach((t, k) => {
      const want = Number(row[header.indexOf(t)]);
      assert.ok(Math.abs(values[k] - want) <= 1e-5, `${name} ${t}: package ${values[k]} vs native ${want}`);
    });
  });
});
