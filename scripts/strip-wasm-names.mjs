// Removes the `name` custom section (function names, for stack traces and profilers) from a
// WebAssembly file, in place, keeping every other section. wasm-pack runs wasm-bindgen without
// `--remove-name-section` and has no setting for it, and stripping symbols in the cargo profile
// also drops the `target_features` section wasm-bindgen reads; this does what
// `wasm-bindgen --remove-name-section` did. Prints the bytes before and after.
//
//   node scripts/strip-wasm-names.mjs FILE.wasm
import fs from "node:fs";

const file = process.argv[2];
if (!file) {
  console.error("usage: node scripts/strip-wasm-names.mjs FILE.wasm");
  process.exit(2);
}
const bytes = fs.readFileSync(file);
if (bytes.length < 8 || bytes.readUInt32LE(0) !== 0x6d736100) {
  console.error(`${file}: not a WebAssembly module (no \\0asm header)`);
  process.exit(1);
}
// Sections: id (1 byte), size (unsigned LEB128), contents; a custom section (id 0) starts with
// its name (LEB128 length, UTF-8).
function leb(at) {
  let value = 0, shift = 0, b;
  do {
    b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
}
const kept = [bytes.subarray(0, 8)];
let removed = 0;
for (let at = 8; at < bytes.length;) {
  const start = at;
  const id = bytes[at];
  const [size, body] = leb(at + 1);
  const end = body + size;
  if (end > bytes.length) {
    console.error(`${file}: section at byte ${start} runs past the end of the file`);
    process.exit(1);
  }
  let name = null;
  if (id === 0) {
    const [n, s] = leb(body);
    name = bytes.subarray(s, s + n).toString("utf8");
  }
  if (name === "name") removed += end - start;
  else kept.push(bytes.subarray(start, end));
  at = end;
}
const out = Buffer.concat(kept);
const tmp = `${file}.strip-tmp`;
fs.writeFileSync(tmp, out);
fs.renameSync(tmp, file);
console.log(`${file}: name section ${removed ? `removed (${removed.toLocaleString("en-US")} bytes)` : "absent"}; ${bytes.length.toLocaleString("en-US")} → ${out.length.toLocaleString("en-US")} bytes`);
