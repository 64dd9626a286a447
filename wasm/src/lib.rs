//! Regula in the browser: the inference layer (`regula-infer`) compiled to WebAssembly with tract
//! as its backend ([`tract`]), behind a small JS API ([`js`], which only converts values). Models
//! and motif files arrive from the page as bytes; this crate performs no network I/O.
//!
//! The algorithms live in `regula-infer`, shared with the native CLI; they are re-exported here
//! under their module names.

pub mod js;
pub mod tract;

pub use regula_infer::{attribution, error, geometry, graph, ism, model, motifs, predict, runtime, segments, variants};

/// Loads a model with tract: the inference ONNX bytes, its manifest, and optionally the
/// attribution graph's bytes.
pub fn load_model(
    onnx: &[u8],
    manifest_json: &str,
    attribution: Option<&[u8]>,
) -> regula_infer::Result<regula_infer::Model> {
    regula_infer::Model::load(onnx, manifest_json, attribution, &tract::Tract)
}

use serde::Serialize;
use wasm_bindgen::prelude::*;

/// One checked sequence, as the page lists it.
#[derive(Debug, Serialize)]
pub struct SequenceSummary {
    pub name: String,
    pub length: usize,
    /// Fraction of G+C among the A/C/G/T bases (N excluded).
    pub gc: f64,
    /// Bases that are `N`.
    pub n_count: usize,
    /// Soft-masked (lower-case) bases.
    pub masked: usize,
}

impl SequenceSummary {
    fn of(name: &str, sequence: &[u8]) -> Self {
        let count = |f: fn(&u8) -> bool| sequence.iter().filter(|b| f(b)).count();
        let gc = count(|b| matches!(b, b'G' | b'C' | b'g' | b'c'));
        let n_count = count(|b| matches!(b, b'N' | b'n'));
        let called = sequence.len() - n_count;
        let gc = if called == 0 { 0.0 } else { gc as f64 / called as f64 };
        Self { name: name.to_string(), length: sequence.len(), gc, n_count, masked: count(u8::is_ascii_lowercase) }
    }
}

/// Checks pasted text (FASTA or a plain sequence) and summarises each record; the error names
/// the record, line and position of the first problem.
#[wasm_bindgen(js_name = checkSequences)]
pub fn check_sequences(text: &str) -> Result<JsValue, JsError> {
    let summaries = summarise(text.as_bytes()).map_err(|e| JsError::new(&e))?;
    serde_wasm_bindgen::to_value(&summaries).map_err(|e| JsError::new(&e.to_string()))
}

/// The Regula version this module was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

fn summarise(input: &[u8]) -> Result<Vec<SequenceSummary>, String> {
    let records = regula_core::sequence::parse_sequences(input).map_err(|e| e.to_string())?;
    Ok(records.iter().map(|r| SequenceSummary::of(&r.name, &r.sequence)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarises_each_record() {
        let s = summarise(b">a\nGGccNA\n>b\nAT\n").unwrap();
        assert_eq!((s[0].length, s[0].n_count, s[0].masked), (6, 1, 2));
        assert!((s[0].gc - 0.8).abs() < 1e-12);
        assert_eq!(s[1].gc, 0.0);
    }

    #[test]
    fn passes_the_located_error_through() {
        assert_eq!(
            summarise(b">a\nAC\n>b\nARC\n").unwrap_err(),
            "record 2 'b' (line 3): position 2: IUPAC ambiguity code 'R' is not supported (only A, C, G, T and N)"
        );
    }
}
