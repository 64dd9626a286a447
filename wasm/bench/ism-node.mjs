// node wasm/bench/ism-node.mjs [PKG_DIR]   (PKG_DIR: a wasm-bindgen --target web package, default web/pkg)
import { readFileSync } from "node:fs";
import { resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import os from "node:os";
import { runBench } from "./ism-bench.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const pkg = resolve(process.argv[2] ?? `${root}/web/pkg`);
const wasm = await import(pathToFileURL(`${pkg}/regula_wasm.js`).href);
await wasm.default({ module_or_path: readFileSync(`${pkg}/regula_wasm_bg.wasm`) });
const fixtures = `${root}/wasm/tests/fixtures`;
const result = runBench(wasm, readFileSync(`${fixtures}/reference1000.onnx`), readFileSync(`${fixtures}/reference1000.manifest.json`, "utf8"), {
  log: (s) => console.error(s),
  naiveRuns: Number(process.env.NAIVE_RUNS ?? 1),
});
console.log(JSON.stringify({ runtime: `node ${process.version}`, cpu: os.cpus()[0].model, cores: os.cpus().length, pkg, ...result }, null, 2));
