//! The inference layer's test suite (`infer/tests/suite`) on the ONNX Runtime backend: native
//! prediction, mutagenesis, variants and attributions are checked by the same tests as tract's.

#[path = "../../infer/tests/suite/mod.rs"]
mod suite;

fn backend() -> regula_train::ort_backend::OnnxRuntime {
    regula_train::ort_backend::OnnxRuntime::new(regula_train::runtime::RuntimeConfig {
        threads: 1,
        ..Default::default()
    })
}

suite::backend_suite!(crate::backend());
