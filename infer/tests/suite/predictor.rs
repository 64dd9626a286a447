//! Loading checks with clear errors, prediction with length policies, variant scoring,
//! attributions against finite differences, and motif highlights on real data.

use super::common::{bytes, lentimpra, max_abs_diff, model, random_dna, text};
use prost::Message;
use regula_core::length::{Fitting, LengthPolicy, Padding};
use regula_core::variant::Coordinates;
use regula_infer::attribution::{gradient_times_input, gradients, integrated_gradients, ism_importance};
use regula_infer::graph::{self, ALLOWED_OPS, MAX_MODEL_BYTES};
use regula_infer::ism::{Method, saturation_mutagenesis};
use regula_infer::model::Model;
use regula_infer::motifs::{highlight, parse_motifs};
use regula_infer::predict::predict;
use regula_infer::runtime::Backend;
use regula_infer::variants::score_variants;

fn load_err(b: &dyn Backend, onnx: &[u8], manifest: &str) -> String {
    Model::load(onnx, manifest, None, b).err().expect("should fail").to_string()
}

pub fn every_fixture_uses_only_allowed_ops(_b: &dyn Backend) {
    for name in ["mpra1", "mpra3", "reference1000", "attn1", "dual", "legnet1"] {
        for file in [format!("{name}.onnx"), format!("{name}.attribution.onnx")] {
            let proto = graph::read_model(&bytes(&file)).unwrap();
            let ops: std::collections::BTreeSet<String> =
                proto.graph.unwrap().node.iter().map(|n| n.op_type.clone()).collect();
            assert!(ops.iter().all(|o| ALLOWED_OPS.contains(&o.as_str())), "{file}: {ops:?}");
        }
    }
}

pub fn loading_errors_say_what_is_wrong(b: &dyn Backend) {
    let onnx = bytes("mpra1.onnx");
    let manifest = text("mpra1.manifest.json");
    assert_eq!(
        load_err(b, b"not a model", &manifest).split(':').next().unwrap(),
        "the model file is not a readable ONNX model"
    );
    assert_eq!(
        load_err(b, &vec![0u8; MAX_MODEL_BYTES + 1], &manifest),
        format!(
            "the model file is {} bytes, more than the {MAX_MODEL_BYTES}-byte limit of Regula's predictor (it must load in a browser tab)",
            MAX_MODEL_BYTES + 1
        )
    );
    // A disallowed op.
    let mut proto = graph::read_model(&onnx).unwrap();
    proto.graph.as_mut().unwrap().node[0].op_type = "Loop".into();
    assert_eq!(
        load_err(b, &proto.encode_to_vec(), &manifest),
        "the model uses ONNX op Loop that Regula's predictor does not allow (it must run in the browser too)"
    );
    // Element types other than float32, int64, int32, int8 and bool (the browser's tract is
    // compiled for those only), each named with the first place it occurs.
    let mut proto = graph::read_model(&onnx).unwrap();
    let g = proto.graph.as_mut().unwrap();
    g.initializer[0].data_type = 11;
    let weight = g.initializer[0].name.clone();
    g.node[0].op_type = "Cast".into();
    g.node[0].attribute = vec![regula_infer::proto::AttributeProto { name: "to".into(), i: 10, ..Default::default() }];
    let cast = g.node[0].name.clone();
    assert_eq!(
        load_err(b, &proto.encode_to_vec(), &manifest),
        format!(
            "the model uses element types that Regula's predictor does not allow (it must run in the browser too): float64 (initializer '{weight}'), float16 (Cast node '{cast}'); export it with float32 values and int64 shapes and indices"
        )
    );
    // Manifest length, input name and target count against the graph.
    let m = manifest.replace("\"length\": 230", "\"length\": 200");
    assert_eq!(
        load_err(b, &onnx, &m),
        "the model does not match its manifest: the inference graph's input 'x' has shape [?, 4, 230], the manifest says [batch, 4, 200]"
    );
    let m = manifest.replace("\"name\": \"x\"", "\"name\": \"seq\"");
    assert_eq!(
        load_err(b, &onnx, &m),
        "the model does not match its manifest: the inference graph's input is 'x', the manifest says 'seq'"
    );
    let m = manifest.replace("\"targets\": [", "\"targets\": [{\"name\": \"extra\", \"unit\": \"u\"},");
    assert_eq!(
        load_err(b, &onnx, &m),
        "the model does not match its manifest: the graph predicts 1 values per sequence, the manifest lists 2 targets"
    );
    assert!(load_err(b, &onnx, "{}").starts_with("manifest: the manifest has no \"schema_version\""));
    // The attribution graph must carry a gradient per target.
    let e = Model::load(&onnx, &manifest, Some(&bytes("mpra1.onnx")), b).err().unwrap().to_string();
    assert_eq!(
        e,
        "the model does not match its manifest: the attribution graph's outputs are [\"pred\"]; expected 'pred' then 'grad_pred_k' for each target k"
    );
}

pub fn predicts_with_the_length_policy_reported(b: &dyn Backend) {
    let m = model(b, "mpra3");
    let real = lentimpra();
    let long = random_dna(450, 4);
    let seqs = vec![
        ("a".to_string(), real[0].clone()),
        ("short".into(), real[1][..180].to_vec()),
        ("long".into(), long.clone()),
    ];
    let p = predict(&m, &seqs, &m.manifest.inputs[0].default_length_policy.clone()).unwrap();
    assert_eq!(p[0].fitting, Fitting::Unchanged);
    assert_eq!(p[1].fitting, Fitting::Padded { left: 25, right: 25 });
    assert_eq!(p[2].fitting, Fitting::Tiled { windows: 4, stride: 100 });
    assert_eq!(p[2].window_starts, vec![0, 100, 200, 220]);
    for k in 0..3 {
        let mean = p[2].window_values.iter().map(|w| w[k]).sum::<f64>() / 4.0;
        assert!((p[2].values[k] - mean).abs() < 1e-12);
    }
    // Batching does not change a prediction: the same window alone.
    let alone = predict(&m, &[("w".into(), long[100..330].to_vec())], &LengthPolicy::Exact).unwrap();
    assert!(alone[0].values.iter().zip(&p[2].window_values[1]).all(|(a, b)| (a - b).abs() < 1e-6));
    let e = predict(&m, &[("ok".into(), real[0].clone()), ("bad".into(), long)], &LengthPolicy::Exact).unwrap_err();
    assert_eq!(
        e.to_string(),
        "sequence 2 'bad': the sequence is 450 bp but the model reads exactly 230 bp; choose a policy to pad, crop or tile"
    );
}

pub fn variant_effects_match_mutagenesis_and_report_every_problem(b: &dyn Backend) {
    let m = model(b, "mpra3");
    let s = lentimpra()[5].clone();
    let ism = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Naive).unwrap();
    let base = |p: usize| s[p - 1] as char;
    let alt_of = |p: usize| if base(p) == 'A' { 'C' } else { 'A' };
    let list = format!(
        "# variants\n1 {}>{}\n230 {}>{}\n100 {}>{}\n7 {}>T\n300 A>C\n12 AC>A\nchr1\t117\trs1\t{}\t{}\t.\t.\t.\nnonsense\n",
        base(1),
        alt_of(1),
        base(230),
        alt_of(230),
        base(100),
        alt_of(100),
        if base(7) == 'G' { 'C' } else { 'G' },
        base(117),
        alt_of(117)
    );
    let policy = LengthPolicy::PadOrCrop { padding: Padding::N };
    let r = score_variants(&m, &s, &list, &Coordinates::default(), &policy, false).unwrap();
    assert_eq!(r.scores.len(), 8);
    for (row, p) in [(0usize, 1usize), (1, 230), (2, 100), (6, 117)] {
        let v = &r.scores[row];
        assert!(v.error.is_none(), "{v:?}");
        let b = regula_core::encode::channel(alt_of(p) as u8).unwrap();
        for k in 0..3 {
            let e = ism.effects[k * 230 * 4 + (p - 1) * 4 + b] as f64;
            assert!((v.difference[k] - e).abs() < 1e-5, "row {row} target {k}: {} vs ISM {e}", v.difference[k]);
            assert!((v.alt_prediction[k] - v.ref_prediction[k] - v.difference[k]).abs() < 1e-12);
        }
    }
    assert_eq!(r.scores[6].id.as_deref(), Some("rs1"));
    assert_eq!((r.scores[0].kind, r.scores[5].kind), (Some("snv"), Some("deletion")));
    assert_eq!(
        r.scores[3].error.as_deref().unwrap(),
        format!(
            "line 5: REF {} at position 7 does not match the sequence, which has {}",
            if base(7) == 'G' { 'C' } else { 'G' },
            base(7)
        )
    );
    assert_eq!(r.scores[4].error.as_deref().unwrap(), "line 6: position 300 is outside the 230 bp sequence");
    // A deletion under pad_or_crop: padded back to 230 and scored (if REF matches).
    let del = &r.scores[5];
    assert!(del.error.as_deref().is_none_or(|e| e.contains("REF AC")), "{del:?}");
    assert!(r.scores[7].error.as_deref().unwrap().starts_with("line 9: "));
    // Reverse-complement averaging: scoring the reverse complement of everything gives the same.
    let rc = score_variants(&m, &s, "100 X>Y\n", &Coordinates::default(), &policy, true).unwrap();
    assert!(rc.scores[0].error.is_some());
    let v = format!("50 {}>{}\n", base(50), alt_of(50));
    let fwd = score_variants(&m, &s, &v, &Coordinates::default(), &policy, true).unwrap();
    let srev = regula_core::encode::reverse_complement(&s);
    let comp = |c: char| regula_core::encode::complement(c as u8) as char;
    let vrev = format!("181 {}>{}\n", comp(base(50)), comp(alt_of(50)));
    let rev = score_variants(&m, &srev, &vrev, &Coordinates::default(), &policy, true).unwrap();
    for k in 0..3 {
        assert!((fwd.scores[0].difference[k] - rev.scores[0].difference[k]).abs() < 1e-5);
    }
    assert!(fwd.reverse_complement_averaged);
}

pub fn long_sequences_are_tiled_for_variants_with_the_aggregation_stated(b: &dyn Backend) {
    let m = model(b, "mpra1");
    let s = random_dna(600, 21);
    let policy = LengthPolicy::Tile { stride: 115, padding: Padding::N };
    let (tiles, _) = regula_core::length::fit(&s, 230, &policy).unwrap();
    let one = |seq: &[u8]| predict(&m, &[("w".into(), seq.to_vec())], &LengthPolicy::Exact).unwrap()[0].values[0];
    let c = |p: usize| s[p - 1] as char;
    let other = |p: usize| if c(p) == 'A' { 'G' } else { 'A' };
    // An SNV in two tiles, one near the start in one tile, a deletion and an insertion in three.
    let text = format!(
        "300 {}>{}\n5 {}>{}\n400 {}{}{}>{}\n450 {}>{}TTT\n",
        c(300),
        other(300),
        c(5),
        other(5),
        c(400),
        c(401),
        c(402),
        c(400),
        c(450),
        c(450)
    );
    let r = score_variants(&m, &s, &text, &Coordinates::default(), &policy, false).unwrap();
    assert_eq!(r.aggregation, "mean over the model windows that contain the variant of alt − ref");
    for score in &r.scores {
        assert!(score.error.is_none(), "{score:?}");
        let p0 = score.position.unwrap() - 1;
        let variant = regula_core::variant::Variant {
            id: String::new(),
            position: p0 + 1,
            reference: score.reference.clone().unwrap(),
            alternate: score.alternate.clone().unwrap(),
            line: score.line,
        };
        let alt_seq = variant.apply(&s).unwrap();
        // Brute force: every tile containing the variant's first base, the alternate tile read
        // at the same start from the sequence with the variant (N past its end).
        let containing: Vec<_> = tiles.iter().filter(|w| (w.start..w.start + 230).contains(&(p0 as isize))).collect();
        let brute: f64 = containing
            .iter()
            .map(|w| {
                let start = w.start as usize;
                let mut alt: Vec<u8> = alt_seq.iter().skip(start).take(230).copied().collect();
                alt.resize(230, b'N');
                one(&alt) - one(&w.bases)
            })
            .sum::<f64>()
            / containing.len() as f64;
        assert_eq!(score.windows, containing.len(), "line {}", score.line);
        assert!((score.difference[0] - brute).abs() < 1e-6, "line {}: {} vs {brute}", score.line, score.difference[0]);
        assert!((score.alt_prediction[0] - score.ref_prediction[0] - score.difference[0]).abs() < 1e-12);
    }
    // Tiles start at 0, 115, 230, 345 and 370.
    assert_eq!(r.scores.iter().map(|s| s.windows).collect::<Vec<_>>(), vec![2, 1, 3, 3]);
    // The same SNV in a 230 bp window of its own has the same kind of effect: it is not divided
    // by the number of tiles of a longer sequence.
    let alone = &s[185..415];
    let single =
        score_variants(&m, alone, &format!("115 {}>{}\n", c(300), other(300)), &Coordinates::default(), &policy, false)
            .unwrap();
    assert_eq!(single.scores[0].windows, 1);
    let in_tile = one(&{
        let mut a = alone.to_vec();
        a[114] = other(300) as u8;
        a
    }) - one(alone);
    assert!((single.scores[0].difference[0] - in_tile).abs() < 1e-6);
}

pub fn a_variant_the_model_does_not_see_is_an_error_not_a_zero(b: &dyn Backend) {
    let m = model(b, "mpra1");
    let s = random_dna(400, 5);
    // Cropped to the central 230 bp (85..315): position 20 is not read, position 200 is.
    let text = format!("20 {}>N\n200 {}>N\n", s[19] as char, s[199] as char);
    let r = score_variants(&m, &s, &text, &Coordinates::default(), &LengthPolicy::Crop, false).unwrap();
    assert_eq!(
        r.scores[0].error.as_deref(),
        Some(
            "line 1: position 20 is outside the model's view: the model reads bases 86–315 of this 400 bp sequence (cropped); tile the sequence to score it"
        )
    );
    assert!(r.scores[0].difference.is_empty() && r.scores[0].windows == 0);
    assert!(r.scores[1].error.is_none() && r.scores[1].windows == 1);
}

pub fn gradient_times_input_matches_finite_differences(b: &dyn Backend) {
    for name in ["mpra3", "mpra1"] {
        let m = model(b, name);
        let s = lentimpra()[2].clone();
        let x = m.encode(&s);
        let (pred, grads) = gradients(&m, &x, 1).unwrap();
        let fwd = m.forward(&x, 1).unwrap();
        assert!(max_abs_diff(&pred, &fwd) < 1e-6, "the attribution graph predicts like the inference graph");
        // Central differences at three step sizes: a ReLU or max-pool kink within ±h of the point
        // spoils the larger steps; f32 rounding (about 3e-5 here) the smallest.
        let fd_at = |j: usize, h: f32| -> Vec<f32> {
            let mut xp = x.clone();
            xp[j] += h;
            let mut xm = x.clone();
            xm[j] -= h;
            let (fp, fm) = (m.forward(&xp, 1).unwrap(), m.forward(&xm, 1).unwrap());
            fp.iter().zip(&fm).map(|(a, b)| (a - b) / (2.0 * h)).collect()
        };
        let mut worst = 0.0f32;
        let mut checked = 0;
        for j in (0..x.len()).step_by(37) {
            let (coarse, fine, finest) = (fd_at(j, 1e-2), fd_at(j, 2e-3), fd_at(j, 5e-4));
            for k in 0..m.outputs {
                let g = grads[k][j];
                let err = (g - coarse[k]).abs().min((g - fine[k]).abs()).min((g - finest[k]).abs());
                worst = worst.max(err);
                checked += 1;
                assert!(
                    err <= 2e-4 + 1e-2 * g.abs(),
                    "{name} output {k}, input {j}: gradient {g} vs finite differences {} (h 1e-2), {} (h 2e-3), {} (h 5e-4)",
                    coarse[k],
                    fine[k],
                    finest[k]
                );
            }
        }
        eprintln!(
            "{name}: gradient vs central differences (best of h = 1e-2, 2e-3, 5e-4) at {checked} points: max |err| {worst:.2e}"
        );
        let gxi = gradient_times_input(&m, &x).unwrap();
        let l = m.length;
        for p in [0, 57, l - 1] {
            let c = regula_core::encode::channel(s[p]).unwrap();
            assert_eq!(
                gxi.per_position[p],
                grads[0][c * l + p],
                "for one-hot input, gradient×input is the gradient at the base"
            );
        }
    }
}

pub fn integrated_gradients_are_complete(b: &dyn Backend) {
    let m = model(b, "mpra3");
    let x = m.encode(&lentimpra()[9]);
    let ig = integrated_gradients(&m, &x, None, 64).unwrap();
    let gap = ig.completeness_gap.clone().unwrap();
    eprintln!("integrated gradients (64 steps): completeness gap {gap:?}");
    assert!(gap.iter().all(|g| g.abs() < 2e-3), "{gap:?}");
    let coarse = integrated_gradients(&m, &x, Some(&vec![0.0; x.len()]), 4).unwrap();
    assert_eq!(coarse.per_position.len(), 3 * 230);
    assert_eq!(
        integrated_gradients(&m, &x, None, 0).unwrap_err().to_string(),
        "integrated gradients needs 1 to 1024 steps, got 0"
    );
}

pub fn motif_highlights_on_a_real_sequence_with_ism_importance(b: &dyn Backend) {
    let m = model(b, "mpra1");
    let s = lentimpra()[0].clone();
    let ism = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Fast).unwrap();
    let importance = ism_importance(&ism);
    assert_eq!(importance.len(), 230);
    let p = 40;
    let r = regula_core::encode::channel(s[p]).unwrap();
    let alts: Vec<f32> = (0..4).filter(|&b| b != r).map(|b| ism.effects[p * 4 + b]).collect();
    assert!((importance[p] + alts.iter().sum::<f32>() / 3.0).abs() < 1e-9);
    let set = parse_motifs(
        &std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/jaspar2024_core_vertebrates.meme")).unwrap(),
    )
    .unwrap();
    let hits = highlight(&set, &s, 1e-4, Some(&importance)).unwrap();
    assert!(!hits.is_empty(), "a 230 bp element has some JASPAR hit at 1e-4");
    for h in &hits {
        let mean = importance[h.start..h.end].iter().map(|&v| v as f64).sum::<f64>() / (h.end - h.start) as f64;
        assert!((h.mean_attribution.unwrap() - mean).abs() < 1e-9);
        assert!(h.p_value <= 1e-4);
    }
    let filters = regula_infer::motifs::filters_to_motifs(
        &m.first_conv.as_ref().unwrap().1,
        &m.first_conv.as_ref().unwrap().0,
        Some(&set),
        2,
    );
    assert_eq!(filters.len(), 16);
    assert!(filters.iter().all(|f| f.probs.len() == 11 && f.matches.len() == 2));
}

pub fn first_layer_filters_are_scaled_by_their_batch_norm(_b: &dyn Backend) {
    let proto = graph::read_model(&bytes("mpra1.onnx")).unwrap();
    let g = proto.graph.as_ref().unwrap();
    let conv = g.node.iter().find(|n| n.op_type == "Conv").unwrap();
    let bn = g.node.iter().find(|n| n.op_type == "BatchNormalization").unwrap();
    assert_eq!(bn.input[0], conv.output[0]);
    let (dims, raw) = graph::initializer_f32(&proto, &conv.input[1]).unwrap();
    let (_, scale) = graph::initializer_f32(&proto, &bn.input[1]).unwrap();
    let (_, var) = graph::initializer_f32(&proto, &bn.input[4]).unwrap();
    let (d, w) = graph::first_conv(&proto, "x").unwrap();
    assert_eq!((d.clone(), dims.clone()), (vec![16, 4, 11], vec![16, 4, 11]));
    let eps = bn.attribute.iter().find(|a| a.name == "epsilon").map_or(1e-5, |a| a.f);
    for f in 0..16 {
        let factor = scale[f] / (var[f] + eps).sqrt();
        assert!((factor - 1.0).abs() > 1e-3, "batch norm is not the identity after training");
        for j in 0..44 {
            assert_eq!(w[f * 44 + j], raw[f * 44 + j] * factor);
        }
    }
}

pub fn graphs_that_are_not_position_wise_fall_back_to_naive_with_the_reason(b: &dyn Backend) {
    let mut proto = graph::read_model(&bytes("mpra1.onnx")).unwrap();
    let node = proto.graph.as_mut().unwrap().node.iter_mut().find(|n| n.op_type == "Relu").unwrap();
    node.op_type = "Softmax".into();
    let name = node.name.clone();
    let m = Model::load(&proto.encode_to_vec(), &text("mpra1.manifest.json"), None, b).unwrap();
    assert!(m.split.is_none());
    assert_eq!(
        m.split_error.as_deref().unwrap(),
        format!("the trunk has a Softmax node ('{name}'), which is not position-wise")
    );
    let s = random_dna(230, 3);
    let r = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Fast).unwrap();
    assert_eq!(r.method, Method::Naive);
    assert_eq!(r.fallback_reason, m.split_error);

    // A squeeze-excitation-like scale by the mean over the sequence (the shipped LegNets'
    // reason): the reason also says what it means for a scan.
    use regula_infer::proto::{self as pb, AttributeProto, NodeProto, TensorProto};
    let mut proto = graph::read_model(&bytes("mpra1.onnx")).unwrap();
    let opset = proto.opset_import.iter().find(|o| o.domain.is_empty()).map_or(0, |o| o.version);
    let g = proto.graph.as_mut().unwrap();
    let at = g.node.iter().position(|n| n.op_type == "Relu").unwrap();
    let out = std::mem::replace(&mut g.node[at].output[0], "relu_before_scale".into());
    let int = |name: &str, i: i64| AttributeProto {
        name: name.into(),
        r#type: pb::attribute_type::INT,
        i,
        ..Default::default()
    };
    let mut mean = NodeProto {
        op_type: "ReduceMean".into(),
        name: "scale_mean".into(),
        input: vec!["relu_before_scale".into()],
        output: vec!["scale_mean_out".into()],
        attribute: vec![int("keepdims", 1)],
        ..Default::default()
    };
    if opset >= 18 {
        mean.input.push("scale_axes".into());
        g.initializer.push(TensorProto {
            name: "scale_axes".into(),
            dims: vec![1],
            data_type: pb::data_type::INT64,
            int64_data: vec![2],
            ..Default::default()
        });
    } else {
        mean.attribute.push(AttributeProto {
            name: "axes".into(),
            r#type: pb::attribute_type::INTS,
            ints: vec![2],
            ..Default::default()
        });
    }
    let scale = NodeProto {
        op_type: "Mul".into(),
        name: "scale_mul".into(),
        input: vec!["relu_before_scale".into(), "scale_mean_out".into()],
        output: vec![out],
        ..Default::default()
    };
    g.node.splice(at + 1..at + 1, [mean, scale]);
    let m = Model::load(&proto.encode_to_vec(), &text("mpra1.manifest.json"), None, b).unwrap();
    assert_eq!(
        m.split_error.as_deref().unwrap(),
        "the trunk has a ReduceMean node ('scale_mean'), which is not position-wise: it takes a mean over the whole \
         sequence (as squeeze-excitation does), so a substitution changes every value after it, and each one takes a \
         full forward pass"
    );
    let r = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Fast).unwrap();
    assert_eq!((r.method, r.fallback_reason), (Method::Naive, m.split_error));
}

pub fn tiled_attributions_are_those_of_the_mean_over_windows(b: &dyn Backend) {
    let m = model(b, "mpra3");
    let s = random_dna(330, 12);
    let policy = LengthPolicy::Tile { stride: 100, padding: Padding::N };
    let (a, bases, start, fitting) =
        regula_infer::attribution::for_sequence(&m, &s, &policy, gradient_times_input).unwrap();
    assert_eq!((bases.len(), start, fitting), (330, 0, Fitting::Tiled { windows: 2, stride: 100 }));
    assert_eq!(a.per_position.len(), 3 * 330);
    let w0 = gradient_times_input(&m, &m.encode(&s[..230])).unwrap();
    let w1 = gradient_times_input(&m, &m.encode(&s[100..])).unwrap();
    for k in 0..3 {
        // Only the first window reads base 10, both read base 150, only the second base 300.
        assert!((a.per_position[k * 330 + 10] - w0.per_position[k * 230 + 10] / 2.0).abs() < 1e-7);
        assert!(
            (a.per_position[k * 330 + 150] - (w0.per_position[k * 230 + 150] + w1.per_position[k * 230 + 50]) / 2.0)
                .abs()
                < 1e-7
        );
        assert!((a.per_position[k * 330 + 300] - w1.per_position[k * 230 + 200] / 2.0).abs() < 1e-7);
    }
    let ig = |m: &Model, x: &[f32]| integrated_gradients(m, x, None, 64);
    let (a, ..) = regula_infer::attribution::for_sequence(&m, &s, &policy, ig).unwrap();
    let tiled = predict(&m, &[("s".into(), s.clone())], &policy).unwrap();
    for k in 0..3 {
        assert!((a.prediction[k] as f64 - tiled[0].values[k]).abs() < 1e-6);
    }
    assert!(a.completeness_gap.unwrap().iter().all(|g| g.abs() < 2e-3));
}

pub fn odd_variant_lines_are_errors_not_panics(b: &dyn Backend) {
    let m = model(b, "mpra1");
    let s = lentimpra()[0].clone();
    let text = "0 A>C\n231 A>C\n-5 A>C\n5 >C\n5 A>\n5\tA\n\t\t\t\t\n99999999999999999999999 A>C\n";
    let policy = LengthPolicy::PadOrCrop { padding: Padding::N };
    let r = score_variants(&m, &s, text, &Coordinates::default(), &policy, false).unwrap();
    // The all-tab line is blank once trimmed and skipped; every other line is an error row.
    assert_eq!(r.scores.len(), 7);
    for v in &r.scores {
        assert!(v.error.as_deref().is_some_and(|e| e.starts_with(&format!("line {}: ", v.line))), "{v:?}");
    }
}
