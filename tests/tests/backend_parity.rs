//! The two backends of the inference layer give the same numbers: ONNX Runtime (native CLI) and
//! tract (the browser's engine, here natively) on every committed test model and every shipped
//! model — predictions (tiled and strand-averaged), fast saturation mutagenesis, variant effects,
//! gradient×input and attention maps — within 1e-5 of the largest value compared.

use std::path::{Path, PathBuf};

use regula_core::length::{LengthPolicy, Padding};
use regula_core::variant::Coordinates;
use regula_infer::Model;
use regula_infer::attribution::{for_item, gradient_times_input};
use regula_infer::ism::{IsmRun, Method};
use regula_infer::predict::{Item, predict_averaged};
use regula_infer::runtime::Backend;
use regula_infer::variants::score_variants_in;
use regula_train::ort_backend::OnnxRuntime;
use regula_wasm::tract::Tract;

#[path = "../../infer/tests/suite/common.rs"]
mod common;
use common::random_dna;

const TOL: f64 = 1e-5;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Name, ONNX bytes, manifest and attribution bytes of a model.
type ModelFiles = (String, Vec<u8>, String, Option<Vec<u8>>);

/// The fixtures and the shipped models.
fn models() -> Vec<ModelFiles> {
    let mut out = Vec::new();
    let fixtures = root().join("infer/tests/fixtures");
    for name in ["mpra1", "mpra3", "reference1000", "dual", "attn1"] {
        let read = |f: String| std::fs::read(fixtures.join(f)).unwrap();
        let manifest = String::from_utf8(read(format!("{name}.manifest.json"))).unwrap();
        out.push((
            name.to_string(),
            read(format!("{name}.onnx")),
            manifest,
            Some(read(format!("{name}.attribution.onnx"))),
        ));
    }
    for dir in std::fs::read_dir(root().join("models")).unwrap().flatten().map(|d| d.path()) {
        let Ok(manifest) = std::fs::read_to_string(dir.join("manifest.json")) else { continue };
        let parsed = regula_core::manifest::Manifest::from_json(&manifest).unwrap();
        let onnx = std::fs::read(dir.join(&parsed.model_file)).unwrap();
        let attribution = parsed.graphs.get("attribution").map(|g| std::fs::read(dir.join(&g.file)).unwrap());
        out.push((parsed.name.clone(), onnx, manifest, attribution));
    }
    out
}

fn assert_close(what: &str, a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = a.iter().chain(b).fold(1.0f64, |m, v| m.max(v.abs()));
    let d = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
    assert!(d <= TOL * scale, "{what}: ONNX Runtime and tract differ by {d:e} (scale {scale})");
}

fn f64s(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

/// Everything the layer computes for `model`, as flat lists of numbers with their names.
fn outputs(model: &Model) -> Vec<(String, Vec<f64>)> {
    let n = model.segments.len();
    let item = |seed: u64, scale: f64| -> Vec<Vec<u8>> {
        model.segments.iter().map(|s| random_dna((s.length as f64 * scale) as usize, seed)).collect()
    };
    let padding = Padding::N;
    let mut out = Vec::new();
    // Exact, padded and (one-segment models) tiled inputs, one strand and both.
    let mut cases: Vec<(&str, Vec<LengthPolicy>, Item)> = vec![
        ("exact", vec![LengthPolicy::Exact; n], ("a".into(), item(1, 1.0))),
        ("padded", vec![LengthPolicy::Pad { padding: padding.clone() }; n], ("b".into(), item(2, 0.8))),
    ];
    if n == 1 {
        let tile = LengthPolicy::Tile { stride: model.length / 3, padding };
        cases.push(("tiled", vec![tile], ("c".into(), item(3, 2.5))));
    }
    for (what, policies, it) in &cases {
        for rc in [false, true] {
            let p = predict_averaged(model, vec![it.clone()], policies, rc).unwrap();
            out.push((format!("predict {what} rc={rc}"), p[0].values.clone()));
        }
    }
    // Fast (where the graph allows) mutagenesis of an exact window, strand-averaged too.
    let exact = vec![LengthPolicy::Exact; n];
    let it = item(4, 1.0);
    let r = IsmRun::new_item(model, &it, &exact, Method::Fast).unwrap().run_to_end(model, 64, |_, _| true).unwrap();
    out.push(("ism".into(), f64s(&r.effects)));
    if n == 1 {
        let r = IsmRun::with_strands(model, &it[0], &exact[0], Method::Fast, true)
            .unwrap()
            .run_to_end(model, 64, |_, _| true)
            .unwrap();
        out.push(("ism rc".into(), f64s(&r.effects)));
    }
    // Variant effects, an SNV and a deletion.
    let s = &it[0];
    let other = |b: u8| if b == b'A' { 'C' } else { 'A' };
    let text =
        format!("10 {}>{}\n20 {}{}>{}\n", s[9] as char, other(s[9]), s[19] as char, s[20] as char, s[19] as char);
    let policies = vec![LengthPolicy::PadOrCrop { padding: Padding::N }; n];
    let v = score_variants_in(model, &it, 0, &text, &Coordinates::default(), &policies, true).unwrap();
    for sc in &v.scores {
        assert!(sc.error.is_none(), "{:?}", sc.error);
        out.push((format!("variant line {}", sc.line), sc.difference.clone()));
    }
    if model.attribution.is_some() {
        let (a, ..) = for_item(model, &it, &exact, gradient_times_input).unwrap();
        out.push(("gradient×input".into(), f64s(&a.per_channel)));
    }
    // The attention map (models with an attention block), per head.
    if model.attention.is_ok() {
        let a = regula_infer::attention::attention_map(model, &it[0], &exact[0], 0, 0).unwrap();
        out.push(("attention".into(), f64s(&a.per_head)));
    }
    out
}

#[test]
fn onnx_runtime_and_tract_agree_on_every_model() {
    let ort = OnnxRuntime::new(regula_train::runtime::RuntimeConfig { threads: 1, ..Default::default() });
    let backends: [&dyn Backend; 2] = [&ort, &Tract];
    let all = models();
    assert!(all.len() >= 4, "the fixtures are there");
    for (name, onnx, manifest, attribution) in &all {
        let [a, b] = backends.map(|backend| {
            let m = Model::load(onnx, manifest, attribution.as_deref(), backend)
                .unwrap_or_else(|e| panic!("{name} on {}: {e}", backend.name()));
            outputs(&m)
        });
        for ((what, x), (_, y)) in a.iter().zip(&b) {
            assert_close(&format!("{name}: {what}"), x, y);
        }
        eprintln!("{name}: {} comparisons agree", a.len());
    }
}

/// MaxPool over `[N, C, L]` as the trainer exports it, on both backends and against the
/// definition, for kernels, strides and paddings the shipped models do not all use: tract's
/// Regula build pools 1-D inputs on its own row-span path (vendor/tract-core.patch), which must
/// pick exactly the values ONNX Runtime's does, padding never winning.
#[test]
fn max_pool_1d_picks_the_same_values_on_both_backends() {
    use regula_train::graph::{DType, GraphBuilder, fixed};
    use regula_train::ops::pool::{Pool1d, PoolKind};
    let ort = OnnxRuntime::new(regula_train::runtime::RuntimeConfig { threads: 1, ..Default::default() });
    let (n, c, len) = (3usize, 5usize, 23usize);
    // Distinct values, all negative, so a padded zero or an unwritten output would be seen.
    let x: Vec<f32> = (0..n * c * len).map(|i| -1.0 - ((i * 7919) % 1009) as f32 / 100.0).collect();
    for (kernel, stride, pads) in [(4, 4, [0, 0]), (2, 2, [0, 1]), (3, 1, [1, 1]), (5, 2, [2, 2]), (3, 2, [0, 0])] {
        let pool = Pool1d { kind: PoolKind::Max, kernel, stride, pads };
        let mut g = GraphBuilder::new(DType::F32);
        let input = g.input("x", DType::F32, fixed(&[n as i64, c as i64, len as i64])).unwrap();
        let y = g.pool1d(input, pool).unwrap();
        let bytes = regula_train::onnx::encode_model(&g.model(&[("y", y)]).unwrap());
        let out_len = (len as i64 + pads[0] + pads[1] - kernel) / stride + 1;
        let expected: Vec<f32> = (0..n * c)
            .flat_map(|row| {
                let x = &x[row * len..][..len];
                (0..out_len).map(move |t| {
                    let taps =
                        (t * stride - pads[0]..t * stride - pads[0] + kernel).filter(|&s| s >= 0 && s < len as i64);
                    taps.map(|s| x[s as usize]).fold(f32::MIN, f32::max)
                })
            })
            .collect();
        for backend in [&ort as &dyn Backend, &Tract] {
            let graph = backend.graph(regula_infer::graph::read_model(&bytes).unwrap(), false).unwrap();
            let out = graph.run(&x, n, &[c, len]).unwrap();
            assert_eq!(out[0].shape, [n, c, out_len as usize], "{}, {pool:?}", backend.name());
            assert_eq!(out[0].data, expected, "{}, {pool:?}", backend.name());
        }
    }
}
