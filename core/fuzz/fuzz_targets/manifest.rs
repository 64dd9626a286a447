//! Model manifests: any text must be read or rejected with an error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use regula_core::manifest::Manifest;

fuzz_target!(|text: &str| {
    if let Ok(m) = Manifest::from_json(text) {
        assert_eq!(Manifest::from_json(&m.to_json()).unwrap(), m);
    }
});
