//! Variant lists (VCF lines and `pos REF>ALT`) checked and applied against a sequence taken
//! from the input's first line.
#![no_main]
use libfuzzer_sys::fuzz_target;
use regula_core::variant::{parse_variants, Coordinates};

fuzz_target!(|text: &str| {
    let (sequence, rest) = text.split_once('\n').unwrap_or((text, ""));
    let coordinates = Coordinates { chrom: None, offset: (sequence.len() % 7) as u64 };
    for variant in parse_variants(rest, &coordinates).into_iter().flatten() {
        if let Ok(alt) = variant.apply(sequence.as_bytes()) {
            assert_eq!(alt.len() + variant.reference.len(), sequence.len() + variant.alternate.len());
        }
    }
});
