//! The inference layer's test suite (`infer/tests/suite`) on the tract backend, natively.

#![cfg(not(target_arch = "wasm32"))]

// Every allocation starts as NaN bytes: reading memory never written shows up here.
#[path = "support/poisoned.rs"]
mod poisoned;

#[path = "../../infer/tests/suite/mod.rs"]
mod suite;

suite::backend_suite!(regula_wasm::tract::Tract);
