//! Test helpers: running graphs in ONNX Runtime and checking gradients against central finite
//! differences.

#![allow(dead_code)]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regula_train::Result;
use regula_train::autodiff::gradients;
use regula_train::graph::{DType, GraphBuilder, Value, fixed};
use regula_train::onnx::proto::ModelProto;
use regula_train::runtime::{self, RuntimeConfig};

pub fn rng_for(name: &str) -> ChaCha8Rng {
    let mut h = DefaultHasher::new();
    name.hash(&mut h);
    ChaCha8Rng::seed_from_u64(h.finish())
}

/// How a test input is drawn.
#[derive(Clone, Copy, Debug)]
pub enum Dist {
    /// U(−1, 1).
    Uniform,
    /// U(0.5, 1.5), for square roots, variances and divisors.
    Positive,
    /// ±U(0.2, 1), away from the kinks of ReLU and max-pool ties at 0.
    AwayFromZero,
    /// The grid `±(0.2 + 0.8·k/n)` shuffled: values at least `0.8/n` apart, so that a float32
    /// step (1e-2) moves no element past another when `n ≤ 40` (max-pool in float32).
    Spread,
}

#[derive(Clone, Debug)]
pub struct Input {
    pub shape: Vec<usize>,
    pub dist: Dist,
    /// Whether to check the gradient of this input (others are held constant).
    pub grad: bool,
}

pub fn input(shape: &[usize]) -> Input {
    Input { shape: shape.to_vec(), dist: Dist::Uniform, grad: true }
}

pub fn input_with(shape: &[usize], dist: Dist, grad: bool) -> Input {
    Input { shape: shape.to_vec(), dist, grad }
}

fn draw(rng: &mut ChaCha8Rng, dist: Dist, n: usize) -> Vec<f64> {
    let mut v: Vec<f64> = (0..n)
        .map(|k| match dist {
            Dist::Uniform => rng.random_range(-1.0..1.0),
            Dist::Positive => rng.random_range(0.5..1.5),
            Dist::AwayFromZero | Dist::Spread => {
                let m: f64 = match dist {
                    Dist::Spread => 0.2 + 0.8 * k as f64 / n as f64,
                    _ => rng.random_range(0.2..1.0),
                };
                if rng.random::<bool>() { m } else { -m }
            }
        })
        .collect();
    if let Dist::Spread = dist {
        use rand::seq::SliceRandom;
        v.shuffle(rng);
    }
    v
}

pub fn session(model: &ModelProto) -> Result<ort::session::Session> {
    runtime::session(model, &RuntimeConfig { threads: 1, ..Default::default() })
}

/// Run `model` on f64 data given in `float`; returns every output as f64, with its shape.
pub fn run(
    session: &mut ort::session::Session,
    float: DType,
    inputs: &[(String, Vec<usize>, Vec<f64>)],
    outputs: &[String],
) -> Result<Vec<(Vec<i64>, Vec<f64>)>> {
    let values: Vec<(String, ort::value::DynValue)> = inputs
        .iter()
        .map(|(n, s, d)| {
            let v = match float {
                DType::F64 => runtime::tensor_f64(s, d.clone())?,
                _ => runtime::tensor_f32(s, d.iter().map(|&x| x as f32).collect())?,
            };
            Ok((n.clone(), v))
        })
        .collect::<Result<_>>()?;
    let out = session.run(values).expect("session run");
    outputs
        .iter()
        .map(|name| match float {
            DType::F64 => runtime::to_host_f64(&out[name.as_str()]),
            _ => runtime::to_host_f32(&out[name.as_str()]).map(|(s, d)| (s, d.iter().map(|&x| x as f64).collect())),
        })
        .collect()
}

/// Outcome of one gradient check.
#[derive(Debug)]
pub struct GradReport {
    pub dtype: DType,
    /// Largest `|analytic − fd| / (atol + rtol·|fd|)` over the checked elements (≤ 1 passes).
    pub worst_ratio: f64,
    pub max_abs_err: f64,
    pub checked: usize,
}

/// Tolerances: float64 `|g − fd| ≤ 1e-6 + 1e-5·|fd|` with step 1e-6; float32 (ops whose ORT CPU
/// kernel is float-only) `|g − fd| ≤ 1e-3 + 1e-3·|fd|` with step 1e-2.
pub const F64_TOL: (f64, f64, f64) = (1e-6, 1e-6, 1e-5);
pub const F32_TOL: (f64, f64, f64) = (1e-2, 1e-3, 1e-3);

/// Check the gradient of `Σ r ⊙ f(inputs)` (random `r`) with respect to each input marked
/// `grad`, against central differences, in float64 if ORT's CPU kernels allow, else float32.
/// Also checks that each gradient ORT returns has its input's shape.
pub fn gradcheck(name: &str, inputs: &[Input], f: impl Fn(&mut GraphBuilder, &[Value]) -> Result<Value>) -> GradReport {
    match gradcheck_in(name, DType::F64, false, inputs, &f) {
        Ok(r) => r,
        Err(e) if is_missing_kernel(&e) => {
            gradcheck_in(name, DType::F32, false, inputs, &f).unwrap_or_else(|e| panic!("{name}: {e}"))
        }
        Err(e) => panic!("{name}: {e}"),
    }
}

/// [`gradcheck`] of a graph built as the train step builds its own (in float32, marked for ONNX
/// Runtime only, [`GraphBuilder::set_ort_only`]): the backward rules the step alone uses.
pub fn gradcheck_train_step(
    name: &str,
    inputs: &[Input],
    f: impl Fn(&mut GraphBuilder, &[Value]) -> Result<Value>,
) -> GradReport {
    gradcheck_in(name, DType::F32, true, inputs, &f).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn is_missing_kernel(e: &regula_train::Error) -> bool {
    let s = e.to_string();
    s.contains("NOT_IMPLEMENTED") || s.contains("Could not find an implementation")
}

fn gradcheck_in(
    name: &str,
    float: DType,
    ort_only: bool,
    inputs: &[Input],
    f: &impl Fn(&mut GraphBuilder, &[Value]) -> Result<Value>,
) -> Result<GradReport> {
    let mut rng = rng_for(name);
    let mut g = GraphBuilder::new(float);
    if ort_only {
        g.set_ort_only();
    }
    let mut vals = Vec::new();
    let mut data = Vec::new();
    for (i, inp) in inputs.iter().enumerate() {
        let dims: Vec<i64> = inp.shape.iter().map(|&d| d as i64).collect();
        let n = format!("in{i}");
        vals.push(g.input(&n, float, fixed(&dims))?);
        data.push((n, inp.shape.clone(), draw(&mut rng, inp.dist, inp.shape.iter().product())));
    }
    let out = f(&mut g, &vals)?;
    let out_shape: Vec<usize> =
        g.shape(out).iter().map(|d| d.fixed().expect("gradcheck graphs have fixed shapes") as usize).collect();
    let dims: Vec<i64> = out_shape.iter().map(|&d| d as i64).collect();
    let r = g.input("r", float, fixed(&dims))?;
    data.push(("r".into(), out_shape.clone(), draw(&mut rng, Dist::Uniform, out_shape.iter().product())));
    let proj = g.mul(out, r)?;
    let loss = g.sum_all(proj)?;
    let wrt: Vec<Value> = vals.iter().zip(inputs).filter(|(_, i)| i.grad).map(|(v, _)| *v).collect();
    let grads = gradients(&mut g, loss, None, &wrt)?;
    let mut outputs = vec![("loss".to_string(), loss)];
    for (k, gv) in grads.iter().enumerate() {
        outputs.push((format!("grad{k}"), gv.unwrap_or_else(|| panic!("{name}: no gradient for input {k}"))));
    }
    let named: Vec<(&str, Value)> = outputs.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let model = g.model(&named)?;
    let mut sess = session(&model)?;
    let out_names: Vec<String> = outputs.iter().map(|(n, _)| n.clone()).collect();
    let analytic = run(&mut sess, float, &data, &out_names)?;

    let (h, atol, rtol) = if float == DType::F64 { F64_TOL } else { F32_TOL };
    let mut report = GradReport { dtype: float, worst_ratio: 0.0, max_abs_err: 0.0, checked: 0 };
    let grad_inputs: Vec<usize> = inputs.iter().enumerate().filter(|(_, i)| i.grad).map(|(i, _)| i).collect();
    for (k, &i) in grad_inputs.iter().enumerate() {
        let (shape, grad) = &analytic[k + 1];
        let want: Vec<i64> = inputs[i].shape.iter().map(|&d| d as i64).collect();
        assert_eq!(shape, &want, "{name}: gradient of input {i} has shape {shape:?}, input has {want:?}");
        let n = grad.len();
        let picks: Vec<usize> =
            if n <= 16 { (0..n).collect() } else { (0..16).map(|_| rng.random_range(0..n)).collect() };
        for j in picks {
            let mut eval = |delta: f64| -> Result<f64> {
                let mut d = data.clone();
                d[i].2[j] += delta;
                Ok(run(&mut sess, float, &d, &out_names[..1])?[0].1[0])
            };
            let fd = (eval(h)? - eval(-h)?) / (2.0 * h);
            let err = (grad[j] - fd).abs();
            let ratio = err / (atol + rtol * fd.abs());
            report.max_abs_err = report.max_abs_err.max(err);
            report.worst_ratio = report.worst_ratio.max(ratio);
            report.checked += 1;
            assert!(ratio <= 1.0, "{name} ({float:?}): d/d in{i}[{j}] analytic {} vs finite difference {fd}", grad[j]);
        }
    }
    eprintln!("{name}: {:?}, {} elements, max |err| {:.2e}", report.dtype, report.checked, report.max_abs_err);
    Ok(report)
}

/// The lentiMPRA HepG2 slice in `tests/data`: one-hot sequences `[n, 4, 230]` and activities.
pub fn lentimpra() -> (Vec<f32>, Vec<f32>, usize) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/lentimpra_hepg2_512.tsv");
    let text = std::fs::read_to_string(path).expect("tests/data/lentimpra_hepg2_512.tsv");
    let mut x = Vec::new();
    let mut y = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "bad row {line}");
        assert_eq!(cols[1].len(), 230);
        x.extend(regula_core::encode::one_hot(cols[1].as_bytes()));
        y.push(cols[2].parse::<f32>().expect("mean_value"));
    }
    let n = y.len();
    (x, y, n)
}

pub fn pearson(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len() as f64;
    let ma = a.iter().map(|&v| v as f64).sum::<f64>() / n;
    let mb = b.iter().map(|&v| v as f64).sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (dx, dy) = (x as f64 - ma, y as f64 - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    sab / (saa * sbb).sqrt()
}

/// Run an ONNX model in tract as the browser does — with the browser's op register, only the ops
/// the predictor allows (`regula_wasm::tract_ops`) — with concrete input shapes; returns every
/// output flattened. So every graph the trainer exports in these tests is one the browser loads.
pub fn tract_run(model: &ModelProto, inputs: &[(Vec<usize>, Vec<f32>)]) -> Vec<Vec<f32>> {
    use prost::Message;
    use tract_onnx::prelude::*;
    let bytes = model.encode_to_vec();
    let mut m = regula_wasm::tract_ops::onnx().model_for_read(&mut &bytes[..]).expect("tract reads the model");
    for (i, (shape, _)) in inputs.iter().enumerate() {
        m = m.with_input_fact(i, f32::fact(shape).into()).expect("input fact");
    }
    let plan = m.into_optimized().expect("tract optimizes the model").into_runnable().expect("runnable");
    let tensors: TVec<TValue> =
        inputs.iter().map(|(s, d)| Tensor::from_shape(s, d).expect("tensor").into_tvalue()).collect();
    let out = plan.run(tensors).expect("tract runs the model");
    out.iter().map(|t| t.to_plain_array_view::<f32>().expect("f32 output").iter().copied().collect()).collect()
}

/// A file of `tests/data`.
pub fn data(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data").join(name)
}

/// The small lentiMPRA CNN the CLI tests train: one 8-channel block on the 512-row HepG2 slice.
pub fn small_lentimpra_cnn(out: &std::path::Path, epochs: usize) -> regula_train::options::FitOptions {
    regula_train::options::FitOptions {
        data: Some(data("lentimpra_hepg2_512.tsv")),
        id_column: Some("seq_id".into()),
        sequence_column: Some("seq".into()),
        target_columns: Some(vec!["mean_value".into()]),
        channels: Some(vec![8]),
        kernels: Some(vec![9]),
        pools: Some(vec![4]),
        epochs: Some(epochs),
        batch_size: Some(64),
        out: Some(out.to_path_buf()),
        ..Default::default()
    }
}
