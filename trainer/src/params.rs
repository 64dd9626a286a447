//! Parameters and buffers: a named store of f32 tensors, and the view a model gets of it while
//! its graph is built.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::graph::{GraphBuilder, Value, fixed};

/// A dense f32 tensor on the host.
#[derive(Clone, Debug, PartialEq)]
pub struct HostTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// Named tensors in declaration order.
#[derive(Clone, Debug, Default)]
pub struct ParamStore {
    entries: Vec<(String, HostTensor)>,
    index: HashMap<String, usize>,
}

impl ParamStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, name: &str) -> Option<&HostTensor> {
        self.index.get(name).map(|&i| &self.entries[i].1)
    }

    pub fn insert(&mut self, name: &str, tensor: HostTensor) {
        match self.index.get(name) {
            Some(&i) => self.entries[i].1 = tensor,
            None => {
                self.index.insert(name.to_string(), self.entries.len());
                self.entries.push((name.to_string(), tensor));
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &HostTensor)> {
        self.entries.iter().map(|(n, t)| (n.as_str(), t))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The named f32 initializers of a model, e.g. an exported inference graph, so training
    /// can resume from (or fine-tune) a model written earlier. Anonymous constants are skipped.
    pub fn from_model(model: &crate::onnx::proto::ModelProto) -> Self {
        let mut store = ParamStore::new();
        for t in model.graph.iter().flat_map(|g| &g.initializer) {
            let leaf = t.name.rsplit('/').next().unwrap_or_default();
            if ["const_", "ints_", "flag_"].iter().any(|p| leaf.starts_with(p)) {
                continue;
            }
            if let Some(data) = crate::onnx::tensor_values_f32(t) {
                store.insert(&t.name, HostTensor { shape: t.dims.iter().map(|&d| d as usize).collect(), data });
            }
        }
        store
    }
}

/// How a parameter starts.
#[derive(Clone, Copy, Debug)]
pub enum Init {
    Zeros,
    Ones,
    /// Kaiming-uniform as PyTorch's Conv/Linear default: U(−1/√fan_in, 1/√fan_in)·√3·gain with
    /// gain 1/√3, i.e. U(−1/√fan_in, 1/√fan_in).
    Uniform {
        fan_in: usize,
    },
    /// He normal: N(0, 2/fan_in), for layers followed by ReLU.
    HeNormal {
        fan_in: usize,
    },
    /// N(0, std²).
    Normal {
        std: f64,
    },
}

impl Init {
    fn fill(self, n: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
        match self {
            Init::Zeros => vec![0.0; n],
            Init::Ones => vec![1.0; n],
            Init::Uniform { fan_in } => {
                let b = 1.0 / (fan_in as f32).sqrt();
                (0..n).map(|_| rng.random_range(-b..b)).collect()
            }
            Init::HeNormal { fan_in } => Init::Normal { std: (2.0 / fan_in as f64).sqrt() }.fill(n, rng),
            Init::Normal { std: sd } => {
                (0..n)
                    .map(|_| {
                        // Box–Muller keeps the dependency list to rand itself.
                        let u1: f64 = rng.random_range(f64::EPSILON..1.0);
                        let u2: f64 = rng.random();
                        (sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
                    })
                    .collect()
            }
        }
    }
}

/// Whether a graph is built to train (batch statistics, dropout, parameters as inputs) or to
/// infer (running statistics, parameters as initializers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Train,
    Infer,
}

/// A buffer (e.g. a running mean) and, in a training graph, its updated value.
#[derive(Clone, Debug)]
pub struct BufferSlot {
    pub name: String,
    pub input: Value,
    pub updated: Option<Value>,
}

/// What a model sees of its parameters while its graph is built.
pub struct Params<'s> {
    mode: Mode,
    /// Infer mode only: weights become graph inputs (named as in the store) instead of
    /// initializers, so one session serves every set of weights.
    fed: bool,
    fed_names: Vec<String>,
    seed: u64,
    store: &'s mut ParamStore,
    rng: ChaCha8Rng,
    trainable: Vec<(String, Value)>,
    buffers: Vec<BufferSlot>,
}

impl<'s> Params<'s> {
    /// In `Train` mode missing entries are initialised from `seed` in declaration order, so
    /// the same model and seed always start from the same weights.
    pub fn new(mode: Mode, store: &'s mut ParamStore, seed: u64) -> Self {
        Params {
            mode,
            fed: false,
            fed_names: Vec::new(),
            seed,
            store,
            rng: ChaCha8Rng::seed_from_u64(seed),
            trainable: Vec::new(),
            buffers: Vec::new(),
        }
    }

    /// Infer mode with every parameter and buffer a graph input, in [`Params::fed`].
    pub fn infer_fed(store: &'s mut ParamStore) -> Self {
        Params { fed: true, ..Params::new(Mode::Infer, store, 0) }
    }

    /// The graph inputs an [`Params::infer_fed`] graph takes besides the data.
    pub fn fed(&self) -> &[String] {
        &self.fed_names
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The seed the graph is built with; random ops (dropout) derive theirs from it, so a
    /// training loop that varies it per epoch gets fresh, reproducible masks.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn value(&mut self, g: &mut GraphBuilder, name: &str, shape: &[usize], init: Init) -> Result<Value> {
        let n: usize = shape.iter().product();
        if self.store.get(name).is_none() {
            if self.mode == Mode::Infer {
                return Err(Error::Invalid(format!("parameter `{name}` is not in the store")));
            }
            let data = init.fill(n, &mut self.rng);
            self.store.insert(name, HostTensor { shape: shape.to_vec(), data });
        }
        let t = self.store.get(name).expect("inserted above");
        if t.shape != shape {
            return Err(Error::Invalid(format!(
                "parameter `{name}` is stored as {:?}, the model wants {shape:?}",
                t.shape
            )));
        }
        let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        match self.mode {
            Mode::Train => g.input(name, g.float(), fixed(&dims)),
            Mode::Infer if self.fed => {
                self.fed_names.push(name.to_string());
                g.input(name, g.float(), fixed(&dims))
            }
            Mode::Infer => {
                let data: Vec<f64> = t.data.iter().map(|&x| x as f64).collect();
                g.initializer(name, g.float(), &dims, &data)
            }
        }
    }

    /// A trainable parameter.
    pub fn param(&mut self, g: &mut GraphBuilder, name: &str, shape: &[usize], init: Init) -> Result<Value> {
        let v = self.value(g, name, shape, init)?;
        if self.mode == Mode::Train {
            self.trainable.push((name.to_string(), v));
        }
        Ok(v)
    }

    /// A non-trainable tensor the training graph updates (running statistics).
    pub fn buffer(&mut self, g: &mut GraphBuilder, name: &str, shape: &[usize], init: Init) -> Result<Value> {
        let v = self.value(g, name, shape, init)?;
        if self.mode == Mode::Train {
            self.buffers.push(BufferSlot { name: name.to_string(), input: v, updated: None });
        }
        Ok(v)
    }

    /// Record the value a buffer takes after this training step.
    pub fn update_buffer(&mut self, input: Value, updated: Value) -> Result<()> {
        let slot = self
            .buffers
            .iter_mut()
            .find(|b| b.input == input)
            .ok_or_else(|| Error::Invalid("update_buffer on a value that is not a buffer".into()))?;
        slot.updated = Some(updated);
        Ok(())
    }

    pub fn trainable(&self) -> &[(String, Value)] {
        &self.trainable
    }

    pub fn buffers(&self) -> &[BufferSlot] {
        &self.buffers
    }
}
