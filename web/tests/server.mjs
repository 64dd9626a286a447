// A tiny static server for the tests (and for `just serve`): serves a folder on 127.0.0.1 with
// the right MIME types (.wasm as application/wasm) and the app's Content-Security-Policy as a
// header. No directory listings, no other routes.
//
//   node web/tests/server.mjs [ROOT] [PORT]     (PORT 0: a random free port; prints the URL)
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm", ".onnx": "application/octet-stream",
  ".meme": "text/plain; charset=utf-8", ".fa": "text/plain; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png", ".ts": "text/plain",
};

// overlays: {"/models/": "/tmp/dir"} serves that URL prefix from another folder (the tests' models).
// The page's policy, also as a header: a meta tag does not reach Web Workers, a header does.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' blob:; connect-src 'self'; worker-src 'self' blob:; style-src 'self'; img-src 'self' data: blob:; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function serve(root, port = 0, host = "127.0.0.1", overlays = {}) {
  root = path.resolve(root);
  const server = http.createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (p.endsWith("/")) p += "index.html";
    let base = root;
    for (const [prefix, dir] of Object.entries(overlays)) {
      if (p.startsWith(prefix)) { base = path.resolve(dir); p = p.slice(prefix.length - 1); break; }
    }
    const file = path.join(base, path.normalize(p));
    if (!file.startsWith(base + path.sep)) { res.writeHead(403).end(); return; }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) { res.writeHead(404, { "content-type": "text/plain" }).end("not found"); return; }
      res.writeHead(200, {
        "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
        "content-length": st.size,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        "content-security-policy": CSP,
        "referrer-policy": "no-referrer",
      });
      if (req.method === "HEAD") res.end();
      else fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve({ server, url: `http://${host}:${server.address().port}/` })));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const root = process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), "..");
  const { url } = await serve(root, Number(process.argv[3] ?? 0));
  console.log(`Serving ${root} on ${url} (Ctrl-C to stop)`);
}
