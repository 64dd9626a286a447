// Service worker: keeps the app usable offline after the first visit. Same-origin GET requests
// are answered from the cache first (then refreshed from the network); nothing else is touched.
const CACHE = "regula-v1";
const SHELL = ["./", "index.html", "app.js", "worker.js", "style.css", "pkg/regula_wasm.js", "pkg/regula_wasm_bg.wasm",
  "models/index.json", "motifs/jaspar2024_core_vertebrates.meme", "examples/lentimpra_hepg2.fa"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => Promise.all(SHELL.map((u) => c.add(u).catch(() => null)))).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(event.request, { ignoreSearch: true });
    const network = fetch(event.request).then((r) => {
      if (r.ok) cache.put(event.request, r.clone());
      return r;
    });
    if (cached) {
      event.waitUntil(network.catch(() => null));
      return cached;
    }
    return network;
  })());
});
