//! Checkpoints: after every epoch the complete training state is written, so a killed run can
//! `--resume` exactly where it stopped. Tensors go to a safetensors file, the loop's own state
//! (epoch, schedule, early-stopping bookkeeping, history) to JSON; both atomically, the JSON
//! last, so a checkpoint is never half-written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, TensorView};
use serde::{Deserialize, Serialize};

use super::schedule::LrSchedule;
use crate::eval::report::EpochRecord;
use crate::params::{HostTensor, ParamStore};
use crate::train::Snapshot;

/// The loop's state after an epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoopState {
    /// Epochs completed (1-based count).
    pub epochs_done: usize,
    pub steps: u64,
    pub schedule: LrSchedule,
    pub best_metric: Option<f64>,
    pub best_epoch: usize,
    pub epochs_since_best: usize,
    pub history: Vec<EpochRecord>,
    /// The run's resolved options as TOML: resuming with other options is refused.
    pub options: String,
}

/// Where a run keeps its checkpoint.
pub struct Checkpoint {
    dir: PathBuf,
}

impl Checkpoint {
    pub fn new(out: &Path) -> Self {
        Checkpoint { dir: out.join("checkpoint") }
    }

    fn paths(&self) -> (PathBuf, PathBuf, PathBuf) {
        (self.dir.join("state.safetensors"), self.dir.join("best.safetensors"), self.dir.join("loop.json"))
    }

    /// Saves the current training state, the best parameters so far, and the loop state.
    pub fn save(&self, state: &Snapshot, best: &ParamStore, loop_state: &LoopState) -> std::io::Result<()> {
        let (state_path, best_path, loop_path) = self.paths();
        crate::atomic::write(&state_path, &encode(&state.store)?)?;
        crate::atomic::write(&best_path, &encode(best)?)?;
        let json = serde_json::to_vec_pretty(loop_state).expect("loop state serialises");
        crate::atomic::write(&loop_path, &json)
    }

    pub fn exists(&self) -> bool {
        self.paths().2.exists()
    }

    /// Loads what [`Checkpoint::save`] wrote.
    pub fn load(&self) -> Result<(Snapshot, ParamStore, LoopState), String> {
        let (state_path, best_path, loop_path) = self.paths();
        let read =
            |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read the checkpoint file {}: {e}", p.display()));
        let loop_state: LoopState = serde_json::from_slice(&read(&loop_path)?)
            .map_err(|e| format!("{} is damaged: {e}", loop_path.display()))?;
        let store = decode(&read(&state_path)?).map_err(|e| format!("{} is damaged: {e}", state_path.display()))?;
        let best = decode(&read(&best_path)?).map_err(|e| format!("{} is damaged: {e}", best_path.display()))?;
        Ok((Snapshot { store, steps: loop_state.steps }, best, loop_state))
    }
}

fn encode(store: &ParamStore) -> std::io::Result<Vec<u8>> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = store
        .iter()
        .map(|(name, t)| (name.to_string(), t.shape.clone(), t.data.iter().flat_map(|v| v.to_le_bytes()).collect()))
        .collect();
    let views: Vec<(String, TensorView)> = bytes
        .iter()
        .map(|(name, shape, data)| {
            (name.clone(), TensorView::new(Dtype::F32, shape.clone(), data).expect("shape matches data"))
        })
        .collect();
    safetensors::serialize(views, None::<HashMap<String, String>>).map_err(std::io::Error::other)
}

fn decode(bytes: &[u8]) -> Result<ParamStore, String> {
    let tensors = safetensors::SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
    let mut store = ParamStore::new();
    for (name, view) in tensors.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(format!("tensor {name} is {:?}, expected F32", view.dtype()));
        }
        let data = view.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        store.insert(&name, HostTensor { shape: view.shape().to_vec(), data });
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Schedule;

    #[test]
    fn round_trips_every_tensor_bit_for_bit() {
        let mut store = ParamStore::new();
        store.insert(
            "conv0.weight",
            HostTensor { shape: vec![2, 4, 3], data: (0..24).map(|i| (i as f32).sin() * 1e-7).collect() },
        );
        store.insert("dense.bias", HostTensor { shape: vec![1], data: vec![f32::MIN_POSITIVE] });
        let loop_state = LoopState {
            epochs_done: 3,
            steps: 42,
            schedule: LrSchedule {
                kind: Schedule::Cosine,
                peak: 1e-3,
                warmup_steps: 5,
                total_steps: 100,
                scale: 1.0,
                stalled_epochs: 0,
                factor: 2.0,
                patience: 2,
            },
            best_metric: Some(0.51234567891234),
            best_epoch: 2,
            epochs_since_best: 1,
            history: vec![],
            options: "epochs = 3\n".into(),
        };
        let dir = tempfile::tempdir().unwrap();
        let c = Checkpoint::new(dir.path());
        assert!(!c.exists());
        c.save(&Snapshot { store: store.clone(), steps: 42 }, &store, &loop_state).unwrap();
        let (snapshot, best, back) = c.load().unwrap();
        assert_eq!(back, loop_state);
        assert_eq!(snapshot.steps, 42);
        for (name, t) in store.iter() {
            assert_eq!(snapshot.store.get(name).unwrap(), t);
            assert_eq!(best.get(name).unwrap(), t);
        }
    }
}
