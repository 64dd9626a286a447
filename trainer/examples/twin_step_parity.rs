//! The first training steps of `legnet` (published sizes) in Regula, from weights and batches
//! that its PyTorch twin then trains from too: `bench/reference/step_parity.py DIR` runs the twin
//! (bench/reference/reference.py's LegNet, torch AdamW, `clip_grad_norm_`) on the same initial
//! weights and batches and compares the losses of every step and the weights after the last.
//! Training-mode batch norm, squeeze-excitation, SiLU, the grouped convolutions, pooling, the
//! head, the loss, clipping and AdamW are all in one step, so a difference anywhere shows.
//!
//! cargo run --release -p regula-train --example twin_step_parity -- --out DIR [--steps 5]
//!     [--batch 32] [--lr 0.01] [--weight-decay 0.1] [--clip 1.0] [--threads 1] [--batches DIR]
//!
//! With `--batches DIR` the batches are not random: they are read from DIR/x.f32, DIR/y.f32 and
//! DIR/lrs.json (`{"batch": n, "lrs": [...]}`, one learning rate per step), as
//! `bench/reference/batch_parity.py` writes them from real rows with the twin's augmentation and
//! one-cycle schedule; every step goes through the weighted loss that `fit` uses.
//!
//! Writes into DIR: `initial.safetensors`, `final.safetensors` (every parameter and batch-norm
//! running statistic, the trainer's names), `x.f32` / `y.f32` (the batches, little-endian
//! `[steps·batch, 4, 230]` / `[steps·batch, 1]`) and `regula.json` (settings and losses).

use std::collections::HashMap;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regula_train::loss::Loss;
use regula_train::model::LegNet;
use regula_train::optim::Optimizer;
use regula_train::params::ParamStore;
use regula_train::runtime::RuntimeConfig;
use regula_train::train::{Batch, TrainConfig, Trainer};
use safetensors::{Dtype, tensor::TensorView};

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().unwrap_or_else(|_| panic!("bad value for {name}")))
        .unwrap_or(default)
}

/// The store's parameters and running statistics (not the optimizer's slots) as safetensors.
fn save(store: &ParamStore, path: &Path) {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = store
        .iter()
        .filter(|(name, _)| !name.starts_with("exp_avg"))
        .map(|(name, t)| (name.to_string(), t.shape.clone(), t.data.iter().flat_map(|v| v.to_le_bytes()).collect()))
        .collect();
    let views: Vec<(String, TensorView)> = bytes
        .iter()
        .map(|(name, shape, data)| (name.clone(), TensorView::new(Dtype::F32, shape.clone(), data).unwrap()))
        .collect();
    std::fs::write(path, safetensors::serialize(views, None::<HashMap<String, String>>).unwrap()).unwrap();
}

fn main() -> regula_train::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let given: Option<String> =
        args.iter().position(|a| a == "--batches").map(|_| arg(&args, "--batches", String::new()));
    let schedule: Option<(usize, Vec<f32>)> = given.as_ref().map(|dir| {
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(Path::new(dir).join("lrs.json")).expect("lrs.json")).unwrap();
        let lrs = json["lrs"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
        (json["batch"].as_u64().unwrap() as usize, lrs)
    });
    let steps: usize = schedule.as_ref().map_or_else(|| arg(&args, "--steps", 5), |(_, lrs)| lrs.len());
    let n: usize = schedule.as_ref().map_or_else(|| arg(&args, "--batch", 32), |(n, _)| *n);
    let lr: f32 = arg(&args, "--lr", 0.01);
    let weight_decay: f32 = arg(&args, "--weight-decay", 0.1);
    let clip: f32 = arg(&args, "--clip", 1.0);
    let threads: usize = arg(&args, "--threads", 1);
    let out = std::path::PathBuf::from(arg::<String>(&args, "--out", "twin-step-parity".into()));
    std::fs::create_dir_all(&out).unwrap();
    let len = 230;

    let config = TrainConfig {
        loss: Loss::Mse,
        optimizer: Optimizer::AdamW { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay },
        runtime: RuntimeConfig { threads, ..Default::default() },
        seed: 1,
    };
    let mut trainer = Trainer::new(LegNet::published(len, 1), config)?;
    trainer.set_max_grad_norm(Some(clip));
    save(&trainer.snapshot()?.store, &out.join("initial.safetensors"));

    // Random one-hot sequences and targets (the targets depend on the GC content, so there is
    // something to learn).
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (mut x, mut y) = (vec![0f32; steps * n * 4 * len], vec![0f32; steps * n]);
    if let Some(dir) = &given {
        let floats = |name: &str| -> Vec<f32> {
            let bytes = std::fs::read(Path::new(dir).join(name)).expect(name);
            bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
        };
        (x, y) = (floats("x.f32"), floats("y.f32"));
        assert_eq!((x.len(), y.len()), (steps * n * 4 * len, steps * n), "x.f32 / y.f32 sizes");
    }
    for i in 0..if given.is_some() { 0 } else { steps * n } {
        let mut gc = 0.0;
        for p in 0..len {
            let b = rng.random_range(0..4);
            x[i * 4 * len + b * len + p] = 1.0;
            gc += f32::from(b == 1 || b == 2);
        }
        y[i] = (gc / len as f32 - 0.5) * 8.0 + rng.random_range(-0.5..0.5);
    }
    let mut losses = Vec::new();
    for s in 0..steps {
        let batch = Batch { x: &x[s * n * 4 * len..(s + 1) * n * 4 * len], y: &y[s * n..(s + 1) * n], weight: None, n };
        losses.push(match &schedule {
            Some((_, lrs)) => {
                let ones = vec![1.0; n];
                trainer.step_with_lr(&Batch { weight: Some(&ones), ..batch }, lrs[s])?
            }
            None => trainer.step(&batch)?,
        });
    }
    save(&trainer.snapshot()?.store, &out.join("final.safetensors"));
    let bytes = |v: &[f32]| v.iter().flat_map(|f| f.to_le_bytes()).collect::<Vec<u8>>();
    std::fs::write(out.join("x.f32"), bytes(&x)).unwrap();
    std::fs::write(out.join("y.f32"), bytes(&y)).unwrap();
    let json = serde_json::json!({
        "model": "LegNet::published(230, 1)", "steps": steps, "batch": n, "length": len, "lr": lr,
        "weight_decay": weight_decay, "clip": clip, "losses": losses,
        "lrs": schedule.map(|(_, lrs)| lrs),
    });
    std::fs::write(out.join("regula.json"), serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    println!("regula losses: {losses:?} -> {}", out.display());
    Ok(())
}
