//! Regula's shared core: everything both the native trainer and the browser predictor need,
//! with no runtime (ORT or tract) in it, so it compiles for `wasm32-unknown-unknown`.

pub mod encode;
pub mod genome;
pub mod length;
pub mod manifest;
pub mod motif;
pub mod sequence;
pub mod variant;
