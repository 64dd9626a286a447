//! Native prediction of a two-segment (dual-branch) model equals the trainer's own evaluation
//! path: the numbers in wasm/tests/fixtures/dual.expected.json were written by
//! `trainer/examples/make_dual_fixture.rs` through `fit::evaluate::predict_rows`.

use std::path::{Path, PathBuf};

use regula_core::length::LengthPolicy;
use regula_train::exported::ExportedModel;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../wasm/tests/fixtures")
}

/// The fixture as a model folder (manifest.json beside its graphs).
fn dual_model(dir: &Path) -> ExportedModel {
    for f in ["dual.onnx", "dual.attribution.onnx"] {
        std::fs::copy(fixtures().join(f), dir.join(f)).unwrap();
    }
    std::fs::copy(fixtures().join("dual.manifest.json"), dir.join("manifest.json")).unwrap();
    ExportedModel::load(dir, &Default::default()).unwrap()
}

fn expected() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("dual.expected.json")).unwrap()).unwrap()
}

#[test]
fn pairs_predict_as_the_trainer_evaluates_them_on_one_strand_and_averaged() {
    let dir = tempfile::tempdir().unwrap();
    let mut model = dual_model(dir.path());
    let expected = expected();
    let pairs = expected["pairs"].as_array().unwrap();
    let records: Vec<(&str, Vec<&[u8]>)> = pairs
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                vec![p["promoter"].as_str().unwrap().as_bytes(), p["distal"].as_str().unwrap().as_bytes()],
            )
        })
        .collect();
    for (rc, key) in [(false, "values"), (true, "values_rc_average")] {
        let got = model.predict_segments(&records, None, rc).unwrap();
        let mut worst = 0.0f64;
        for (p, g) in pairs.iter().zip(&got) {
            assert_eq!(g.fittings.len(), 2);
            for (want, have) in p[key].as_array().unwrap().iter().zip(&g.values) {
                worst = worst.max((want.as_f64().unwrap() - have).abs());
            }
        }
        assert!(worst < 1e-5, "{key}: max |native − expected| = {worst:e}");
    }
}

#[test]
fn a_dual_model_says_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let mut model = dual_model(dir.path());
    let seq = vec![b'A'; 120];
    let err = model.predict(&[("lonely", &seq)], None, false).unwrap_err().to_string();
    assert!(
        err.ends_with("reads 2 sequences per prediction (promoter, then distal); give each record its partner"),
        "{err}"
    );
    let err = model.predict_segments(&[("lonely", vec![&seq[..]])], None, false).unwrap_err().to_string();
    assert!(err.ends_with("record 'lonely' gives 1 sequence(s); dual reads 2 per prediction"), "{err}");
    let tile = LengthPolicy::Tile { stride: 10, padding: regula_core::length::Padding::N };
    let err =
        model.predict_segments(&[("p", vec![&seq[..], &seq[..80]])], Some(&[tile]), false).unwrap_err().to_string();
    assert!(err.ends_with("tiling is for one-sequence models; crop or pad each segment instead"), "{err}");
}
