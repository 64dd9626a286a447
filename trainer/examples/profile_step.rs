//! Where a train step of the reference CNN (or of `legnet`, published sizes) spends its time, by
//! ONNX op type (ORT profiler).
//!
//! cargo run --release -p regula-train --example profile_step -- [--threads 1] [--steps 20]
//!     [--batch 32] [--model cnn|legnet]

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
    let t0 = std::time::Instant::now();
    for _ in 0..steps {
        let run: Vec<(&str, &ort::value::DynValue)> = inputs.iter().map(|(n, v)| (n.as_str(), v)).collect();
        let run: Vec<(&str, ort::session::SessionInputValue)> = run.into_iter().map(|(n, v)| (n, v.into())).collect();
        session.run(run)?;
    }
    println!("{:.2} ms/step ({threads} threads)", t0.elapsed().as_secs_f64() * 1e3 / steps as f64);
    let path = session.end_profiling()?;
    let events: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let mut by_op: std::collections::BTreeMap<String, (f64, usize)> = Default::default();
    let mut total = 0.0;
    for e in &events {
        if e["cat"] == "Node" && e["name"].as_str().is_some_and(|n| n.ends_with("_kernel_time")) {
            let op = e["args"]["op_name"].as_str().unwrap_or("?").to_string();
            let us = e["dur"].as_f64().unwrap_or(0.0);
            let entry = by_op.entry(op).or_default();
            entry.0 += us;
            entry.1 += 1;
            total += us;
        }
    }
    let mut nodes: std::collections::BTreeMap<String, f64> = Default::default();
    for e in &events {
        if e["cat"] == "Node" && e["name"].as_str().is_some_and(|n| n.ends_with("_kernel_time")) {
            *nodes.entry(e["name"].as_str().unwrap().trim_end_matches("_kernel_time").to_string()).or_default() +=
                e["dur"].as_f64().unwrap_or(0.0);
        }
    }
    let mut top: Vec<_> = nodes.into_iter().collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    println!("slowest nodes:");
    for (name, us) in top.iter().take(12) {
        println!("  {name:>40} {:8.3} ms/step", us / 1e3 / steps as f64);
    }
    let mut rows: Vec<_> = by_op.into_iter().collect();
    rows.sort_by(|a, b| b.1.0.total_cmp(&a.1.0));
    for (op, (us, n)) in rows {
        println!(
            "{op:>22} {:6.1}%  {:8.3} ms/step  ({} nodes)",
            100.0 * us / total,
            us / 1e3 / steps as f64,
            n / steps
        );
    }
    let _ = std::fs::remove_file(path);
    Ok(())
}
