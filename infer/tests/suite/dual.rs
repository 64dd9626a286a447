//! Two-segment (dual-branch: promoter + distal) models: prediction against the native trainer's
//! numbers (ONNX Runtime, `fixtures/dual.expected.json`), per-segment length policies, strand
//! averaging, mutagenesis of both segments against native forward passes, variants in either
//! segment, attributions split per segment, and the errors for the wrong number of sequences.

use super::common::{bytes, max_abs_diff, model, text};
use prost::Message;
use regula_core::length::{Fitting, LengthPolicy, Padding};
use regula_core::variant::Coordinates;
use regula_infer::attribution::{for_item, gradient_times_input, gradients, integrated_gradients};
use regula_infer::graph;
use regula_infer::ism::{IsmRun, Method, saturation_mutagenesis_item};
use regula_infer::model::Model;
use regula_infer::motifs::{highlight, parse_motifs};
use regula_infer::predict::{Item, predict_averaged, predict_items};
use regula_infer::runtime::Backend;
use regula_infer::variants::score_variants_in;
use serde_json::Value;

const TOL: f64 = 1e-5;

fn expected() -> Value {
    serde_json::from_str(&text("dual.expected.json")).unwrap()
}

fn pair(e: &Value, i: usize) -> Item {
    let p = &e["pairs"][i];
    (
        p["name"].as_str().unwrap().to_string(),
        vec![p["promoter"].as_str().unwrap().as_bytes().to_vec(), p["distal"].as_str().unwrap().as_bytes().to_vec()],
    )
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn defaults(m: &Model) -> Vec<LengthPolicy> {
    m.segments.iter().map(|s| s.default_policy.clone()).collect()
}

fn assert_close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= TOL, "{what}, target {k}: {x} vs native {y} (|diff| {})", (x - y).abs());
    }
}

pub fn loads_with_two_segments_and_one_trunk_per_segment(b: &dyn Backend) {
    let m = model(b, "dual");
    assert_eq!(m.length, 200);
    let seg: Vec<(&str, usize, usize)> = m.segments.iter().map(|s| (s.name.as_str(), s.length, s.offset)).collect();
    assert_eq!(seg, vec![("promoter", 120, 0), ("distal", 80, 120)]);
    // No one trunk over the joined input, but one per segment (its Slice → trunk → pool).
    assert!(m.split.is_none());
    assert_eq!(m.split_error, None);
    let trunks = m.segment_trunks.as_ref().expect("one trunk per segment");
    assert_eq!(trunks.parts.len(), 2);
    // Each branch: conv k9 then max-pool 2 then conv (the fixture's dual-branch preset).
    let widths: Vec<i64> = trunks.parts.iter().map(|p| p.field.width()).collect();
    assert!(widths.iter().all(|&w| w > 9 && w < 80), "{widths:?}");
    // Each trunk reads its segment directly (the Slice is gone), so it cuts into stages for
    // incremental scans too.
    for p in &trunks.parts {
        assert!(p.stages.is_ok(), "{:?}", p.stages.as_ref().err());
    }
    // The filter view reads the promoter branch's first convolution (which reads a slice of the input).
    let (dims, _) = m.first_conv.as_ref().expect("first-layer filters of the promoter branch");
    assert_eq!(dims, &vec![8, 4, 9]);
}

pub fn predictions_equal_the_native_trainer_and_strand_averaging_flips_each_segment_in_place(b: &dyn Backend) {
    let m = model(b, "dual");
    let e = expected();
    let items: Vec<Item> = (0..4).map(|i| pair(&e, i)).collect();
    let p = predict_items(&m, &items, &defaults(&m)).unwrap();
    for (i, r) in p.iter().enumerate() {
        assert_close(&r.values, &floats(&e["pairs"][i]["values"]), &format!("pair {i}"));
        assert_eq!(r.fitting, Fitting::Unchanged);
        let segs = r.segments.as_ref().unwrap();
        assert_eq!((segs[0].offset, segs[1].offset, segs[1].window_length), (0, 120, 80));
    }
    let averaged = predict_averaged(&m, items.clone(), &defaults(&m), true).unwrap();
    for (i, r) in averaged.iter().enumerate() {
        assert_close(&r.values, &floats(&e["pairs"][i]["values_rc_average"]), &format!("pair {i}, both strands"));
    }
    // Order matters: the distal sequence in the promoter's place (cropped/padded) predicts otherwise.
    let swapped: Item = ("swapped".into(), vec![items[0].1[1].clone(), items[0].1[0].clone()]);
    let s = predict_items(&m, &[swapped], &defaults(&m)).unwrap();
    assert!((s[0].values[0] - p[0].values[0]).abs() > 1e-4);
}

pub fn each_segment_has_its_own_length_policy(b: &dyn Backend) {
    let m = model(b, "dual");
    let e = expected();
    let (_, item) = pair(&e, 0);
    let long_distal: Vec<u8> = [item[1].as_slice(), b"ACGTACGTAC", item[1].as_slice()].concat(); // 170 bp
    let short_promoter = item[0][10..110].to_vec(); // 100 bp
    let pad_or_crop = LengthPolicy::PadOrCrop { padding: Padding::N };
    let p = predict_items(
        &m,
        &[("x".into(), vec![short_promoter.clone(), long_distal.clone()])],
        &[pad_or_crop.clone(), pad_or_crop.clone()],
    )
    .unwrap();
    let segs = p[0].segments.as_ref().unwrap();
    assert_eq!(segs[0].fitting, Fitting::Padded { left: 10, right: 10 });
    assert_eq!(segs[1].fitting, Fitting::Cropped { left: 45, right: 45 });
    assert_eq!((segs[0].window_start, segs[1].window_start), (-10, 45));
    assert_eq!(p[0].fitting, Fitting::Padded { left: 10, right: 10 }, "the summary is the first change");
    assert_eq!(p[0].length, 270);
    // The same as giving the fitted windows themselves.
    let padded = [b"NNNNNNNNNN".as_slice(), &short_promoter, b"NNNNNNNNNN"].concat();
    let same = predict_items(&m, &[("y".into(), vec![padded, long_distal[45..125].to_vec()])], &defaults(&m)).unwrap();
    assert_close(&p[0].values, &same[0].values, "fitted by policy vs fitted by hand");
    // Different policies per segment: exact for the promoter refuses a short one; tiling is refused.
    let err = predict_items(
        &m,
        &[("z".into(), vec![short_promoter.clone(), item[1].clone()])],
        &[LengthPolicy::Exact, pad_or_crop.clone()],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "sequence 1 'z': the promoter sequence: the sequence is 100 bp but the model reads exactly 120 bp; choose a policy to pad, crop or tile"
    );
    let tile = LengthPolicy::Tile { stride: 40, padding: Padding::N };
    let err =
        predict_items(&m, &[("t".into(), vec![item[0].clone(), long_distal])], &[tile.clone(), tile]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "sequence 1 't': the distal sequence is 170 bp: tiling it into 4 windows of 80 bp is not available for a two-segment model (each segment is read as one window); choose crop (\"pad_or_crop\") for it"
    );
}

pub fn the_wrong_number_of_sequences_is_a_clear_error(b: &dyn Backend) {
    let dual = model(b, "dual");
    let e = expected();
    let (_, item) = pair(&e, 0);
    let err = predict_items(&dual, &[("only".into(), vec![item[0].clone()])], &defaults(&dual)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "item 1 'only' gives one sequence, but this model reads two sequences (promoter, then distal) per prediction: pass {promoter, distal} or [promoter, distal]"
    );
    let single = model(b, "mpra1");
    let err = predict_items(&single, &[("both".into(), item.clone())], &defaults(&single)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "item 1 'both' gives 2 sequences, but this model reads one sequence per prediction; pass a single sequence"
    );
    let err = IsmRun::new_item(&dual, &item[..1], &defaults(&dual), Method::Fast).err().unwrap();
    assert!(
        err.to_string()
            .starts_with("the input gives one sequence, but this model reads two sequences (promoter, then distal)"),
        "{err}"
    );
    // The manifest: two inputs must share the graph input; more than two are not handled.
    let manifest = text("dual.manifest.json");
    let renamed = manifest.replacen("\"name\": \"x\"", "\"name\": \"promoter\"", 1);
    let err = Model::load(&bytes("dual.onnx"), &renamed, None, b).err().unwrap().to_string();
    assert!(
        err.starts_with(
            "the manifest lists two inputs named 'promoter' and 'x'; a two-segment model reads one graph input"
        ),
        "{err}"
    );
    let wrong = manifest.replacen("\"length\": 80", "\"length\": 90", 1);
    let err = Model::load(&bytes("dual.onnx"), &wrong, None, b).err().unwrap().to_string();
    assert_eq!(
        err,
        "the model does not match its manifest: the inference graph's input 'x' has shape [?, 4, 200], the manifest says [batch, 4, 210]"
    );
}

pub fn mutagenesis_covers_both_segments_and_equals_native_forward_passes(b: &dyn Backend) {
    let m = model(b, "dual");
    let e = expected();
    let (_, item) = pair(&e, 0);
    let r = saturation_mutagenesis_item(&m, &item, &defaults(&m), Method::Naive).unwrap();
    assert_eq!(r.method, Method::Naive);
    assert_eq!(r.fallback_reason, None);
    let (l, t) = (r.bases.len(), r.outputs);
    assert_eq!(l, 200);
    assert_eq!(r.bases, [item[0].as_slice(), item[1].as_slice()].concat());
    let segs = r.segments.as_ref().unwrap();
    assert_eq!(
        segs.iter().map(|s| (s.name.as_str(), s.offset)).collect::<Vec<_>>(),
        vec![("promoter", 0), ("distal", 120)]
    );
    assert_close(&r.reference, &floats(&e["pairs"][0]["values"]), "reference");
    let mut checked = 0;
    for mu in e["mutations"].as_array().unwrap() {
        let seg = segs.iter().find(|s| s.name == mu["segment"].as_str().unwrap()).unwrap();
        let p = seg.offset + mu["position"].as_u64().unwrap() as usize - 1;
        let b = "ACGT".find(mu["alternate"].as_str().unwrap()).unwrap();
        assert_eq!(r.bases[p] as char, mu["reference"].as_str().unwrap().chars().next().unwrap());
        let got: Vec<f64> = (0..t).map(|k| r.effects[k * l * 4 + p * 4 + b] as f64).collect();
        assert_close(
            &got,
            &floats(&mu["effects"]),
            &format!("ISM {} {} {}", seg.name, mu["position"], mu["alternate"]),
        );
        checked += 1;
    }
    assert_eq!(checked, 24);
    // Every cell against single forward passes through prediction (a few positions per segment).
    let base = predict_items(&m, &[("ref".into(), item.clone())], &defaults(&m)).unwrap().remove(0).values;
    for (s, pos) in [(0usize, 5usize), (0, 77), (1, 3), (1, 79)] {
        for b in 0..4 {
            let mut alt = item.clone();
            if alt[s][pos] == b"ACGT"[b] {
                continue;
            }
            alt[s][pos] = b"ACGT"[b];
            let v = predict_items(&m, &[("alt".into(), alt)], &defaults(&m)).unwrap().remove(0).values;
            let p = segs[s].offset + pos;
            let got: Vec<f64> = (0..t).map(|k| r.effects[k * l * 4 + p * 4 + b] as f64).collect();
            let want: Vec<f64> = v.iter().zip(&base).map(|(a, r)| a - r).collect();
            assert_close(&got, &want, &format!("ISM vs forward pass, segment {s}, position {pos}"));
        }
    }
    // Stepped in chunks as a Web Worker does: the same result.
    let mut run = IsmRun::new_item(&m, &item, &defaults(&m), Method::Naive).unwrap();
    while !run.step(&m, 37).unwrap() {}
    assert_eq!(run.progress(), (200, 200));
    assert_eq!(run.finish(&m).unwrap().effects, r.effects);
}

pub fn fast_mutagenesis_scans_each_segment_through_its_own_trunk_and_equals_naive(b: &dyn Backend) {
    let m = model(b, "dual");
    let e = expected();
    for i in 0..2 {
        let (_, item) = pair(&e, i);
        let naive = saturation_mutagenesis_item(&m, &item, &defaults(&m), Method::Naive).unwrap();
        let fast = saturation_mutagenesis_item(&m, &item, &defaults(&m), Method::Fast).unwrap();
        assert_eq!(fast.method, Method::Fast, "{:?}", fast.fallback_reason);
        assert!(fast.fast_path.is_some());
        assert_eq!(fast.bases, naive.bases);
        assert_eq!(fast.segments, naive.segments);
        assert_close(&fast.reference, &naive.reference, "reference");
        let d = max_abs_diff(&fast.effects, &naive.effects);
        assert!(d <= 1e-5, "pair {i}: fast vs naive max |diff| {d}");
        // Each segment's trunk reads its own bases only: fewer than one joined pass per substitution.
        assert!(fast.bases_computed < naive.bases_computed, "{} vs {}", fast.bases_computed, naive.bases_computed);
        // Stepped in chunks, and shared by three parts as workers share it (the second crossing
        // from the promoter into the distal sequence), merged: the same numbers.
        let mut run = IsmRun::new_item(&m, &item, &defaults(&m), Method::Fast).unwrap();
        while !run.step(&m, 23).unwrap() {}
        assert_eq!(run.finish(&m).unwrap().effects, fast.effects);
        let parts: Vec<_> = (0..3)
            .map(|k| {
                let mut run = IsmRun::part_of(&m, &item, &defaults(&m), Method::Fast, false, (k, 3)).unwrap();
                while !run.step(&m, 40).unwrap() {}
                run.finish_part((k, 3)).unwrap()
            })
            .collect();
        let merged = IsmRun::merge(&m, &item, &defaults(&m), Method::Fast, false, parts).unwrap().effects;
        assert!(
            merged == fast.effects,
            "the parts differ from the whole scan by {}",
            max_abs_diff(&merged, &fast.effects)
        );
    }
}

pub fn a_graph_that_cannot_be_cut_per_segment_scans_naive_with_the_reason(b: &dyn Backend) {
    // The Concat joins the distal features before the promoter's: the cut takes each segment's
    // features in segment order, so it refuses the graph rather than misplace them.
    let mut proto = graph::read_model(&bytes("dual.onnx")).unwrap();
    let g = proto.graph.as_mut().unwrap();
    let concat = g.node.iter().position(|n| n.op_type == "Concat").unwrap();
    let (first, second) = (g.node[concat].input[0].clone(), g.node[concat].input[1].clone());
    g.node[concat].input = vec![second, first];
    let name = g.node[concat].name.clone();
    let m = Model::load(&proto.encode_to_vec(), &text("dual.manifest.json"), None, b).unwrap();
    assert!(m.segment_trunks.is_none());
    assert_eq!(
        m.split_error.as_deref().unwrap(),
        format!(
            "a two-segment model whose graph cannot be cut per segment: the segments first meet in Concat node '{name}', not in a Concat of their features along axis 1"
        )
    );
    let e = expected();
    let (_, item) = pair(&e, 0);
    let r = saturation_mutagenesis_item(&m, &item, &defaults(&m), Method::Fast).unwrap();
    assert_eq!(r.method, Method::Naive);
    assert_eq!(r.fallback_reason, m.split_error);
}

pub fn variants_in_either_segment_equal_native_predictions(b: &dyn Backend) {
    let m = model(b, "dual");
    let e = expected();
    let (_, item) = pair(&e, 0);
    let muts = e["mutations"].as_array().unwrap();
    for segment in [0usize, 1] {
        let name = ["promoter", "distal"][segment];
        let mu = muts.iter().find(|mu| mu["segment"] == name && mu["position"].as_u64() == Some(2)).unwrap();
        let line = format!(
            "2 {}>{}\n3 {}>A\n",
            mu["reference"].as_str().unwrap(),
            mu["alternate"].as_str().unwrap(),
            if item[segment][2] == b'T' { "A" } else { "T" }
        );
        let r = score_variants_in(&m, &item, segment, &line, &Coordinates::default(), &defaults(&m), false).unwrap();
        assert_eq!(r.segment.as_deref(), Some(name));
        assert!(r.scores[0].error.is_none(), "{:?}", r.scores[0].error);
        assert_close(&r.scores[0].difference, &floats(&mu["effects"]), &format!("{name} variant"));
        assert_close(&r.scores[0].ref_prediction, &floats(&e["pairs"][0]["values"]), "reference");
        let err = r.scores[1].error.as_deref().unwrap_or("");
        if item[segment][2] != b'T' {
            assert!(err.contains("does not match the sequence"), "{err}");
        }
        // Both strands: the reference is the native strand-averaged prediction.
        let rc = score_variants_in(&m, &item, segment, &line, &Coordinates::default(), &defaults(&m), true).unwrap();
        assert!(rc.reverse_complement_averaged);
        assert_close(
            &rc.scores[0].ref_prediction,
            &floats(&e["pairs"][0]["values_rc_average"]),
            "reference, both strands",
        );
    }
    // An insertion that no longer fits an exact-length segment is that variant's error.
    let r = score_variants_in(
        &m,
        &item,
        1,
        &format!("4 {}>{}AAA\n", item[1][3] as char, item[1][3] as char),
        &Coordinates::default(),
        &[LengthPolicy::Exact, LengthPolicy::Exact],
        false,
    )
    .unwrap();
    assert!(
        r.scores[0].error.as_deref().unwrap().contains("the distal sequence: the sequence is 83 bp"),
        "{:?}",
        r.scores[0].error
    );
}

pub fn attributions_cover_both_segments(b: &dyn Backend) {
    let m = model(b, "dual");
    let e = expected();
    let (_, item) = pair(&e, 1);
    let (a, bases, start, fitting, segs) = for_item(&m, &item, &defaults(&m), gradient_times_input).unwrap();
    let segs = segs.unwrap();
    assert_eq!((a.length, a.outputs, start, fitting), (200, 2, 0, Fitting::Unchanged));
    assert_eq!(bases, [item[0].as_slice(), item[1].as_slice()].concat());
    let x = m.encode(&bases);
    let (pred, grads) = gradients(&m, &x, 1).unwrap();
    let fwd = m.forward(&x, 1).unwrap();
    assert!(
        pred.iter().zip(&fwd).all(|(a, b)| (a - b).abs() < 1e-6),
        "the attribution graph predicts like the inference graph"
    );
    // Each segment's bases carry gradient (both branches reach the output).
    for s in &segs {
        let part = &a.per_position[s.offset..s.offset + s.window_length];
        assert!(part.iter().any(|v| v.abs() > 1e-6), "{} has attribution", s.name);
    }
    // Gradient against central differences at a few inputs of each segment.
    for j in [3 * 200 + 7, 120 + 11, 200 + 150, 2 * 200 + 199] {
        let h = 1e-2;
        let (mut xp, mut xm) = (x.clone(), x.clone());
        xp[j] += h;
        xm[j] -= h;
        let (fp, fm) = (m.forward(&xp, 1).unwrap(), m.forward(&xm, 1).unwrap());
        for k in 0..2 {
            let fd = (fp[k] - fm[k]) / (2.0 * h);
            assert!(
                (fd - grads[k][j]).abs() <= 2e-4 + 1e-2 * fd.abs(),
                "input {j}, output {k}: {} vs {fd}",
                grads[k][j]
            );
        }
    }
    let ig = |m: &Model, x: &[f32]| integrated_gradients(m, x, None, 64);
    let (a, ..) = for_item(&m, &item, &defaults(&m), ig).unwrap();
    assert!(a.completeness_gap.unwrap().iter().all(|g| g.abs() < 1e-2));
}

pub fn motifs_scan_each_segment_with_its_attribution(b: &dyn Backend) {
    let m = model(b, "dual");
    let e = expected();
    let (_, item) = pair(&e, 0);
    let (a, bases, _, _, segs) = for_item(&m, &item, &defaults(&m), gradient_times_input).unwrap();
    let set = parse_motifs(&bytes("../../../tests/data/jaspar2024_vertebrates_first4.jaspar")).unwrap();
    for s in segs.unwrap() {
        let range = s.offset..s.offset + s.window_length;
        let hits = highlight(&set, &bases[range.clone()], 0.05, Some(&a.per_position[range])).unwrap();
        assert!(hits.iter().all(|h| h.end <= s.window_length && h.mean_attribution.is_some()), "{}", s.name);
    }
}

/// A distal sequence longer than its window, cropped by its policy: the scan's `segments` say
/// which 80 of its bases the model reads; a variant outside them is an error that says so (never
/// an effect of 0), one inside equals the scan's cell.
pub fn a_cropped_segment_has_bases_outside_the_model_s_view(b: &dyn Backend) {
    let m = model(b, "dual");
    let e = expected();
    let (_, item) = pair(&e, 0);
    let long: Vec<u8> = super::common::random_dna(60, 7)
        .into_iter()
        .chain(item[1].clone())
        .chain(super::common::random_dna(60, 8))
        .collect();
    let item = vec![item[0].clone(), long];
    let crop = vec![LengthPolicy::PadOrCrop { padding: Padding::N }; 2];
    let r = saturation_mutagenesis_item(&m, &item, &crop, Method::Naive).unwrap();
    let s = r.segments.as_ref().unwrap();
    assert_eq!((s[1].length, s[1].offset, s[1].window_length, s[1].window_start), (200, 120, 80, 60));
    assert_eq!(s[1].fitting, Fitting::Cropped { left: 60, right: 60 });
    let cell = |p: usize, alt: usize| r.effects[(120 + p - 60) * 4 + alt] as f64;
    let other = |b: u8| if b == b'A' { "C" } else { "A" };
    let text =
        format!("5 {}>{}\n100 {}>{}\n", item[1][4] as char, other(item[1][4]), item[1][99] as char, other(item[1][99]));
    let v = score_variants_in(&m, &item, 1, &text, &Coordinates::default(), &crop, false).unwrap();
    assert_eq!(
        v.scores[0].error.as_deref(),
        Some(
            "line 1: position 5 is outside the model's view: the model reads bases 61–140 of this 200 bp distal sequence (cropped to its window; a two-segment model reads one window per segment, so this base cannot be scored)"
        )
    );
    assert!(v.scores[0].difference.is_empty());
    assert!(v.scores[1].error.is_none(), "{:?}", v.scores[1].error);
    let alt = "ACGT".find(other(item[1][99])).unwrap();
    assert!(
        (v.scores[1].difference[0] - cell(99, alt)).abs() <= TOL,
        "{} vs {}",
        v.scores[1].difference[0],
        cell(99, alt)
    );
}
