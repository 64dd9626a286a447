//! The JavaScript API run as WebAssembly in Node (wasm-bindgen-test):
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!     cargo test -p regula-wasm --target wasm32-unknown-unknown --test node
//! ```

#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Float32Array, Function, Reflect};
use regula_wasm::js::{MotifSet, Predictor};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

// Every allocation starts as NaN bytes: reading memory never written shows up here.
#[path = "support/poisoned.rs"]
mod poisoned;

const ONNX: &[u8] = include_bytes!("../../infer/tests/fixtures/mpra3.onnx");
const ATTRIBUTION: &[u8] = include_bytes!("../../infer/tests/fixtures/mpra3.attribution.onnx");
const MANIFEST: &str = include_str!("../../infer/tests/fixtures/mpra3.manifest.json");
const ONNX1: &[u8] = include_bytes!("../../infer/tests/fixtures/mpra1.onnx");
const MANIFEST1: &str = include_str!("../../infer/tests/fixtures/mpra1.manifest.json");
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
    let out = p
        .predict(JsValue::from_str(&format!(">a\n{SEQ}\n>b\n{}\n", &SEQ[..200])), JsValue::UNDEFINED)
        .map_err(JsValue::from)
        .unwrap();
    let rows = Array::from(&out);
    assert_eq!(rows.length(), 2);
    let b = rows.get(1);
    assert_eq!(get(&get(&b, "fitting"), "action").as_string().unwrap(), "padded");
    assert_eq!(Array::from(&get(&b, "values")).length(), 3);
    let arr = Array::of1(&JsValue::from_str(SEQ));
    let again = Array::from(&p.predict(arr.into(), JsValue::UNDEFINED).map_err(JsValue::from).unwrap()).get(0);
    let (x, y) = (
        Array::from(&get(&again, "values")).get(0).as_f64().unwrap(),
        Array::from(&get(&rows.get(0), "values")).get(0).as_f64().unwrap(),
    );
    assert!((x - y).abs() < 1e-6, "{x} vs {y}");
    let named = options(&[("name", JsValue::from_str("enhancer 7")), ("sequence", JsValue::from_str(SEQ))]);
    let out = Array::from(
        &p.predict(Array::of2(&named, &JsValue::from_str(SEQ)).into(), JsValue::UNDEFINED)
            .map_err(JsValue::from)
            .unwrap(),
    );
    assert_eq!(get(&out.get(0), "name").as_string().unwrap(), "enhancer 7");
    assert_eq!(get(&out.get(1), "name").as_string().unwrap(), "sequence 2");
    let e = p.predict(Array::of1(&JsValue::from(3)).into(), JsValue::UNDEFINED).err().map(JsValue::from).unwrap();
    assert_eq!(
        get(&e, "message").as_string().unwrap(),
        "sequences[0] is neither a string nor an object with a \"sequence\" string"
    );
}

#[wasm_bindgen_test]
fn errors_are_clear() {
    let e = Predictor::new(b"junk", MANIFEST, None).err().map(JsValue::from).unwrap();
    let msg = get(&e, "message").as_string().unwrap();
    assert!(msg.starts_with("the model file is not a readable ONNX model"), "{msg}");
    let p = predictor();
    let e = p.predict(JsValue::from_str(">a\nACGRT\n"), JsValue::UNDEFINED).err().map(JsValue::from).unwrap();
    assert_eq!(
        get(&e, "message").as_string().unwrap(),
        "record 1 'a' (line 1): position 4: IUPAC ambiguity code 'R' is not supported (only A, C, G, T and N)"
    );
    let bad = options(&[("policy", JsValue::from_str("tile"))]);
    let e = p.predict(JsValue::from_str(SEQ), bad).err().map(JsValue::from).unwrap();
    assert!(get(&e, "message").as_string().unwrap().starts_with("options.policy: "));
}

#[wasm_bindgen_test]
fn fast_mutagenesis_matches_forward_passes_with_progress_and_cancel() {
    let p = Predictor::new(ONNX1, MANIFEST1, None).map_err(JsValue::from).unwrap();
    let calls = Array::new();
    let record = Function::new_with_args("calls", "return (d, t) => { calls.push([d, t]); return true; }")
        .call1(&JsValue::NULL, &calls)
        .unwrap();
    let fast = p
        .saturation_mutagenesis(
            JsValue::from_str(SEQ),
            options(&[("chunk", JsValue::from(100)), ("onProgress", record)]),
        )
        .map_err(JsValue::from)
        .unwrap();
    assert_eq!(calls.length(), 3);
    let a = floats(&fast, "effects");
    assert_eq!(a.len(), 230 * 4);
    // Naive = one forward pass per substitution, here through predict() at the first and last
    // bases and a few inside (the full comparison runs natively in tests/ism.rs).
    let value = |s: &str| -> f64 {
        let out = Array::from(
            &p.predict(Array::of1(&JsValue::from_str(s)).into(), JsValue::UNDEFINED).map_err(JsValue::from).unwrap(),
        );
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
    let e = p
        .saturation_mutagenesis(
            JsValue::from_str(SEQ),
            options(&[("chunk", JsValue::from(50)), ("onProgress", stop.into())]),
        )
        .err()
        .map(JsValue::from)
        .unwrap();
    assert_eq!(get(&e, "message").as_string().unwrap(), "cancelled");
    let mut job = p.start_mutagenesis(JsValue::from_str(SEQ), JsValue::UNDEFINED).map_err(JsValue::from).unwrap();
    while !job.step(64).map_err(JsValue::from).unwrap() {}
    assert_eq!((job.done(), job.total()), (230, 230));
    let stepped = job.finish().map_err(JsValue::from).unwrap();
    let d = floats(&stepped, "effects").iter().zip(&a).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    assert!(d <= 1e-6);
}

#[wasm_bindgen_test]
fn variants_attributions_and_motifs() {
    let p = predictor();
    let r = p
        .score_variants(JsValue::from_str(SEQ), "5 C>G\n6 A>T\n", options(&[("reverseComplement", JsValue::TRUE)]))
        .map_err(JsValue::from)
        .unwrap();
    let scores = Array::from(&get(&r, "scores"));
    assert!(get(&scores.get(0), "error").is_undefined());
    assert_eq!(Array::from(&get(&scores.get(0), "difference")).length(), 3);
    assert_eq!(
        get(&scores.get(1), "error").as_string().unwrap(),
        "line 2: REF A at position 6 does not match the sequence, which has C"
    );
    let g = p.gradient_times_input(JsValue::from_str(SEQ), JsValue::UNDEFINED).map_err(JsValue::from).unwrap();
    assert_eq!(floats(&g, "perPosition").len(), 3 * 230);
    assert_eq!(floats(&g, "perChannel").len(), 3 * 4 * 230);
    let ig = p
        .integrated_gradients(JsValue::from_str(SEQ), options(&[("steps", JsValue::from(16))]))
        .map_err(JsValue::from)
        .unwrap();
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

const DUAL_ONNX: &[u8] = include_bytes!("../../infer/tests/fixtures/dual.onnx");
const DUAL_ATTRIBUTION: &[u8] = include_bytes!("../../infer/tests/fixtures/dual.attribution.onnx");
const DUAL_MANIFEST: &str = include_str!("../../infer/tests/fixtures/dual.manifest.json");
const DUAL_EXPECTED: &str = include_str!("../../infer/tests/fixtures/dual.expected.json");

fn message(e: wasm_bindgen::JsError) -> String {
    get(&JsValue::from(e), "message").as_string().unwrap()
}

fn values(row: &JsValue) -> Vec<f64> {
    Array::from(&get(row, "values")).iter().map(|v| v.as_f64().unwrap()).collect()
}

fn assert_native(got: &[f64], want: &serde_json::Value, what: &str) {
    let want: Vec<f64> = want.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(got.len(), want.len());
    for (a, b) in got.iter().zip(&want) {
        assert!((a - b).abs() <= 1e-5, "{what}: wasm {a} vs native {b}");
    }
}

#[wasm_bindgen_test]
fn two_segment_model_in_node_equals_native() {
    let e: serde_json::Value = serde_json::from_str(DUAL_EXPECTED).unwrap();
    let p = Predictor::new(DUAL_ONNX, DUAL_MANIFEST, Some(DUAL_ATTRIBUTION.to_vec())).map_err(JsValue::from).unwrap();
    assert_eq!(p.length(), 200);
    let segs = Array::from(&p.segments().map_err(JsValue::from).unwrap());
    assert_eq!(get(&segs.get(1), "name").as_string().unwrap(), "distal");
    assert_eq!(get(&segs.get(1), "offset").as_f64(), Some(120.0));
    let pair = &e["pairs"][0];
    let (prom, dist) = (pair["promoter"].as_str().unwrap(), pair["distal"].as_str().unwrap());
    // {name, promoter, distal}, [promoter, distal] and paired FASTA records all give the native values.
    let obj = options(&[
        ("name", JsValue::from_str("pair A")),
        ("promoter", JsValue::from_str(prom)),
        ("distal", JsValue::from_str(dist)),
    ]);
    let arr: JsValue = Array::of2(&JsValue::from_str(prom), &JsValue::from_str(dist)).into();
    let out =
        Array::from(&p.predict(Array::of2(&obj, &arr).into(), JsValue::UNDEFINED).map_err(JsValue::from).unwrap());
    assert_eq!(get(&out.get(0), "name").as_string().unwrap(), "pair A");
    assert_eq!(get(&out.get(1), "name").as_string().unwrap(), "sequence 2");
    assert_eq!(Array::from(&get(&out.get(0), "segments")).length(), 2);
    assert_native(&values(&out.get(0)), &pair["values"], "object item");
    assert_native(&values(&out.get(1)), &pair["values"], "array item");
    let fasta = format!(
        ">p1\n{prom}\n>d1\n{dist}\n>p2\n{}\n>d2\n{}\n",
        e["pairs"][1]["promoter"].as_str().unwrap(),
        e["pairs"][1]["distal"].as_str().unwrap()
    );
    let out = Array::from(&p.predict(JsValue::from_str(&fasta), JsValue::UNDEFINED).map_err(JsValue::from).unwrap());
    assert_eq!((out.length(), get(&out.get(1), "name").as_string().unwrap()), (2, "p2".to_string()));
    assert_native(&values(&out.get(1)), &e["pairs"][1]["values"], "paired FASTA");
    let both = options(&[("reverseComplement", JsValue::TRUE)]);
    let out = Array::from(&p.predict(Array::of1(&obj).into(), both).map_err(JsValue::from).unwrap());
    assert_native(&values(&out.get(0)), &pair["values_rc_average"], "both strands");
    // A policy per segment by name: the promoter cropped from a longer sequence.
    let longer = format!("ACGTA{prom}CGTAC");
    let obj_long = options(&[("promoter", JsValue::from_str(&longer)), ("distal", JsValue::from_str(dist))]);
    let crop = options(&[("policy", options(&[("promoter", options(&[("policy", JsValue::from_str("crop"))]))]))]);
    let out = Array::from(&p.predict(Array::of1(&obj_long).into(), crop).map_err(JsValue::from).unwrap());
    assert_native(&values(&out.get(0)), &pair["values"], "promoter cropped back to the pair");
    // Errors say what was expected.
    let e1 = p.predict(Array::of1(&JsValue::from_str(prom)).into(), JsValue::UNDEFINED).err().map(message).unwrap();
    assert_eq!(
        e1,
        "sequences[0] gives one sequence, but this model reads two sequences (promoter, then distal) per prediction: pass {promoter, distal} or [promoter, distal]"
    );
    let e2 = p.predict(JsValue::from_str(&format!(">p\n{prom}\n")), JsValue::UNDEFINED).err().map(message).unwrap();
    assert_eq!(
        e2,
        "this model reads two sequences (promoter, then distal) per prediction, so FASTA records go in pairs (promoter, then distal); got 1 record"
    );
    let half = options(&[("promoter", JsValue::from_str(prom))]);
    let e3 = p.saturation_mutagenesis(half.clone(), JsValue::UNDEFINED).err().map(message).unwrap();
    assert_eq!(e3, "the input has no \"distal\" sequence; this model reads two sequences (promoter, then distal)");
    let single = Predictor::new(ONNX1, MANIFEST1, None).map_err(JsValue::from).unwrap();
    let e4 = single.predict(Array::of1(&obj).into(), JsValue::UNDEFINED).err().map(message).unwrap();
    assert_eq!(
        e4,
        "sequences[0] gives 2 sequences, but this model reads one sequence per prediction; pass a single sequence"
    );
    let e5 = single.gradient_times_input(arr.clone(), JsValue::UNDEFINED).err().map(message).unwrap();
    assert_eq!(
        e5,
        "the input gives 2 sequences, but this model reads one sequence per prediction; pass a single sequence"
    );

    // Mutagenesis of both segments, stepped as in a worker, against the native mutants: fast,
    // each segment through its own trunk with the other fixed.
    let mut job =
        p.start_mutagenesis(obj.clone(), options(&[("chunk", JsValue::from(64))])).map_err(JsValue::from).unwrap();
    while !job.step(64).map_err(JsValue::from).unwrap() {}
    assert_eq!(job.method(), "fast");
    let r = job.finish().map_err(JsValue::from).unwrap();
    assert!(get(&r, "fallback_reason").is_null() || get(&r, "fallback_reason").is_undefined());
    let effects = floats(&r, "effects");
    assert_eq!(effects.len(), 2 * 200 * 4);
    let rsegs = Array::from(&get(&r, "segments"));
    for mu in e["mutations"].as_array().unwrap() {
        let s = if mu["segment"] == "promoter" { 0 } else { 1 };
        let offset = get(&rsegs.get(s), "offset").as_f64().unwrap() as usize;
        let pos = offset + mu["position"].as_u64().unwrap() as usize - 1;
        let b = "ACGT".find(mu["alternate"].as_str().unwrap()).unwrap();
        let got = [effects[pos * 4 + b] as f64, effects[200 * 4 + pos * 4 + b] as f64];
        assert_native(&got, &mu["effects"], &format!("ISM {} {}", mu["segment"], mu["position"]));
    }
    // A variant in the distal segment equals the native mutant.
    let mu = e["mutations"].as_array().unwrap().iter().find(|m| m["segment"] == "distal").unwrap();
    let line =
        format!("{} {}>{}\n", mu["position"], mu["reference"].as_str().unwrap(), mu["alternate"].as_str().unwrap());
    let v = p
        .score_variants(obj.clone(), &line, options(&[("segment", JsValue::from_str("distal"))]))
        .map_err(JsValue::from)
        .unwrap();
    assert_eq!(get(&v, "segment").as_string().unwrap(), "distal");
    let d: Vec<f64> = Array::from(&get(&Array::from(&get(&v, "scores")).get(0), "difference"))
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_native(&d, &mu["effects"], "distal variant");
    let bad = p
        .score_variants(obj.clone(), &line, options(&[("segment", JsValue::from_str("enhancer"))]))
        .err()
        .map(message)
        .unwrap();
    assert!(bad.ends_with("expected one of \"promoter\", \"distal\" (or its index)"), "{bad}");
    // Attributions over both segments, with the segment table.
    let g = p.gradient_times_input(obj, JsValue::UNDEFINED).map_err(JsValue::from).unwrap();
    assert_eq!(floats(&g, "perPosition").len(), 2 * 200);
    assert_eq!(get(&Array::from(&get(&g, "segments")).get(1), "window_length").as_f64(), Some(80.0));
    assert_eq!(get(&g, "bases").as_string().unwrap(), format!("{prom}{dist}"));
}

const ATTN_ONNX: &[u8] = include_bytes!("../../infer/tests/fixtures/attn1.onnx");
const ATTN_MANIFEST: &str = include_str!("../../infer/tests/fixtures/attn1.manifest.json");
const ATTN_EXPECTED: &str = include_str!("../../infer/tests/fixtures/attn1.expected.json");

/// `attentionMap` of the cnn-attention fixture equals ONNX Runtime's weights on the whole graph
/// (`attn1.expected.json`), as typed arrays with the positions' bases; a model without attention
/// says why, as the getter and as the error.
#[wasm_bindgen_test]
fn attention_map_in_node_equals_native() {
    let e: serde_json::Value = serde_json::from_str(ATTN_EXPECTED).unwrap();
    let p = Predictor::new(ATTN_ONNX, ATTN_MANIFEST, None).map_err(JsValue::from).unwrap();
    assert_eq!(p.attention_unavailable(), None);
    let seq = &e["sequences"][1]; // 210 bp: padded to the model's 230 by its pad_or_crop policy
    let a = p
        .attention_map(JsValue::from_str(seq["bases"].as_str().unwrap()), JsValue::UNDEFINED)
        .map_err(JsValue::from)
        .unwrap();
    assert_eq!(get(&a, "heads").as_f64(), Some(2.0));
    assert_eq!(get(&a, "positions").as_f64(), Some(28.0));
    assert_eq!(get(&a, "stride").as_f64(), Some(8.0));
    assert_eq!(get(&a, "window_start").as_f64(), Some(-10.0));
    let starts: Vec<f64> = Array::from(&get(&a, "starts")).iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!((starts[0], starts[27]), (-10.0, 206.0));
    let got = floats(&a, "perHead");
    let want: Vec<f64> = seq["weights"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert!((*g as f64 - w).abs() <= 1e-5, "wasm {g} vs native {w}");
    }
    let mean = floats(&a, "mean");
    for row in mean.chunks(28) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() <= 1e-5);
    }
    assert!(get(&a, "value").as_string().unwrap().contains("each row sums to 1"));
    let plain = Predictor::new(ONNX1, MANIFEST1, None).map_err(JsValue::from).unwrap();
    let why = plain.attention_unavailable().unwrap();
    assert!(why.starts_with("this model has no attention block"), "{why}");
    let err = message(plain.attention_map(JsValue::from_str(SEQ), JsValue::UNDEFINED).unwrap_err());
    assert_eq!(err, why);
}

#[wasm_bindgen_test]
fn a_model_measured_on_both_strands_predicts_scans_and_scores_on_both_by_default() {
    // The manifest's `strands: both` (how a model's metrics were measured) is what every call
    // computes unless `reverseComplement` says otherwise.
    let manifest = MANIFEST.replacen("\n  \"metrics\":", "\n  \"strands\": \"both\",\n  \"metrics\":", 1);
    assert_ne!(manifest, MANIFEST, "the fixture's manifest has a metrics field to put strands before");
    let p = Predictor::new(ONNX, &manifest, None).map_err(JsValue::from).unwrap();
    let seq = || JsValue::from_str(&SEQ[..200]);
    let first = |v: JsValue| Array::from(&get(&Array::from(&v).get(0), "values")).get(0).as_f64().unwrap();
    let with = |rc: Option<bool>| match rc {
        None => JsValue::UNDEFINED,
        Some(b) => options(&[("reverseComplement", JsValue::from_bool(b))]),
    };
    let predict = |rc| first(p.predict(Array::of1(&seq()).into(), with(rc)).map_err(JsValue::from).unwrap());
    assert_eq!(predict(None), predict(Some(true)));
    assert_ne!(predict(None), predict(Some(false)));
    let scan = |rc| p.saturation_mutagenesis(seq(), with(rc)).map_err(JsValue::from).unwrap();
    let (default, both, forward) = (scan(None), scan(Some(true)), scan(Some(false)));
    assert_eq!(get(&default, "strands").as_string().unwrap(), "both");
    assert_eq!(get(&forward, "strands").as_string().unwrap(), "forward");
    assert_eq!(floats(&default, "effects"), floats(&both, "effects"));
    assert_ne!(floats(&default, "effects"), floats(&forward, "effects"));
    let reference = Array::from(&get(&default, "reference")).get(0).as_f64().unwrap();
    assert!((reference - predict(None)).abs() < 1e-5, "scan reference {reference} vs prediction {}", predict(None));
    let score = |rc| {
        let r = p.score_variants(seq(), "5 C>G\n", with(rc)).map_err(JsValue::from).unwrap();
        let row = Array::from(&get(&r, "scores")).get(0);
        let difference: Vec<f64> = Array::from(&get(&row, "difference")).iter().map(|v| v.as_f64().unwrap()).collect();
        (get(&r, "reverse_complement_averaged").as_bool().unwrap(), difference)
    };
    assert_eq!(score(None), score(Some(true)));
    assert!(score(None).0 && !score(Some(false)).0);
    let bad = p.predict(Array::of1(&seq()).into(), options(&[("reverseComplement", JsValue::from_str("yes"))]));
    assert_eq!(
        message(bad.err().unwrap()),
        "options.reverseComplement: expected true (the mean of both strands) or false (the forward strand)"
    );
}

#[wasm_bindgen_test]
fn a_shared_scan_crosses_workers_as_typed_arrays_and_merges_to_the_whole_scan() {
    // Two parts (a strand each), each cloned as postMessage would, merged in either order: the
    // whole scan's numbers exactly. A part's number arrays are typed arrays (copied whole), and a
    // part that lost them says which field of which part.
    let manifest = MANIFEST.replacen("\n  \"metrics\":", "\n  \"strands\": \"both\",\n  \"metrics\":", 1);
    let p = Predictor::new(ONNX, &manifest, None).map_err(JsValue::from).unwrap();
    let seq = || JsValue::from_str(&SEQ[..200]);
    let clone = Function::from(get(&js_sys::global(), "structuredClone"));
    let part = |i: u32| {
        let part = Array::of2(&JsValue::from(i), &JsValue::from(2u32));
        let mut job = p.start_mutagenesis(seq(), options(&[("part", part.into())])).map_err(JsValue::from).unwrap();
        while !job.step(job.step_positions()).map_err(JsValue::from).unwrap() {}
        clone.call1(&JsValue::NULL, &job.finish().map_err(JsValue::from).unwrap()).unwrap()
    };
    let parts = [part(0), part(1)];
    let window = Array::from(&get(&parts[1], "windows")).get(0);
    assert!(get(&window, "raw").is_instance_of::<Float32Array>());
    assert!(get(&window, "positions").is_instance_of::<js_sys::Uint32Array>());
    let positions = js_sys::Uint32Array::from(get(&window, "positions")).length();
    assert!(positions >= 200, "one strand's part mutates every position of its window: {positions}");
    let outputs = Float32Array::from(get(&window, "base_raw")).length();
    assert_eq!(outputs, 3, "the fixture's outputs");
    assert_eq!(Float32Array::from(get(&window, "raw")).length(), positions * 4 * outputs, "4 bases a position");
    let whole = p.saturation_mutagenesis(seq(), JsValue::UNDEFINED).map_err(JsValue::from).unwrap();
    for order in [Array::of2(&parts[0], &parts[1]), Array::of2(&parts[1], &parts[0])] {
        let merged = p.merge_mutagenesis(seq(), order.into(), JsValue::UNDEFINED).map_err(JsValue::from).unwrap();
        assert_eq!(floats(&merged, "effects"), floats(&whole, "effects"));
        assert_eq!(get(&merged, "strands").as_string().unwrap(), "both");
        let reference = |r: &JsValue| Array::from(&get(r, "reference")).get(0).as_f64().unwrap();
        assert_eq!(reference(&merged), reference(&whole));
    }
    let merge = |parts: Array| message(p.merge_mutagenesis(seq(), parts.into(), JsValue::UNDEFINED).err().unwrap());
    assert_eq!(merge(Array::of1(&parts[0])), "part 1 of 2 of the shared scan is missing");
    assert_eq!(
        message(p.merge_mutagenesis(seq(), parts[0].clone(), JsValue::UNDEFINED).err().unwrap()),
        "mergeMutagenesis(parts): expected an array of the parts' job.finish() values"
    );
    let plain = clone.call1(&JsValue::NULL, &parts[1]).unwrap();
    let window = Array::from(&get(&plain, "windows")).get(0);
    Reflect::set(&window, &"raw".into(), &Array::from(&get(&window, "raw"))).unwrap();
    assert_eq!(
        merge(Array::of2(&parts[0], &plain)),
        "mergeMutagenesis(parts): parts[1].windows[0].raw: expected a Float32Array, as the part's job.finish() gave it"
    );
    assert_eq!(
        merge(Array::of1(&JsValue::from_str("part"))),
        "mergeMutagenesis(parts): parts[0]: expected an object, as the part's job.finish() gave it"
    );
}
