//! MEME minimal motif format: any bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = regula_core::motif::meme::parse_bytes(data);
});
