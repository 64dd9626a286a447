//! CUDA parity and speed of `legnet` training: the same initial weights and batches trained for
//! `--steps` steps on the CPU and on CUDA; prints the loss of every step on both, the largest
//! relative difference, and CUDA training samples/s; exits non-zero if the final losses differ
//! by more than `--tolerance` (relative). `just gpu-check` runs it (scripts/gpu-check.sh).
//!
//! cargo run --release -p regula-train --example gpu_check -- [--steps 50] [--batch 256]
//!     [--threads 0] [--device cuda:0] [--tolerance 1e-3] [--timed 30] [--out RESULT.json]

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regula_train::loss::Loss;
use regula_train::model::LegNet;
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
    let steps: usize = arg(&args, "--steps", 50);
    let batch: usize = arg(&args, "--batch", 256);
    let threads: usize = arg(&args, "--threads", 0);
    let timed: usize = arg(&args, "--timed", 30);
    let tolerance: f64 = arg(&args, "--tolerance", 1e-3);
    let device: Device = arg::<String>(&args, "--device", "cuda:0".into()).parse()?;
    let out: Option<String> = args.iter().position(|a| a == "--out").and_then(|i| args.get(i + 1)).cloned();
    let len = 230;

    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let batches: Vec<(Vec<f32>, Vec<f32>)> = (0..8)
        .map(|_| {
            let mut x = vec![0.0f32; batch * 4 * len];
            for s in 0..batch {
                for p in 0..len {
                    x[s * 4 * len + rng.random_range(0..4) * len + p] = 1.0;
                }
            }
            (x, (0..batch).map(|_| rng.random_range(-1.0..1.0)).collect())
        })
        .collect();
    let config = |device| TrainConfig {
        loss: Loss::Mse,
        optimizer: Optimizer::adamw(1e-3),
        runtime: RuntimeConfig { device, threads, ..Default::default() },
        seed: 0,
    };
    let train = |trainer: &mut Trainer<LegNet>, n: usize| -> regula_train::Result<(Vec<f32>, f64)> {
        let mut losses = Vec::with_capacity(n);
        let start = Instant::now();
        for i in 0..n {
            let (x, y) = &batches[i % batches.len()];
            losses.push(trainer.step(&Batch { x, y, weight: None, n: batch })?);
        }
        Ok((losses, start.elapsed().as_secs_f64()))
    };

    let mut cpu = Trainer::new(LegNet::published(len, 1), config(Device::Cpu))?;
    cpu.set_max_grad_norm(Some(1.0));
    let initial = cpu.params()?.clone();
    let (cpu_losses, cpu_secs) = train(&mut cpu, steps)?;
    eprintln!("cpu: {steps} steps in {cpu_secs:.1} s");

    let mut gpu = Trainer::with_params(LegNet::published(len, 1), initial.clone(), config(device))?;
    gpu.set_max_grad_norm(Some(1.0));
    let (gpu_losses, _) = train(&mut gpu, steps)?;
    // Throughput: a fresh CUDA trainer, warmed up, then `timed` steps.
    let mut timing = Trainer::with_params(LegNet::published(len, 1), initial, config(device))?;
    timing.set_max_grad_norm(Some(1.0));
    train(&mut timing, 5)?;
    let (_, secs) = train(&mut timing, timed)?;
    let cuda_rate = (timed * batch) as f64 / secs;

    let rel = |a: f32, b: f32| ((a - b).abs() as f64) / (a.abs() as f64).max(1e-12);
    let worst = cpu_losses.iter().zip(&gpu_losses).map(|(&a, &b)| rel(a, b)).fold(0.0, f64::max);
    let last = rel(*cpu_losses.last().expect("steps > 0"), *gpu_losses.last().expect("steps > 0"));
    for (i, (a, b)) in cpu_losses.iter().zip(&gpu_losses).enumerate() {
        println!("step {:>3}: cpu {a:.6}  cuda {b:.6}  rel diff {:.2e}", i + 1, rel(*a, *b));
    }
    let ok = last <= tolerance;
    println!(
        "legnet (published sizes) batch {batch}: final-loss relative difference {last:.2e} (worst step {worst:.2e}, tolerance {tolerance:.0e}): {}; ORT CUDA {cuda_rate:.1} samples/s, ORT CPU {:.1} samples/s",
        if ok { "PASS" } else { "FAIL" },
        (steps * batch) as f64 / cpu_secs
    );
    if let Some(path) = out {
        let json = format!(
            "{{\"batch\": {batch}, \"steps\": {steps}, \"final_rel_diff\": {last:e}, \"worst_rel_diff\": {worst:e}, \"tolerance\": {tolerance:e}, \"pass\": {ok}, \"ort_cuda_samples_per_s\": {cuda_rate:.3}, \"ort_cpu_samples_per_s\": {:.3}, \"cpu_losses\": {cpu_losses:?}, \"cuda_losses\": {gpu_losses:?}}}\n",
            (steps * batch) as f64 / cpu_secs
        );
        std::fs::write(&path, json).map_err(|e| regula_train::Error::Invalid(format!("writing {path}: {e}")))?;
    }
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}
