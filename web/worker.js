// Regula's compute worker (the page keeps a pool of them, js/pool.js): js/compute.js's handler
// in a Web Worker. A module worker when served; the single-file build bundles this file with
// everything it imports into one classic worker script.
import { createHandler } from "./js/compute.js";

const handle = createHandler((m, t) => postMessage(m, t));
// Requests run one at a time, except "cancel", which must get in between chunks.
let queue = Promise.resolve();
onmessage = (event) => {
  const msg = event.data;
  if (msg.type === "cancel") handle(msg);
  else queue = queue.then(() => handle(msg));
};
