//! Training throughput of the reference CNN (see `Cnn::reference`), or of `legnet` with the
//! published sizes (`LegNet::published`, kernels as given), in samples per second.
//!
//! cargo run --release -p regula-train --example bench_train -- [--model cnn|legnet]
//!     [--stem-kernel 11] [--kernel 9] [--batch 32] [--len 230] [--threads 2] [--steps 100]
//!     [--warmup 10] [--clip 1.0] [--device cpu|cuda[:N]] [--no-spin]
//!
//! Data are random one-hot sequences and normal targets: throughput does not depend on them.
//! The PyTorch twin is `bench/reference/bench_train.py`.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regula_train::loss::Loss;
use regula_train::model::{Cnn, LegNet, Model};
use regula_train::optim::Optimizer;
use regula_train::runtime::{Device, RuntimeConfig};
use regula_train::train::{Batch, TrainConfig, Trainer};

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().unwrap_or_else(|_| panic!("bad value for {name}")))
        .unwrap_or(default)
}

fn main() -> regula_train::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let batch: usize = arg(&args, "--batch", 32);
    let len: usize = arg(&args, "--len", 230);
    let threads: usize = arg(&args, "--threads", 2);
    let steps: usize = arg(&args, "--steps", 100);
    let warmup: usize = arg(&args, "--warmup", 10);
    let device: Device = arg::<String>(&args, "--device", "cpu".into()).parse()?;

    let config = TrainConfig {
        loss: Loss::Mse,
        optimizer: Optimizer::adamw(1e-3),
        runtime: RuntimeConfig { device, threads, spin: !args.iter().any(|a| a == "--no-spin"), ..Default::default() },
        seed: 0,
    };
    let name: String = arg(&args, "--model", "cnn".to_string());
    let model: Box<dyn Model> = match name.as_str() {
        "legnet" => Box::new(LegNet {
            stem_kernel: arg(&args, "--stem-kernel", 11),
            kernels: vec![arg(&args, "--kernel", 9); 4],
            ..LegNet::published(len, 1)
        }),
        _ => Box::new(Cnn::reference(len, 1)),
    };
    let mut trainer = Trainer::new(model, config)?;
    let clip: f32 = arg(&args, "--clip", f32::INFINITY);
    trainer.set_max_grad_norm(clip.is_finite().then_some(clip));

    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let batches: Vec<(Vec<f32>, Vec<f32>)> = (0..8)
        .map(|_| {
            let mut x = vec![0.0f32; batch * 4 * len];
            for s in 0..batch {
                for p in 0..len {
                    x[s * 4 * len + rng.random_range(0..4) * len + p] = 1.0;
                }
            }
            let y = (0..batch).map(|_| rng.random_range(-1.0..1.0)).collect();
            (x, y)
        })
        .collect();
    let mut run = |n: usize| -> regula_train::Result<f32> {
        let mut loss = 0.0;
        for i in 0..n {
            let (x, y) = &batches[i % batches.len()];
            loss = trainer.step(&Batch { x, y, weight: None, n: batch })?;
        }
        Ok(loss)
    };
    run(warmup)?;
    let start = Instant::now();
    let loss = run(steps)?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "regula-train (ONNX Runtime) model={name} device={device:?} spin={} batch={batch} len={len} threads={threads} steps={steps}: \
         {:.1} samples/s, {:.2} ms/step, final loss {loss:.4}",
        !args.iter().any(|a| a == "--no-spin"),
        (steps * batch) as f64 / secs,
        1e3 * secs / steps as f64
    );
    Ok(())
}
