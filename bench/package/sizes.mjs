// The npm package's size per cargo build profile (`just bench package`): wasm/build.sh (wasm-pack,
// SIMD) with `release` and with `wasm-release` (the size-tuned profile the web app ships), each
// measured as wasm-pack leaves it (with the name section) and as shipped (name section removed by
// scripts/strip-wasm-names.mjs): raw and gzip -9 bytes of regula_wasm_bg.wasm, and the `npm pack`
// tarball. Writes JSON.
//
//   node bench/package/sizes.mjs --out bench/results/package.json [--work target/bench] [--profiles release,wasm-release]
import fs from "node:fs";
import path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => (v.startsWith("--") ? [...a, [v.slice(2), all[i + 1]]] : a), []));
const out = args.out ?? path.join(root, "bench/results/package.json");
const work = path.resolve(args.work ?? path.join(root, "target/bench"));
const profiles = (args.profiles ?? "release,wasm-release").split(",");
const sh = (cmd, a, env = {}) => execFileSync(cmd, a, { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
const gzip = (file) => {
  const gz = spawnSync("gzip", ["-9", "-c", file], { maxBuffer: 1 << 30 });
  if (gz.status !== 0) throw new Error(`gzip -9 ${file} failed`);
  return gz.stdout.length;
};
const sizes = (file) => ({ rawBytes: fs.statSync(file).size, gzipBytes: gzip(file) });

const result = {
  date: new Date().toISOString(),
  gitCommit: sh("git", ["rev-parse", "HEAD"]).trim(),
  tools: { wasmPack: sh("wasm-pack", ["--version"]).trim(), wasmBindgen: sh("wasm-bindgen", ["--version"]).trim(), rustc: sh("rustc", ["--version"]).trim(), gzip: "gzip -9 -c" },
  simd: true,
  profiles: [],
};
for (const profile of profiles) {
  const dir = path.join(work, `pkg-${profile}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = Date.now();
  sh("wasm/build.sh", [dir], { PROFILE: profile, KEEP_NAMES: "1" });
  const seconds = (Date.now() - t0) / 1000;
  const wasm = path.join(dir, "regula_wasm_bg.wasm");
  const withNames = sizes(wasm);
  sh("node", ["scripts/strip-wasm-names.mjs", wasm]);
  const shipped = sizes(wasm);
  const [packed] = JSON.parse(execFileSync("npm", ["pack", dir, "--dry-run", "--json", "--loglevel=error"], { cwd: work, encoding: "utf8" }));
  result.profiles.push({ profile, buildSeconds: seconds, withNameSection: withNames, shipped, nameSectionBytes: withNames.rawBytes - shipped.rawBytes, tarballBytes: packed.size, unpackedBytes: packed.unpackedSize, jsBytes: fs.statSync(path.join(dir, "regula_wasm.js")).size });
  console.error(`${profile}: ${shipped.rawBytes} bytes raw, ${shipped.gzipBytes} gzip -9 (with the name section: ${withNames.rawBytes} / ${withNames.gzipBytes})`);
}
fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
