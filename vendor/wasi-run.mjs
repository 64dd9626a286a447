#!/usr/bin/env node
// Runs a wasm32-wasip1 program (a cargo test binary) in Node's WASI, with the host's file system
// visible: cargo's target runner for vendor/test-wasm-kernels.sh.
//
//   node vendor/wasi-run.mjs PROGRAM.wasm [ARGS...]
import { readFile } from "node:fs/promises";
import { WASI } from "node:wasi";

const [program, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: "preview1", args: [program, ...args], env: process.env, preopens: { "/": "/" }, returnOnExit: true });
const instance = await WebAssembly.instantiate(await WebAssembly.compile(await readFile(program)), wasi.getImportObject());
process.exitCode = wasi.start(instance);
