// The worker pool: one compute worker (worker.js) per core, each with its own copy of the model.
// Requests go to the least busy worker; long ones report progress and can be cancelled. When no
// worker can start, the same compute handler (js/compute.js) runs on the page's own thread.
//
// Cancel: the worker stops at its next chunk; a worker that has not answered within
// CANCEL_GRACE_MS (a long chunk, a single long call) is terminated and a fresh one takes its
// place (the wasm module and the model sent again), so any job stops within about a second.
//
// The model goes to one worker first (the first prediction waits for that one only); the other
// workers get it when the pool is first idle, or before their first request, whichever comes first.
export const CANCEL_GRACE_MS = 700;

export class Pool {
  // worker: {url, type} (assets.worker()); fallbackHandler(post): the compute handler on the page.
  constructor(size, worker, fallbackHandler) {
    this.size = size;
    this.worker = worker;
    this.fallbackHandler = fallbackHandler;
    this.workers = [];
    this.nextId = 1;
    this.pending = new Map();
    this.model = null; // {msg, gen}: the "model" request of the current model
    this.gen = 0;
    this.warmTimer = null;
  }
  // Creates the workers; they load their scripts while the page compiles the wasm module.
  spawn() {
    if (this.workers.length || this.spawnError) return;
    let failed;
    // a worker whose script fails to load: noted from the start (the page may still be compiling)
    this.failed = new Promise((_, reject) => { failed = reject; });
    this.failed.catch(() => null);
    try {
      for (let i = 0; i < this.size; i++) {
        const w = new Worker(this.worker.url, { type: this.worker.type, name: `regula-${i}` });
        const slot = { w, busy: 0, index: i, modelGen: 0 };
        w.onmessage = (e) => this.onMessage(slot, e.data);
        w.onerror = (e) => console.error("worker error", e.message);
        w.addEventListener("error", (e) => failed(new Error(e.message || "a worker failed to load")));
        this.workers.push(slot);
      }
    } catch (e) {
      this.spawnError = e;
    }
  }
  // Sends `initMsg` to every worker (requests sent after it wait in the workers' queues); if the
  // workers fail, everything runs on the page's thread, the requests already sent included.
  start(initMsg) {
    this.initMsg = initMsg;
    this.ready = this.startWith(initMsg);
    return this.ready;
  }
  async startWith(initMsg) {
    this.spawn();
    try {
      if (this.spawnError) throw this.spawnError;
      const inits = this.workers.map((s) => this.send(s, initMsg).promise);
      await Promise.race([
        Promise.all(inits),
        this.failed,
        new Promise((_, reject) => setTimeout(() => reject(new Error("workers did not start")), 20000)),
      ]);
      this.mode = "workers";
    } catch (e) {
      console.warn("Web Workers unavailable, running on the page's thread:", e);
      for (const s of this.workers) s.w.terminate();
      const handler = await this.fallbackHandler((m) => this.onMessage(slot, m));
      const slot = { w: { postMessage: (m) => handler(m) }, busy: 0, index: 0, modelGen: 0 };
      // Requests run one at a time on the page, like in a worker.
      let queue = Promise.resolve();
      slot.w.postMessage = (m) => { if (m.type === "cancel") handler(m); else queue = queue.then(() => handler(m)); };
      // the requests sent to the workers meanwhile run on the page after its init
      const carried = [...this.pending.entries()].filter(([, p]) => p.msg.type !== "init");
      this.pending.clear();
      this.workers = [slot];
      const init = this.send(slot, initMsg).promise;
      for (const [id, p] of carried) {
        slot.busy++;
        this.pending.set(id, { ...p, slot });
        if (p.msg.type === "model") slot.modelGen = this.model?.gen ?? 0;
        slot.w.postMessage({ ...p.msg, id });
      }
      await init;
      this.mode = "page";
    }
  }
  onMessage(slot, msg) {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === "progress") {
      p.onProgress?.(msg.done, msg.total);
      return;
    }
    this.pending.delete(msg.id);
    slot.busy--;
    if (msg.type === "result") p.resolve(msg.result);
    else if (msg.type === "cancelled") p.reject(Object.assign(new Error("cancelled"), { cancelled: true }));
    else p.reject(Object.assign(new Error(msg.message), msg.location ? { location: msg.location } : {}));
    this.warmWhenIdle();
  }
  send(slot, msg, onProgress, transfer = []) {
    const id = this.nextId++;
    slot.busy++;
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    this.pending.set(id, { resolve, reject, onProgress, msg, slot });
    slot.w.postMessage({ ...msg, id }, transfer);
    return {
      id, promise,
      cancel: () => this.cancel(id),
      // (done, total) after each chunk of a long request
      onProgress: (fn) => { const p = this.pending.get(id); if (p) p.onProgress = fn; },
    };
  }
  // Asks the worker running request `id` to stop; if it has not stopped within CANCEL_GRACE_MS,
  // it is replaced.
  cancel(id) {
    const p = this.pending.get(id);
    if (!p) return;
    p.cancelRequested = true;
    p.slot.w.postMessage({ type: "cancel", target: id });
    if (this.mode !== "workers") return; // the page's own thread cannot be replaced
    setTimeout(() => { if (this.pending.get(id) === p) this.replace(p.slot); }, CANCEL_GRACE_MS);
  }
  // Terminates the worker of `slot` (busy with a cancelled request) and starts a fresh one in its
  // place; the requests it had that were cancelled (the one it was stuck in, and any queued behind
  // it, whose cancel the old worker never read) are rejected as cancelled, the others are sent
  // again to the new worker (after the wasm module and the current model).
  replace(slot) {
    slot.w.terminate();
    const mine = [...this.pending.entries()].filter(([, p]) => p.slot === slot);
    for (const [k, p] of mine) {
      this.pending.delete(k);
      if (p.cancelRequested) p.reject(Object.assign(new Error("cancelled"), { cancelled: true, restarted: true }));
    }
    const w = new Worker(this.worker.url, { type: this.worker.type, name: `regula-${slot.index}` });
    w.onmessage = (e) => this.onMessage(slot, e.data);
    w.onerror = (e) => console.error("worker error", e.message);
    slot.w = w;
    slot.busy = 0;
    slot.modelGen = 0;
    slot.restarts = (slot.restarts ?? 0) + 1;
    this.send(slot, this.initMsg).promise.catch((e) => console.warn("restarted worker:", e));
    this.ensureModel(slot);
    for (const m of Object.values(this.sticky ?? {})) this.send(slot, m).promise.catch((e) => console.warn("restarted worker:", e));
    for (const [k, p] of mine) {
      if (p.cancelRequested || p.msg.type === "init" || p.msg.type === "model") continue;
      slot.busy++;
      this.pending.set(k, { ...p, slot });
      slot.w.postMessage({ ...p.msg, id: k });
    }
    this.warmWhenIdle();
  }
  // Sends `msg` to every worker (and, for a worker started later in another's place, again).
  broadcast(msg) {
    (this.sticky ??= {})[msg.type] = msg;
    return Promise.all(this.workers.map((s) => this.send(s, msg).promise));
  }
  // Loads a model ({type: "model", onnx, manifest, attribution}) into the least busy worker and
  // resolves with its answer; the others load it later (warmWhenIdle, ensureModel).
  async setModel(msg) {
    if (!this.workers.length) await this.ready; // no worker could be made: the page's thread, once ready
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const prev = this.model;
    const model = { msg, gen: ++this.gen };
    this.model = model; // requests from now on run on the new model
    slot.modelGen = model.gen;
    try {
      return await this.send(slot, msg).promise;
    } catch (e) {
      // back to the previous model; this worker dropped its old one too and reloads it when needed
      if (this.model === model) this.model = prev;
      slot.modelGen = -1;
      throw e;
    }
  }
  // Sends the current model to `slot` unless it has it; requests after it wait in the worker's queue.
  ensureModel(slot) {
    if (!this.model || slot.modelGen === this.model.gen) return;
    slot.modelGen = this.model.gen;
    this.send(slot, this.model.msg).promise.catch((e) => { slot.modelGen = -1; console.warn("worker model:", e); });
  }
  // When no worker has anything to do (checked again a little later, so that a request that
  // follows at once goes first), the workers without the current model load it, and whatever
  // waits in whenIdle() goes on.
  warmWhenIdle() {
    const idle = () => this.workers.every((s) => s.busy === 0);
    if (this.warmTimer || !idle()) return;
    this.warmTimer = setTimeout(() => {
      this.warmTimer = null;
      if (!idle()) return;
      this.workers.forEach((s) => this.ensureModel(s));
      const waiting = this.idleWaiters ?? [];
      this.idleWaiters = [];
      waiting.forEach((resolve) => resolve());
    }, 50);
  }
  whenIdle() {
    return new Promise((resolve) => {
      (this.idleWaiters ??= []).push(resolve);
      this.warmWhenIdle();
    });
  }
  // Runs `msgOf(i)` on every worker i (after the current model), each its own request.
  runOnEach(msgOf) {
    return this.workers.map((slot, i) => {
      this.ensureModel(slot);
      return this.send(slot, msgOf(i));
    });
  }
  // Runs a request on the least busy worker (the one that already has the model, on a tie).
  run(msg, onProgress) {
    const cost = (s) => s.busy + (this.model && s.modelGen !== this.model.gen ? 0.5 : 0);
    const slot = this.workers.reduce((a, b) => (cost(b) < cost(a) ? b : a));
    this.ensureModel(slot);
    return this.send(slot, msg, onProgress);
  }
}

// The page's pool (set once by main.js).
export let pool = null;
export function createPool(size, worker, fallbackHandler) {
  pool = new Pool(size, worker, fallbackHandler);
  return pool;
}
