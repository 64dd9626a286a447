//! The JavaScript API run as WebAssembly in Node (wasm-bindgen-test):
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!     cargo test -p regula-wasm --target wasm32-unknown-unknown --test node
//! ```

#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Float32Array, Function, Reflect};
use regula_wasm::js::{MotifSet, Predictor};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

const ONNX: &[u8] = include_bytes!("fixtures/mpra3.onnx");
const ATTRIBUTION: &[u8] = include_bytes!("fixtures/mpra3.attribution.onnx");
const MANIFEST: &str = include_str!("fixtures/mpra3.manifest.json");
const ONNX1: &[u8] = include_bytes!("fixtures/mpra1.onnx");
const MANIFEST1: &str = include_str!("fixtures/mpra1.manifest.json");
const JASPAR: &[u8] = include_bytes!("../../tests/data/jaspar2024_vertebrates_first4.jaspar");
const SEQ: &str = "AGGACCGGATCAACTTGTTTCTTAGGAAAGGCGGCCAACCCAGGGTCTCCAGTGACACGTTTCCGGGTCATCATCCGGTGGCCACAGGGAATCACAGGCTCGGTGTGACTTTCTCAGAGCGCCATGGTGCCCCTGTGGGGTTTCCCAGCCCATCCTGTCCTGTGGGACAGGCAGAGGCCCAGCCGTGTCATCGGAGTGACCTTTGAGCTCTAACCCATTGCGTGAACCGA"; // tests/data/lentimpra_hepg2_head30.tsv row 1

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap()
}

fn floats(o: &JsValue, key: &str) -> Vec<f32> {
    Float32Array::from(get(o, key)).to_vec()
}

fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn predictor() -> Predictor {
    Predictor::new(ONNX, MANIFEST, Some(ATTRIBUTION.to_vec())).map_err(JsValue::from).unwrap()
}

#[wasm_bindgen_test]
fn loads_and_predicts_with_the_policy_reported() {
    assert_eq!(SEQ.len(), 230);
    let p = predictor();
    assert_eq!(p.length(), 230);
    assert_eq!(p.targets(), vec!["task0", "task1", "task2"]);
    assert!(p.fast_unavailable().is_none());
    let out = p.predict(JsValue::from_str(&format!(">a\n{SEQ}\n>b\n{}\n", &SEQ[..200])), JsValue::UNDEFINED).map_err(JsValue::from).unwrap();
    let rows = Array::from(&out);
    assert_eq!(rows.length(), 2);
    let b = rows.get(1);
    assert_eq!(get(&get(&b, "fitting"), "action").as_string().unwrap(), "padded");
    assert_eq!(Array::from(&get(&b, "values")).length(), 3);
    let arr = Array::of1(&JsValue::from_str(SEQ));
    let again = Array::from(&p.predict(arr.into(), JsValue::UNDEFINED).map_err(JsValue::from).unwrap()).get(0);
    let (x, y) = (Array::from(&get(&again, "values")).get(0).as_f64().unwrap(), Array::from(&get(&rows.get(0), "values")).get(0).as_f64().unwrap());
    assert!((x - y).abs() < 1e-6, "{x} vs {y}");
    let named = options(&[("name", JsValue::from_str("enhancer 7")), ("sequence", JsValue::from_str(SEQ))]);
    let out = Array::from(&p.predict(Array::of2(&named, &JsValue::from_str(SEQ)).into(), JsValue::UNDEFINED).map_err(JsValue::from).unwrap());
    assert_eq!(get(&out.get(0), "name").as_string().unwrap(), "enhancer 7");
    assert_eq!(get(&out.get(1), "name").as_string().unwrap(), "sequence 2");
    let e = p.predict(Array::of1(&JsValue::from(3)).into(), JsValue::UNDEFINED).err().map(JsValue::from).unwrap();
    assert_eq!(get(&e, "message").as_string().unwrap(), "sequences[0] is neither a string nor an object with a \"sequence\" string");
}

#[wasm_bindgen_test]
fn errors_are_clear() {
    let e = Predictor::new(b"junk", MANIFEST, None).err().map(JsValue::from).unwrap();
    let msg = get(&e, "message").as_string().unwrap();
    assert!(msg.starts_with("the model file is not a readable ONNX model"), "{msg}");
    let p = predictor();
    let e = p.predict(JsValue::from_str(">a\nACGRT\n"), JsValue::UNDEFINED).err().map(JsValue::from).unwrap();
    assert_eq!(get(&e, "message").as_string().unwrap(), "record 1 'a' (line 1): position 4: IUPAC ambiguity code 'R' is not supported (only A, C, G, T and N)");
    let bad = options(&[("policy", JsValue::from_str("tile"))]);
    let e = p.predict(JsValue::from_str(SEQ), bad).err().map(JsValue::from).unwrap();
    assert!(get(&e, "message").as_string().unwrap().starts_with("options.policy: "));
}

#[wasm_bindgen_test]
fn fast_mutagenesis_matches_forward_passes_with_progress_and_cancel() {
    let p = Predictor::new(ONNX1, MANIFEST1, None).map_err(JsValue::from).unwrap();
    let calls = Array::new();
    let record = Function::new_with_args("calls", "return (d, t) => { calls.push([d, t]); return true; }").call1(&JsValue::NULL, &calls).unwrap();
    let fast = p.saturation_mutagenesis(SEQ, options(&[("chunk", JsValue::from(100)), ("onProgress", record)])).map_err(JsValue::from).unwrap();
    assert_eq!(calls.length(), 3);
    let a = floats(&fast, "effects");
    assert_eq!(a.len(), 230 * 4);
    // Naive = one forward pass per substitution, here through predict() at the first and last
    // bases and a few inside (the full comparison runs natively in tests/ism.rs).
    let value = |s: &str| -> f64 {
        let out = Array::from(&p.predict(Array::of1(&JsValue::from_str(s)).into(), JsValue::UNDEFINED).map_err(JsValue::from).unwrap());
        Array::from(&get(&out.get(0), "values")).get(0).as_f64().unwrap()
    };
    let reference = value(SEQ);
    let mut d = 0.0f64;
    for pos in [0usize, 1, 57, 115, 228, 229] {
        for (b, base) in "ACGT".chars().enumerate() {
            if SEQ.as_bytes()[pos] as char == base {
                continue;
            }
            let mut alt = SEQ.to_string();
            alt.replace_range(pos..pos + 1, &base.to_string());
            d = d.max((value(&alt) - reference - a[pos * 4 + b] as f64).abs());
        }
    }
    assert!(d <= 1e-5, "fast ISM vs forward passes in wasm: {d}");
    assert_eq!(get(&fast, "method").as_string().unwrap(), "fast");
    assert_eq!(floats(&fast, "importance").len(), 230);
    let stop = Function::new_with_args("d, t", "return d < 100;");
    let e = p.saturation_mutagenesis(SEQ, options(&[("chunk", JsValue::from(50)), ("onProgress", stop.into())])).err().map(JsValue::from).unwrap();
    assert_eq!(get(&e, "message").as_string().unwrap(), "cancelled");
    let mut job = p.start_mutagenesis(SEQ, JsValue::UNDEFINED).map_err(JsValue::from).unwrap();
    while !job.step(64).map_err(JsValue::from).unwrap() {}
    assert_eq!((job.done(), job.total()), (230, 230));
    let stepped = job.finish().map_err(JsValue::from).unwrap();
    let d = floats(&stepped, "effects").iter().zip(&a).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    assert!(d <= 1e-6);
}

#[wasm_bindgen_test]
fn variants_attributions_and_motifs() {
    let p = predictor();
    let r = p.score_variants(SEQ, "5 C>G\n6 A>T\n", options(&[("reverseComplement", JsValue::TRUE)])).map_err(JsValue::from).unwrap();
    let scores = Array::from(&get(&r, "scores"));
    assert!(get(&scores.get(0), "error").is_undefined());
    assert_eq!(Array::from(&get(&scores.get(0), "difference")).length(), 3);
    assert_eq!(get(&scores.get(1), "error").as_string().unwrap(), "line 2: REF A at position 6 does not match the sequence, which has C");
    let g = p.gradient_times_input(SEQ, JsValue::UNDEFINED).map_err(JsValue::from).unwrap();
    assert_eq!(floats(&g, "perPosition").len(), 3 * 230);
    assert_eq!(floats(&g, "perChannel").len(), 3 * 4 * 230);
    let ig = p.integrated_gradients(SEQ, options(&[("steps", JsValue::from(16))])).map_err(JsValue::from).unwrap();
    assert!(floats(&ig, "completenessGap").iter().all(|g| g.abs() < 1e-2));
    let set = MotifSet::new(JASPAR).map_err(JsValue::from).unwrap();
    assert_eq!(set.length(), 4);
    let attr = Float32Array::from(&floats(&g, "perPosition")[..230]);
    let hits = p_hits(&set, attr);
    assert!(hits.length() > 0);
    let filters = Array::from(&p.filter_motifs(&set, Some(2)).map_err(JsValue::from).unwrap());
    assert_eq!(filters.length(), 8);
    assert_eq!(Array::from(&get(&filters.get(0), "matches")).length(), 2);
}

fn p_hits(set: &MotifSet, attr: Float32Array) -> Array {
    Array::from(&set.highlights(SEQ, Some(0.01), Some(attr)).map_err(JsValue::from).unwrap())
}

#[wasm_bindgen_test]
fn check_sequences_still_works() {
    let v = regula_wasm::check_sequences(">a\nACGTN\n").map_err(JsValue::from).unwrap();
    assert_eq!(get(&Array::from(&v).get(0), "n_count").as_f64(), Some(1.0));
    assert!(!regula_wasm::version().is_empty());
}
