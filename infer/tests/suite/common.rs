//! Fixtures for the native tests: the committed test models and real sequences from tests/data.

#![allow(dead_code)]

use regula_infer::model::Model;
use regula_infer::runtime::Backend;

/// The committed test models; the suite is compiled into the tests of `wasm/` and `trainer/`,
/// both siblings of `infer/`.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../infer/tests/fixtures");

pub fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn text(name: &str) -> String {
    String::from_utf8(bytes(name)).unwrap()
}

/// Loads fixture model `name` with its attribution graph.
pub fn model(b: &dyn Backend, name: &str) -> Model {
    let attribution = bytes(&format!("{name}.attribution.onnx"));
    Model::load(&bytes(&format!("{name}.onnx")), &text(&format!("{name}.manifest.json")), Some(&attribution), b)
        .unwrap_or_else(|e| panic!("{name} on {}: {e}", b.name()))
}

/// The 230 bp lentiMPRA sequences of tests/data/lentimpra_hepg2_head30.tsv.
pub fn lentimpra() -> Vec<Vec<u8>> {
    let t = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/lentimpra_hepg2_head30.tsv"))
        .unwrap();
    t.lines().skip(1).map(|l| l.split('\t').nth(1).unwrap().as_bytes().to_vec()).collect()
}

/// Deterministic random DNA (xorshift64*).
pub fn random_dna(len: usize, seed: u64) -> Vec<u8> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            b"ACGT"[(s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 62) as usize]
        })
        .collect()
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}
