// Service worker: keeps the app usable offline after the first visit. Same-origin GET requests
// go to the network and refresh the cache; offline, the cache answers. Nothing else is touched.
const CACHE = "regula-v5";
// The page, its modules (js/, index.html's module graph), the worker and the wasm package; the
// e2e test checks that every file under js/ is listed.
const MODULES = ["main.js", "assets.js", "dom.js", "events.js", "pool.js", "compute.js", "model.js", "input.js",
  "prediction.js", "scan-view.js", "motifs.js", "variants.js", "genome.js", "teach.js", "provenance.js", "report.js", "progress.js"].map((m) => `js/${m}`);
const SHELL = ["./", "index.html", "style.css", "worker.js", ...MODULES, "pkg/regula_wasm.js", "pkg/regula_wasm_bg.wasm",
  "pkg/regula_wasm_bg.relaxed.wasm", "pkg/simd.js", "pkg/jobs.js", "models/index.json", "motifs/jaspar2024_core_vertebrates.meme", "examples/lentimpra_hepg2.fa"];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const c = await caches.open(CACHE);
    await Promise.all(SHELL.map((u) => c.add(u).catch(() => null)));
    // the shipped models too, so that a model can be chosen offline
    try {
      const index = await (await c.match("models/index.json")).json();
      const files = index.models.flatMap((m) => Object.values(m.files).map((f) => `models/${f}`));
      await Promise.all(files.map((u) => c.add(u).catch(() => null)));
    } catch { /* no index */ }
    await self.skipWaiting();
  })());
});
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  // network first (a rebuilt app is picked up at once), the cache when offline
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const r = await fetch(event.request);
      if (r.ok) event.waitUntil(cache.put(event.request, r.clone()));
      return r;
    } catch (e) {
      const cached = await cache.match(event.request, { ignoreSearch: true });
      if (cached) return cached;
      throw e;
    }
  })());
});
