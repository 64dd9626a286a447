//! TSV/CSV tables with a header: any bytes, column names taken from the first line.
#![no_main]
use libfuzzer_sys::fuzz_target;
use regula_core::sequence::table::{parse, TableSpec};

fuzz_target!(|data: &[u8]| {
    let first = data.split(|&b| b == b'\n').next().unwrap_or_default();
    let names: Vec<String> = String::from_utf8_lossy(first).split(['\t', ',']).map(|s| s.trim().to_string()).collect();
    let spec = TableSpec {
        id_column: names.first().cloned(),
        sequence_columns: names.get(1).cloned().into_iter().collect(),
        target_columns: names.get(2..).map(|t| t.to_vec()).unwrap_or_default(),
        ..Default::default()
    };
    let _ = parse(data, &spec);
});
