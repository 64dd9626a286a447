//! Cross-check against FIMO itself: `tests/data/fimo_jaspar2024_vertebrates_random3kb.tsv` holds
//! the hits MEME Suite's FIMO (through pymemesuite) reports for all 879 JASPAR 2024 vertebrate
//! motifs on a 3 kb sequence (stored in the file), p <= 1e-4, both strands, pseudocount 0.1,
//! with the background written in the file. Our scanner must report the same sites, with the same
//! p-values, and scores within the integerisation error.

use std::collections::BTreeMap;

use regula_core::motif::{ScanOptions, Scanner, Strand, meme};

const VERTEBRATES: &str = include_str!("../../tests/data/jaspar2024_core_vertebrates.meme");
const FIMO: &str = include_str!("../../tests/data/fimo_jaspar2024_vertebrates_random3kb.tsv");

struct FimoHit {
    score: f64,
    p_value: f64,
    matched: String,
}

#[test]
fn same_hits_and_p_values_as_fimo() {
    let mut background = [0.0; 4];
    let mut seq = String::new();
    let mut expected: BTreeMap<(String, usize, usize, Strand), FimoHit> = BTreeMap::new();
    for line in FIMO.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f[0] {
            "# background" => {
                for k in 0..4 {
                    background[k] = f[k + 1].parse().unwrap();
                }
            }
            "# sequence" => seq = f[1].to_owned(),
            "motif_id" => {}
            s if s.starts_with('#') => {}
            id => {
                // FIMO: 1-based inclusive; on the minus strand start > stop.
                let (a, b): (usize, usize) = (f[1].parse().unwrap(), f[2].parse().unwrap());
                let strand = if f[3] == "+" { Strand::Forward } else { Strand::Reverse };
                let key = (id.to_owned(), a.min(b) - 1, a.max(b), strand);
                let hit = FimoHit { score: f[4].parse().unwrap(), p_value: f[5].parse().unwrap(), matched: f[6].to_owned() };
                assert!(expected.insert(key, hit).is_none());
            }
        }
    }
    assert_eq!(seq.len(), 3000);
    assert_eq!(expected.len(), 558);

    let set = meme::parse(VERTEBRATES).unwrap();
    let scanner = Scanner::new(&set.motifs, ScanOptions::new(background)).unwrap();
    let hits = scanner.scan(seq.as_bytes());
    let mut ours = BTreeMap::new();
    for h in &hits {
        ours.insert((h.motif_id.clone(), h.start, h.end, h.strand), h);
    }
    let missing: Vec<_> = expected.keys().filter(|k| !ours.contains_key(*k)).collect();
    let extra: Vec<_> = ours.keys().filter(|k| !expected.contains_key(*k)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "missing {missing:?}\nextra {extra:?}");

    let by_id: BTreeMap<&str, usize> = set.motifs.iter().enumerate().map(|(i, m)| (m.id.as_str(), i)).collect();
    for (key, f) in &expected {
        let h = ours[key];
        let rel = (h.p_value - f.p_value).abs() / f.p_value;
        assert!(rel < 1e-9, "{key:?}: p {} vs FIMO {}", h.p_value, f.p_value);
        let cm = &scanner.motifs()[by_id[key.0.as_str()]];
        let tol = cm.forward_dist.max_discretisation_error() + 1e-9;
        assert!((h.score - f.score).abs() <= tol, "{key:?}: score {} vs FIMO {} (tol {tol})", h.score, f.score);
        assert_eq!(h.matched, f.matched, "{key:?}");
    }
}
