// The one loop for long jobs in a Web Worker: step a job in chunks, report progress after each
// chunk, and yield between chunks so that a "cancel" message gets in. Used by web/worker.js (as
// web/pkg/jobs.js, copied there by scripts/build-web.sh) and by ism-worker.js beside it.
//
// A job has step(n) (does up to n more units; true when all are done), done, total and
// finish() (the result), and optionally free() and stepPositions (the units per step it runs
// best in): the wasm package's MutagenesisJob (predictor.startMutagenesis), or listJob() below
// over a list of items. `chunk` defaults to the job's stepPositions.
//
//   const result = await runJob(job, { chunk: 50, onProgress: (done, total) => postMessage(...), cancelled: () => flag });
// A cancelled job is freed and runJob throws an Error "cancelled" with `cancelled: true`.

// One turn of the event loop, so that a message waiting in the queue (a "cancel") gets in. Not
// setTimeout(0): browsers delay a timer nested more than five deep by at least 4 ms (HTML
// standard, "timer initialisation steps"), which a scan of 20 chunks would spend idle, about
// as long as the whole scan of a small CNN. A message to a fresh channel is not delayed.
export const tick = typeof MessageChannel === "function"
  ? () => new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => { port1.close(); resolve(); };
    port2.postMessage(null);
  })
  : () => new Promise((resolve) => setTimeout(resolve, 0));

export async function runJob(job, { chunk, onProgress, cancelled }) {
  const n = chunk ?? job.stepPositions;
  for (;;) {
    if (cancelled?.()) {
      job.free?.();
      throw Object.assign(new Error("cancelled"), { cancelled: true });
    }
    const finished = job.step(n);
    onProgress?.(job.done, job.total);
    if (finished) return job.finish();
    await tick();
  }
}

// `items` as a job: each step hands the next (up to) n items to `work`, which returns an array
// of results; finish() returns all results in order.
export function listJob(items, work) {
  const out = [];
  let done = 0;
  return {
    step(n) {
      if (done < items.length) out.push(...work(items.slice(done, done + n)));
      done = Math.min(done + n, items.length);
      return done >= items.length;
    },
    get done() { return done; },
    get total() { return items.length; },
    finish: () => out,
  };
}
