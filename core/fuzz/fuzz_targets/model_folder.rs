//! A model folder's manifest against its graph: any manifest text and any bytes as the ONNX
//! file must be accepted or refused with a message by the checks `regula-train` runs when it
//! loads a folder (manifest schema, flank letters, file names inside the folder, the graph's
//! inputs and outputs against the manifest), never a panic. The input is the manifest, a NUL
//! byte, then the ONNX bytes; without a NUL, the bytes are the graph and the manifest is a
//! valid one-target model's.
#![no_main]
use libfuzzer_sys::fuzz_target;
use prost::Message;
use regula_core::manifest::Manifest;
use regula_infer::proto::ModelProto;
use regula_train::model_folder::{check_graph, check_manifest};

const MANIFEST: &str = include_str!("../../../infer/tests/fixtures/mpra1.manifest.json");

fuzz_target!(|data: &[u8]| {
    let (text, onnx) = match data.iter().position(|&b| b == 0) {
        Some(i) => (String::from_utf8_lossy(&data[..i]).into_owned(), &data[i + 1..]),
        None => (MANIFEST.to_string(), data),
    };
    let Ok(manifest) = Manifest::from_json(&text) else { return };
    if check_manifest(&manifest).is_err() {
        return;
    }
    if let Ok(graph) = ModelProto::decode(onnx)
        && let Err(message) = check_graph(&graph, &manifest)
    {
        assert!(!message.is_empty());
    }
});
