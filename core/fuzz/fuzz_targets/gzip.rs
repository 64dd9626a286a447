//! gzip and BGZF inputs: any bytes, compressed or not, must give text or an error (never a
//! panic), the whole-buffer and streaming readers must agree, and FASTA read through the
//! streaming reader must match FASTA parsed from the whole text.
#![no_main]
use std::io::Read;

use libfuzzer_sys::fuzz_target;
use regula_core::sequence::{compressed, fasta};

fuzz_target!(|data: &[u8]| {
    let whole = compressed::text_bytes(data);
    let streamed = compressed::text_reader(data).and_then(|(_, mut r)| {
        let mut out = Vec::new();
        r.read_to_end(&mut out).map(|_| out)
    });
    match (&whole, &streamed) {
        (Ok(a), Ok(b)) => assert_eq!(&a[..], &b[..]),
        (Err(_), Err(_)) => {}
        _ => panic!("the two readers disagree: {:?} vs {:?}", whole.as_ref().map(|t| t.len()), streamed.as_ref().map(Vec::len)),
    }
    if let (Ok(text), Ok((_, reader))) = (whole, compressed::text_reader(data))
        && text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'>')
    {
        let streamed: Result<Vec<_>, _> = fasta::Reader::new(reader).collect();
        let parsed = fasta::parse(&text);
        match (streamed, parsed) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(a, b),
            (a, b) => panic!("streamed {a:?} but parsed {b:?}"),
        }
    }
});
