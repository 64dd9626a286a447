//! Every shipped model (`models/<name>/manifest.json` with its ONNX files beside it) loads, and
//! its fast mutagenesis equals full forward passes within 1e-5 at the first and last bases and a
//! sample of interior positions (all three substitutions each). Passes trivially while
//! `models/` holds no model.

use std::path::Path;

use super::common::random_dna;
use regula_core::length::LengthPolicy;
use regula_infer::ism::{Method, saturation_mutagenesis};
use regula_infer::model::Model;
use regula_infer::runtime::Backend;

pub fn shipped_models_fast_mutagenesis_matches_forward_passes(b: &dyn Backend) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models");
    let Ok(dirs) = std::fs::read_dir(&root) else { return };
    for dir in dirs.flatten().map(|d| d.path()).filter(|p| p.join("manifest.json").is_file()) {
        let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
        let parsed = regula_core::manifest::Manifest::from_json(&manifest).unwrap();
        let onnx = std::fs::read(dir.join(&parsed.model_file)).unwrap();
        let attribution = parsed.graphs.get("attribution").map(|g| std::fs::read(dir.join(&g.file)).unwrap());
        let m = Model::load(&onnx, &manifest, attribution.as_deref(), b)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let Some(_) = &m.split else {
            eprintln!("{}: fast mutagenesis unavailable: {:?}", dir.display(), m.split_error);
            continue;
        };
        let l = m.length;
        let s = random_dna(l, 99);
        let fast = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Fast).unwrap();
        let x = m.encode(&s);
        let reference = m.undo(&m.forward(&x, 1).unwrap());
        let mut positions: Vec<usize> = vec![0, 1, l / 2, l - 2, l - 1];
        positions.extend((1..=15).map(|i| i * l / 16));
        let mut worst = 0.0f64;
        for &p in &positions {
            for b in (0..4).filter(|&b| regula_core::encode::channel(s[p]) != Some(b)) {
                let mut xm = x.clone();
                for c in 0..4 {
                    xm[c * l + p] = if c == b { 1.0 } else { 0.0 };
                }
                let alt = m.undo(&m.forward(&xm, 1).unwrap());
                for k in 0..m.outputs {
                    let d = (alt[k] - reference[k] - fast.effects[k * l * 4 + p * 4 + b] as f64).abs();
                    worst = worst.max(d);
                }
            }
        }
        eprintln!("{}: fast vs forward passes at {} positions: max |diff| {worst:.2e}", dir.display(), positions.len());
        assert!(worst <= 1e-5, "{}: {worst}", dir.display());
    }
}
