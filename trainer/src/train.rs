//! The train step: one graph computing forward, loss, backward and the optimizer update, run
//! once per mini-batch. Parameters, buffers and optimizer state are graph inputs whose updated
//! values are graph outputs; the trainer feeds each step's outputs to the next step's inputs
//! through an IoBinding whose outputs are allocated on the session's device, so on CUDA they
//! never leave the GPU.

use ort::session::Session;
use ort::value::DynValue;

use crate::autodiff::gradients;
use crate::error::{Error, OrtContext, Result};
use crate::export::{self, Predictor};
use crate::graph::{DType, Dim, GraphBuilder, Value};
use crate::loss::Loss;
use crate::model::Model;
use crate::onnx::attr_int;
use crate::onnx::proto::ModelProto;
use crate::optim::Optimizer;
use crate::params::{HostTensor, Mode, ParamStore, Params};
use crate::runtime::{self, RuntimeConfig};

/// Input names of the train-step graph besides the state.
pub const TARGET: &str = "y";
pub const WEIGHT: &str = "weight";
pub const LOSS: &str = "loss";
/// Scalar input of the train-step graph: the global gradient-norm threshold.
pub const MAX_GRAD_NORM: &str = "max_grad_norm";

#[derive(Clone, Copy, Debug)]
pub struct TrainConfig {
    pub loss: Loss,
    pub optimizer: Optimizer,
    pub runtime: RuntimeConfig,
    /// Seed of the parameter initialisation.
    pub seed: u64,
}

/// One mini-batch on the host, row-major: `x` `[n, ..input_shape]`, `y` and the optional
/// `weight` `[n, outputs]`.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    pub x: &'a [f32],
    pub y: &'a [f32],
    pub weight: Option<&'a [f32]>,
    pub n: usize,
}

/// What kind of state tensor a slot of the train-step graph carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateKind {
    Param,
    Buffer,
    OptimizerSlot,
}

/// A tensor that is both an input and (updated) an output of the train-step graph.
#[derive(Clone, Debug)]
pub struct StateSlot {
    pub name: String,
    pub kind: StateKind,
    pub shape: Vec<usize>,
    pub output: String,
}

/// The train-step graph and the names of its state.
#[derive(Clone, Debug)]
pub struct StepGraph {
    pub model: ModelProto,
    pub state: Vec<StateSlot>,
    pub hyper: Vec<String>,
}

/// Build the train-step graph of `model`, initialising missing parameters in `store`.
pub fn build_step_graph(model: &dyn Model, store: &mut ParamStore, config: &TrainConfig) -> Result<StepGraph> {
    let mut g = GraphBuilder::new(DType::F32);
    g.set_ort_only();
    let x = g.input(export::INPUT, DType::F32, export::input_shape(model))?;
    let out_shape = vec![Dim::Sym(export::BATCH.into()), Dim::Fixed(model.outputs() as i64)];
    let y = g.input(TARGET, DType::F32, out_shape.clone())?;
    let w = g.input(WEIGHT, DType::F32, out_shape)?;

    let mut p = Params::new(Mode::Train, store, config.seed);
    let pred = model.forward(&mut g, &mut p, x)?;
    let loss = g.scoped("loss", |g| config.loss.build(g, pred, y, Some(w)))?;
    let trainable: Vec<(String, Value)> = p.trainable().to_vec();
    let buffers = p.buffers().to_vec();
    drop(p);

    let wrt: Vec<Value> = trainable.iter().map(|(_, v)| *v).collect();
    // Scopes name the nodes of each part (`backward/…`, `optimizer/…`), which profiles read.
    let grads = g.scoped("backward", |g| gradients(g, loss, None, &wrt))?;
    let grads: Vec<Value> = trainable
        .iter()
        .zip(grads)
        .map(|((name, _), grad)| {
            grad.ok_or_else(|| Error::Invalid(format!("the loss does not depend on parameter `{name}`")))
        })
        .collect::<Result<_>>()?;
    if grads.is_empty() {
        return Err(Error::Invalid("the model has no trainable parameters".into()));
    }
    let shape_of = |store: &ParamStore, name: &str| store.get(name).expect("declared").shape.clone();
    let shapes: Vec<Vec<usize>> = trainable.iter().map(|(name, _)| shape_of(store, name)).collect();
    // The optimizer updates all parameters as one flat vector: a few passes over it instead of a
    // dozen small nodes per parameter tensor (legnet has 77), and one norm for clipping.
    let flat_grad = g.scoped("optimizer", |g| flatten(g, &grads, &shapes))?;
    let flat_grad = g.scoped("optimizer", |g| clip_by_global_norm(g, flat_grad))?;

    let opt = config.optimizer;
    let hyper: Vec<Value> =
        opt.hyper_inputs().iter().map(|name| g.input(name, DType::F32, vec![])).collect::<Result<_>>()?;

    let mut state = Vec::new();
    let mut outputs: Vec<(String, Value)> = vec![(LOSS.into(), loss), (export::OUTPUT.into(), pred)];
    let mut slot_inputs: Vec<Vec<Value>> = vec![Vec::new(); opt.slots().len()];
    for ((name, _), shape) in trainable.iter().zip(&shapes) {
        let dims: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        for (slot, inputs) in opt.slots().iter().zip(&mut slot_inputs) {
            let slot_name = format!("{slot}/{name}");
            inputs.push(g.input(&slot_name, DType::F32, crate::graph::fixed(&dims))?);
            state.push(StateSlot {
                name: slot_name.clone(),
                kind: StateKind::OptimizerSlot,
                shape: shape.clone(),
                output: format!("{slot_name}.next"),
            });
        }
        state.push(StateSlot {
            name: name.clone(),
            kind: StateKind::Param,
            shape: shape.clone(),
            output: format!("{name}.next"),
        });
    }
    let (new_params, new_slots) = g.scoped("optimizer", |g| -> Result<(Vec<Value>, Vec<Vec<Value>>)> {
        let params: Vec<Value> = trainable.iter().map(|(_, v)| *v).collect();
        let flat_params = flatten(g, &params, &shapes)?;
        let flat_slots: Vec<Value> = slot_inputs.iter().map(|s| flatten(g, s, &shapes)).collect::<Result<_>>()?;
        let (p, slots) = opt.update(g, &hyper, flat_params, flat_grad, &flat_slots)?;
        Ok((unflatten(g, p, &shapes)?, slots.into_iter().map(|s| unflatten(g, s, &shapes)).collect::<Result<_>>()?))
    })?;
    for (i, (name, _)) in trainable.iter().enumerate() {
        outputs.push((format!("{name}.next"), new_params[i]));
        for (slot, values) in opt.slots().iter().zip(&new_slots) {
            outputs.push((format!("{slot}/{name}.next"), values[i]));
        }
    }
    for b in &buffers {
        let updated = b.updated.ok_or_else(|| Error::Invalid(format!("buffer `{}` is never updated", b.name)))?;
        outputs.push((format!("{}.next", b.name), updated));
        state.push(StateSlot {
            name: b.name.clone(),
            kind: StateKind::Buffer,
            shape: shape_of(store, &b.name),
            output: format!("{}.next", b.name),
        });
    }
    let named: Vec<(&str, Value)> = outputs.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let mut hyper: Vec<String> = opt.hyper_inputs().iter().map(|s| s.to_string()).collect();
    hyper.push(MAX_GRAD_NORM.into());
    Ok(StepGraph { model: g.model(&named)?, state, hyper })
}

/// The tensors `values` (shaped `shapes`) as one flat vector, in order.
fn flatten(g: &mut GraphBuilder, values: &[Value], shapes: &[Vec<usize>]) -> Result<Value> {
    let flat: Vec<Value> = values.iter().map(|&v| g.raw_reshape(v, &[-1])).collect::<Result<_>>()?;
    if flat.len() == 1 {
        return Ok(flat[0]);
    }
    let total: usize = shapes.iter().map(|s| s.iter().product::<usize>()).sum();
    Ok(g.emit1("Concat", &flat, vec![attr_int("axis", 0)], g.float(), vec![Dim::Fixed(total as i64)]))
}

/// The inverse of [`flatten`]: the flat vector cut into tensors shaped `shapes`.
fn unflatten(g: &mut GraphBuilder, flat: Value, shapes: &[Vec<usize>]) -> Result<Vec<Value>> {
    let sizes: Vec<i64> = shapes.iter().map(|s| s.iter().product::<usize>() as i64).collect();
    let parts = if sizes.len() == 1 {
        vec![flat]
    } else {
        let split = g.const_i64(&sizes);
        let outs = sizes.iter().map(|&n| (g.float(), vec![Dim::Fixed(n)])).collect();
        g.emit("Split", &[flat, split], vec![attr_int("axis", 0)], outs)
    };
    parts
        .into_iter()
        .zip(shapes)
        .map(|(v, shape)| g.raw_reshape(v, &shape.iter().map(|&d| d as i64).collect::<Vec<_>>()))
        .collect()
}

/// Scales the (flat) gradient by `min(1, max_grad_norm / ‖g‖)`, `‖g‖` the norm over every
/// parameter together. The threshold is a graph input, fed each step (+∞ turns clipping off), so
/// the same graph serves runs with and without it.
fn clip_by_global_norm(g: &mut GraphBuilder, grad: Value) -> Result<Value> {
    let max_norm = g.input(MAX_GRAD_NORM, DType::F32, vec![])?;
    let sum_sq = g.raw_reduce("ReduceSumSquare", grad, &[0], false)?;
    let norm = g.raw_unary("Sqrt", sum_sq);
    let eps = g.scalar(1e-6);
    let norm = g.raw_add(norm, eps)?;
    let ratio = g.raw_binary("Div", max_norm, norm)?;
    let one = g.scalar(1.0);
    let scale = g.raw_binary("Min", ratio, one)?;
    g.raw_mul(grad, scale)
}

/// The complete training state between steps: every state tensor of the train-step graph by
/// name (parameters, buffers, optimizer slots) and the number of steps taken.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub store: ParamStore,
    pub steps: u64,
}

/// Trains a model: owns its train-step session and its state between steps.
pub struct Trainer<M: Model> {
    model: M,
    config: TrainConfig,
    store: ParamStore,
    store_current: bool,
    graph: StepGraph,
    session: Session,
    state: Vec<DynValue>,
    steps: u64,
    max_grad_norm: f32,
    sessions_built: usize,
}

/// The state tensors of `graph` from `store`; optimizer slots missing there start at zero.
fn state_values(graph: &StepGraph, store: &ParamStore) -> Result<Vec<DynValue>> {
    graph
        .state
        .iter()
        .map(|s| {
            let data = match (s.kind.clone(), store.get(&s.name)) {
                (StateKind::OptimizerSlot, None) => vec![0.0; s.shape.iter().product()],
                (_, Some(t)) if t.shape == s.shape => t.data.clone(),
                (_, Some(t)) => {
                    return Err(Error::Invalid(format!(
                        "snapshot holds `{}` as {:?}, the model wants {:?}",
                        s.name, t.shape, s.shape
                    )));
                }
                (_, None) => unreachable!("parameters and buffers are declared while building"),
            };
            runtime::tensor_f32(&s.shape, data)
        })
        .collect()
}

impl<M: Model> Trainer<M> {
    /// A trainer with freshly initialised parameters.
    pub fn new(model: M, config: TrainConfig) -> Result<Self> {
        Self::with_params(model, ParamStore::new(), config)
    }

    /// A trainer starting from `store` (missing entries are initialised).
    pub fn with_params(model: M, store: ParamStore, config: TrainConfig) -> Result<Self> {
        Self::from_snapshot(model, Snapshot { store, steps: 0 }, config)
    }

    /// A trainer continuing exactly from a [`Snapshot`]: parameters, buffers, optimizer slots
    /// (zero where the snapshot has none) and the step count that drives bias correction.
    pub fn from_snapshot(model: M, snapshot: Snapshot, config: TrainConfig) -> Result<Self> {
        let Snapshot { mut store, steps } = snapshot;
        let graph = build_step_graph(&model, &mut store, &config)?;
        let session = runtime::session(&graph.model, &config.runtime)?;
        let state = state_values(&graph, &store)?;
        Ok(Trainer {
            model,
            config,
            store,
            store_current: true,
            graph,
            session,
            state,
            steps,
            max_grad_norm: f32::INFINITY,
            sessions_built: 1,
        })
    }

    /// Continue from `snapshot` with `config`, as [`Trainer::from_snapshot`] would, but keep the
    /// ONNX Runtime session when the train-step graph is unchanged (it changes only with the
    /// seed of a random op such as dropout, or with the runtime). Building a session for a
    /// large model costs seconds; a run calls this once per epoch.
    pub fn restart(&mut self, snapshot: Snapshot, config: TrainConfig) -> Result<()> {
        let Snapshot { mut store, steps } = snapshot;
        let graph = build_step_graph(&self.model, &mut store, &config)?;
        let same_runtime = format!("{:?}", config.runtime) == format!("{:?}", self.config.runtime);
        if !(same_runtime && graph.model == self.graph.model) {
            self.session = runtime::session(&graph.model, &config.runtime)?;
            self.sessions_built += 1;
        }
        self.state = state_values(&graph, &store)?;
        self.graph = graph;
        self.store = store;
        self.store_current = true;
        self.steps = steps;
        self.config = config;
        Ok(())
    }

    /// How many ONNX Runtime sessions this trainer has built.
    pub fn sessions_built(&self) -> usize {
        self.sessions_built
    }

    /// Everything needed to continue training later, copied from the session's device.
    pub fn snapshot(&mut self) -> Result<Snapshot> {
        let mut store = self.params()?.clone();
        for (slot, value) in self.graph.state.iter().zip(&self.state) {
            if slot.kind == StateKind::OptimizerSlot {
                let (_, data) = runtime::to_host_f32(value)?;
                store.insert(&slot.name, HostTensor { shape: slot.shape.clone(), data });
            }
        }
        Ok(Snapshot { store, steps: self.steps })
    }

    pub fn model(&self) -> &M {
        &self.model
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The train-step graph (forward, loss, backward, update).
    pub fn step_graph(&self) -> &StepGraph {
        &self.graph
    }

    /// Clip the global gradient norm to `max` from the next step on (`None`: no clipping).
    pub fn set_max_grad_norm(&mut self, max: Option<f32>) {
        self.max_grad_norm = max.unwrap_or(f32::INFINITY);
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// One optimizer step at the configured learning rate; returns the batch loss before the
    /// update.
    pub fn step(&mut self, batch: &Batch) -> Result<f32> {
        self.step_with_lr(batch, self.config.optimizer.lr())
    }

    /// One optimizer step at learning rate `lr` (for schedules).
    pub fn step_with_lr(&mut self, batch: &Batch, lr: f32) -> Result<f32> {
        let n = batch.n;
        let mut xshape = vec![n];
        xshape.extend(self.model.input_shape());
        let yshape = vec![n, self.model.outputs()];
        let ylen = n * self.model.outputs();
        if batch.x.len() != xshape.iter().product::<usize>()
            || batch.y.len() != ylen
            || batch.weight.is_some_and(|w| w.len() != ylen)
        {
            return Err(Error::Invalid(format!("batch of {n}: x must be {xshape:?}, y and weight {yshape:?}")));
        }
        let x = runtime::tensor_f32(&xshape, batch.x.to_vec())?;
        let y = runtime::tensor_f32(&yshape, batch.y.to_vec())?;
        let w = runtime::tensor_f32(&yshape, batch.weight.map_or_else(|| vec![1.0; ylen], <[f32]>::to_vec))?;
        let mut hyper = self.config.optimizer.hyper_values(self.steps + 1, lr);
        hyper.push(self.max_grad_norm);

        let ctx = || "binding train-step inputs".to_string();
        let mut binding = self.session.create_binding().ctx(ctx)?;
        binding.bind_input(export::INPUT, &x).ctx(ctx)?;
        binding.bind_input(TARGET, &y).ctx(ctx)?;
        binding.bind_input(WEIGHT, &w).ctx(ctx)?;
        for (name, &v) in self.graph.hyper.iter().zip(&hyper) {
            binding.bind_input(name, &runtime::tensor_f32(&[], vec![v])?).ctx(ctx)?;
        }
        for (slot, value) in self.graph.state.iter().zip(&self.state) {
            binding.bind_input(&slot.name, value).ctx(ctx)?;
        }
        let device = self.config.runtime.device.memory_info()?;
        let host = runtime::Device::Cpu.memory_info()?;
        binding.bind_output_to_device(LOSS, &host).ctx(ctx)?;
        for slot in &self.graph.state {
            binding.bind_output_to_device(&slot.output, &device).ctx(ctx)?;
        }
        let mut outputs = self.session.run_binding(&binding).ctx(|| format!("train step {}", self.steps + 1))?;
        let loss = runtime::to_host_f32(&outputs[LOSS])?.1[0];
        for (slot, value) in self.graph.state.iter().zip(self.state.iter_mut()) {
            *value =
                outputs.remove(&slot.output).ok_or_else(|| Error::Invalid(format!("no output `{}`", slot.output)))?;
        }
        self.steps += 1;
        self.store_current = false;
        Ok(loss)
    }

    /// Current parameters and buffers, copied from the session's device.
    pub fn params(&mut self) -> Result<&ParamStore> {
        if !self.store_current {
            for (slot, value) in self.graph.state.iter().zip(&self.state) {
                if slot.kind != StateKind::OptimizerSlot {
                    let (_, data) = runtime::to_host_f32(value)?;
                    self.store.insert(&slot.name, HostTensor { shape: slot.shape.clone(), data });
                }
            }
            self.store_current = true;
        }
        Ok(&self.store)
    }

    /// The inference graph of the current parameters.
    pub fn inference_graph(&mut self) -> Result<ModelProto> {
        self.params()?;
        export::inference_graph(&self.model, &self.store)
    }

    /// The attribution graph of the current parameters.
    pub fn attribution_graph(&mut self) -> Result<ModelProto> {
        self.params()?;
        export::attribution_graph(&self.model, &self.store)
    }

    /// A predictor running the current inference graph on the trainer's device.
    pub fn predictor(&mut self) -> Result<Predictor> {
        let graph = self.inference_graph()?;
        Predictor::new(&graph, self.model.input_shape(), &self.config.runtime)
    }
}
