//! Window predictions spread over threads: the caller's model and `extra` worker threads, each
//! with its own model loaded from the folder into a single-threaded ONNX Runtime session. Many
//! small windows go faster side by side, one session per core, than through one session whose
//! every operator is split across the cores (2 cores, 230 bp CNN: about twice the throughput,
//! and far more on a machine shared with other work, where threads that wait for each other
//! wait long).

use std::sync::mpsc;
use std::thread::JoinHandle;

use regula_infer::Model;
use regula_infer::reference_windows::WindowBatch;

type Job = WindowBatch;
/// Per variant, reference and alternate predictions.
pub type Pairs = Vec<(Vec<f64>, Vec<f64>)>;
type Answer = Result<Pairs, String>;

/// Worker threads that predict windows.
pub struct Workers {
    jobs: Vec<mpsc::Sender<Job>>,
    answers: Vec<mpsc::Receiver<Answer>>,
    handles: Vec<JoinHandle<()>>,
    rc_average: bool,
}

impl Workers {
    /// Starts `extra` threads, each loading its model with `load` (an error in any is returned
    /// here, before any work).
    pub fn start<F>(extra: usize, load: F, rc_average: bool) -> Result<Self, String>
    where
        F: Fn() -> Result<Model, String> + Send + Clone + 'static,
    {
        let mut workers = Workers { jobs: Vec::new(), answers: Vec::new(), handles: Vec::new(), rc_average };
        for i in 0..extra {
            let (job_tx, job_rx) = mpsc::channel::<Job>();
            let (answer_tx, answer_rx) = mpsc::channel::<Answer>();
            let load = load.clone();
            let handle = std::thread::Builder::new()
                .name(format!("regula-worker-{}", i + 1))
                .spawn(move || {
                    let model = match load() {
                        Ok(m) => {
                            let _ = answer_tx.send(Ok(Vec::new()));
                            m
                        }
                        Err(e) => {
                            let _ = answer_tx.send(Err(e));
                            return;
                        }
                    };
                    while let Ok(batch) = job_rx.recv() {
                        let answer = batch.predict(&model, rc_average).map_err(|e| e.to_string());
                        if answer_tx.send(answer).is_err() {
                            return;
                        }
                    }
                })
                .map_err(|e| format!("cannot start a worker thread: {e}"))?;
            workers.jobs.push(job_tx);
            workers.answers.push(answer_rx);
            workers.handles.push(handle);
        }
        for rx in &workers.answers {
            rx.recv().map_err(|_| "a worker thread stopped while loading the model".to_string())??;
        }
        Ok(workers)
    }

    /// Threads predicting, the caller's included.
    pub fn threads(&self) -> usize {
        self.jobs.len() + 1
    }

    /// Each variant's predictions of `batch`, in order: its variants cut into one part per
    /// thread, one part predicted on `own` (the caller's model, in this thread), the others on
    /// the workers at the same time.
    pub fn predict(&self, own: &Model, batch: &WindowBatch) -> Result<Pairs, String> {
        let mut parts = batch.split(self.threads()).into_iter();
        let first = parts.next().unwrap_or_default();
        let mut sent = 0;
        for (tx, part) in self.jobs.iter().zip(parts) {
            tx.send(part).map_err(|_| "a worker thread stopped".to_string())?;
            sent += 1;
        }
        let mut pairs = first.predict(own, self.rc_average).map_err(|e| e.to_string())?;
        for rx in self.answers.iter().take(sent) {
            pairs.extend(rx.recv().map_err(|_| "a worker thread stopped".to_string())??);
        }
        Ok(pairs)
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.jobs.clear();
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}
