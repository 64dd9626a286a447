//! FASTA and plain pasted input: any bytes must give records or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(records) = regula_core::sequence::parse_sequences(data) {
        for r in records {
            assert!(!r.sequence.is_empty());
            let _ = regula_core::encode::one_hot(&r.sequence);
        }
    }
});
