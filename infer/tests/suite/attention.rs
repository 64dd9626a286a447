//! Attention maps (`regula_infer::attention`) of `attn1`, the `cnn-attention` preset's model:
//! shape, rows that sum to 1, the numbers ONNX Runtime computes on the whole inference graph
//! with the softmax declared as an output (`attn1.expected.json`), positions mapped to bases;
//! and a model without attention says so.

use regula_core::length::{Fitting, LengthPolicy, Padding};
use regula_infer::attention::{NO_ATTENTION, VALUE, attention_map};
use regula_infer::runtime::Backend;

use super::common::*;

const TOL: f32 = 1e-5;

pub fn attention_rows_sum_to_one_and_equal_onnx_runtime_on_the_whole_graph(b: &dyn Backend) {
    let m = model(b, "attn1");
    let expected: serde_json::Value = serde_json::from_str(&text("attn1.expected.json")).unwrap();
    let policy = LengthPolicy::PadOrCrop { padding: Padding::N };
    for (i, e) in expected["sequences"].as_array().unwrap().iter().enumerate() {
        let bases = e["bases"].as_str().unwrap();
        let a = attention_map(&m, bases.as_bytes(), &policy, 0, 0).unwrap();
        let shape: Vec<usize> = e["shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        assert_eq!(shape, [2, 28, 28]);
        assert_eq!((a.heads, a.positions, a.layer, a.layers), (2, 28, 0, 1));
        let want: Vec<f32> = e["weights"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
        let d = max_abs_diff(&a.per_head, &want);
        assert!(d <= TOL, "sequence {i} on {}: attention weights differ from ONNX Runtime's by {d:e}", b.name());
        // Every row of every head, and of the mean over heads, sums to 1.
        for (what, rows) in [("per head", &a.per_head), ("mean", &a.mean)] {
            for (r, row) in rows.chunks(28).enumerate() {
                let sum: f32 = row.iter().sum();
                assert!((sum - 1.0).abs() <= TOL, "{what} row {r} sums to {sum}");
                assert!(row.iter().all(|&w| (0.0..=1.0).contains(&w)));
            }
        }
        for k in 0..28 * 28 {
            assert!((a.mean[k] - (a.per_head[k] + a.per_head[28 * 28 + k]) / 2.0).abs() <= 1e-7);
        }
        // Positions in bases: two pools (4, then 2) before the block, so 8 bases per position;
        // the receptive field of conv k11 (pad 5), pool 4, conv k5 (pad 2), pool 2.
        assert_eq!(a.stride, 8);
        assert_eq!(a.receptive_field, [-13, 20]);
        let start: isize = if i == 0 { 0 } else { -10 };
        assert_eq!(a.window_start, start);
        assert_eq!(a.starts, (0..28).map(|t| start + 8 * t).collect::<Vec<isize>>());
        assert_eq!(a.fitting, if i == 0 { Fitting::Unchanged } else { Fitting::Padded { left: 10, right: 10 } });
        assert_eq!(a.value, VALUE);
        assert!(a.scale.starts_with("position t (from 0) stands for bases t·8+1 … t·8+8 of the 230-base model window"));
        assert!(a.scale.ends_with("a receptive field of 34 bases"), "{}", a.scale);
    }
}

pub fn attention_maps_of_tiled_sequences_are_per_window(b: &dyn Backend) {
    let m = model(b, "attn1");
    let s = random_dna(330, 21);
    let tile = LengthPolicy::Tile { stride: 100, padding: Padding::N };
    let second = attention_map(&m, &s, &tile, 1, 0).unwrap();
    assert_eq!((second.window, second.windows, second.window_start), (1, 2, 100));
    assert_eq!(second.fitting, Fitting::Tiled { windows: 2, stride: 100 });
    // The second window's map is that of its bases read alone.
    let alone = attention_map(&m, &s[100..], &LengthPolicy::Exact, 0, 0).unwrap();
    assert_eq!(second.bases.as_bytes(), &s[100..]);
    assert!(max_abs_diff(&second.per_head, &alone.per_head) == 0.0);
    assert_eq!(
        attention_map(&m, &s, &tile, 2, 0).unwrap_err().to_string(),
        "window 3 does not exist: the length policy reads this 330 bp sequence in 2 windows"
    );
    assert_eq!(
        attention_map(&m, &s[..230], &LengthPolicy::Exact, 0, 1).unwrap_err().to_string(),
        "attention block 2 does not exist: the model has 1 (numbered from 1)"
    );
}

pub fn a_model_without_attention_says_so(b: &dyn Backend) {
    for name in ["mpra1", "dual"] {
        let m = model(b, name);
        assert_eq!(m.attention.as_ref().err().map(String::as_str), Some(NO_ATTENTION));
    }
    let m = model(b, "mpra1");
    let e = attention_map(&m, &lentimpra()[0], &LengthPolicy::Exact, 0, 0).unwrap_err();
    assert_eq!(e.to_string(), NO_ATTENTION);
}
