//! Where a train step of the reference CNN (or of `legnet`, published sizes) spends its time, by
//! part of the step (forward, loss, backward, optimizer: the node scopes `build_step_graph`
//! gives) and by ONNX op type (ORT profiler), and the process's peak resident memory.
//!
//! cargo run --release -p regula-train --example profile_step -- [--threads 1] [--steps 20]
//!     [--batch 32] [--model cnn|legnet]
//!
//! Steps run with the profiler on after one warm-up step; times are ORT's per-node kernel times.

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use regula_train::loss::Loss;
use regula_train::model::{Cnn, LegNet, Model};
use regula_train::optim::Optimizer;
use regula_train::params::ParamStore;
use regula_train::runtime::{self, RuntimeConfig};
use regula_train::train::{StateKind, TrainConfig, build_step_graph};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str, d: usize| args.iter().position(|a| a == name).map_or(d, |i| args[i + 1].parse().unwrap());
    let (threads, steps, batch, len) = (get("--threads", 1), get("--steps", 20), get("--batch", 32), 230);
    let model: Box<dyn Model> = match args.iter().position(|a| a == "--model").map(|i| args[i + 1].as_str()) {
        Some("legnet") => Box::new(LegNet::published(len, 1)),
        _ => Box::new(Cnn::reference(len, 1)),
    };
    let config =
        TrainConfig { loss: Loss::Mse, optimizer: Optimizer::adamw(1e-3), runtime: RuntimeConfig::default(), seed: 0 };
    let mut store = ParamStore::new();
    let step = build_step_graph(&model, &mut store, &config)?;
    let prefix = std::env::temp_dir().join("regula_step_profile");
    let mut session = Session::builder(runtime::environment()?)?
        .with_optimization_level(GraphOptimizationLevel::All)?
        .with_intra_threads(threads)?
        .with_profiling(&prefix)?
        .commit_from_memory(&regula_train::onnx::encode_model(&step.model))?;
    let mut inputs: Vec<(String, ort::value::DynValue)> = vec![
        ("x".into(), runtime::tensor_f32(&[batch, 4, len], vec![0.25; batch * 4 * len])?),
        ("y".into(), runtime::tensor_f32(&[batch, 1], vec![0.5; batch])?),
        ("weight".into(), runtime::tensor_f32(&[batch, 1], vec![1.0; batch])?),
    ];
    // The step graph's hyper-parameter inputs: the optimizer's, then the gradient-norm clip (legnet's
    // recipe clips at 1; the reference CNN's does not clip).
    let clip = if args.iter().any(|a| a == "legnet") { 1.0 } else { f32::INFINITY };
    let mut hyper = config.optimizer.hyper_values(1, 1e-3);
    hyper.push(clip);
    for (name, v) in step.hyper.iter().zip(hyper) {
        inputs.push((name.clone(), runtime::tensor_f32(&[], vec![v])?));
    }
    for s in &step.state {
        let data = match s.kind {
            StateKind::OptimizerSlot => vec![0.0; s.shape.iter().product()],
            _ => store.get(&s.name).unwrap().data.clone(),
        };
        inputs.push((s.name.clone(), runtime::tensor_f32(&s.shape, data)?));
    }
    // One warm-up step (allocations), left out of the times below.
    let mut t0 = std::time::Instant::now();
    for i in 0..=steps {
        if i == 1 {
            t0 = std::time::Instant::now();
        }
        let run: Vec<(&str, &ort::value::DynValue)> = inputs.iter().map(|(n, v)| (n.as_str(), v)).collect();
        let run: Vec<(&str, ort::session::SessionInputValue)> = run.into_iter().map(|(n, v)| (n, v.into())).collect();
        session.run(run)?;
    }
    println!("{:.2} ms/step ({threads} threads)", t0.elapsed().as_secs_f64() * 1e3 / steps as f64);
    let path = session.end_profiling()?;
    let events: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let warm_end = events
        .iter()
        .find(|e| e["name"] == "model_run")
        .map_or(0.0, |e| e["ts"].as_f64().unwrap_or(0.0) + e["dur"].as_f64().unwrap_or(0.0));
    let events: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["ts"].as_f64().is_some_and(|ts| ts >= warm_end)).collect();
    // Per node: its kernel time in each profiled step, op type and input shapes. A node's time
    // is its fastest step: on a machine shared with other work, the slower steps measure the
    // other work.
    struct Node {
        op: String,
        shapes: String,
        us: Vec<f64>,
    }
    let mut nodes: std::collections::BTreeMap<String, Node> = Default::default();
    for e in events.iter() {
        let Some(name) = e["name"].as_str().and_then(|n| n.strip_suffix("_kernel_time")) else { continue };
        if e["cat"] != "Node" {
            continue;
        }
        let node = nodes.entry(name.to_string()).or_insert_with(|| Node {
            op: e["args"]["op_name"].as_str().unwrap_or("?").to_string(),
            shapes: e["args"]["input_type_shape"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m.as_object()?.values().next().map(|v| v.to_string()))
                .collect::<Vec<_>>()
                .join(" "),
            us: vec![],
        });
        node.us.push(e["dur"].as_f64().unwrap_or(0.0));
    }
    let ms = |n: &Node| n.us.iter().copied().fold(f64::INFINITY, f64::min) / 1e3;
    let total: f64 = nodes.values().map(ms).sum();
    println!("sum of the nodes' fastest kernel times: {total:.1} ms/step");
    let mut top: Vec<_> = nodes.iter().collect();
    top.sort_by(|a, b| ms(b.1).total_cmp(&ms(a.1)));
    println!("slowest nodes (ms/step):");
    for (name, n) in top.iter().take(std::env::var("TOP").ok().and_then(|v| v.parse().ok()).unwrap_or(25)) {
        println!("  {name:>40} {:8.2}  {}", ms(n), n.shapes);
    }
    // Parts: the first scope of a node's name; the model's own scopes (stem, stage0, head, ...)
    // are the forward pass; nodes ORT's optimizer made (fused) keep no scope.
    let part = |name: &str| match name.split_once('/').map(|(p, _)| p) {
        Some(p @ ("loss" | "backward" | "optimizer")) => p.to_string(),
        Some(_) => "forward".to_string(),
        None => "unscoped (fused by ORT)".to_string(),
    };
    let mut by_op: std::collections::BTreeMap<String, (f64, usize)> = Default::default();
    let mut by_part: std::collections::BTreeMap<String, f64> = Default::default();
    let mut by_part_op: std::collections::BTreeMap<(String, String), f64> = Default::default();
    for (name, n) in &nodes {
        let entry = by_op.entry(n.op.clone()).or_default();
        entry.0 += ms(n);
        entry.1 += 1;
        *by_part.entry(part(name)).or_default() += ms(n);
        *by_part_op.entry((part(name), n.op.clone())).or_default() += ms(n);
    }
    let mut rows: Vec<_> = by_op.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.total_cmp(&a.1.0));
    println!("by op type:");
    for (op, (t, count)) in rows {
        println!("{op:>22} {:6.1}%  {t:8.2} ms/step  ({count} nodes)", 100.0 * t / total);
    }
    println!("by part:");
    for (p, t) in &by_part {
        println!("{p:>24} {:6.1}%  {t:8.2} ms/step", 100.0 * t / total);
        let mut ops: Vec<_> = by_part_op.iter().filter(|((q, _), _)| q == p).collect();
        ops.sort_by(|a, b| b.1.total_cmp(a.1));
        for ((_, op), t) in ops.iter().take(6) {
            println!("{op:>30} {t:8.2} ms/step");
        }
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!("peak resident memory: {}", line.trim_start_matches("VmHWM:").trim());
    }
    let _ = std::fs::remove_file(path);
    Ok(())
}
