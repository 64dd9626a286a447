//! Cross-check against FIMO itself: `tests/data/fimo_jaspar2024_vertebrates_random3kb.tsv` holds
//! the hits MEME Suite's FIMO (through pymemesuite) reports for all 879 JASPAR 2024 vertebrate
//! motifs on a 3 kb sequence (stored in the file), p <= 1e-4, both strands, pseudocount 0.1,
//! with the background written in the file. Our scanner must report the same sites, with the same
//! p-values, and scores within the integerisation error.

//!
//! The fixture was made with this script (`pip install pymemesuite`, which bundles MEME Suite):
//!
//! ```text
//! from pymemesuite.common import MotifFile, Sequence
//! from pymemesuite.fimo import FIMO
//! import pymemesuite
//! def rnd(n, state):
//!     out=[]
//!     for _ in range(n):
//!         state ^= (state << 13) & 0xFFFFFFFFFFFFFFFF
//!         state ^= state >> 7
//!         state ^= (state << 17) & 0xFFFFFFFFFFFFFFFF
//!         out.append("ACGT"[(state >> 33) & 3])
//!     return "".join(out)
//! seq = rnd(3000, 0x5EED)
//! seq = seq[:1000] + "NNNNN" + seq[1005:]
//! with MotifFile("tests/data/jaspar2024_core_vertebrates.meme", pseudocount=0.1, symmetrical=True) as mf:
//!     motifs = list(mf)
//!     bg = mf.background
//! fimo = FIMO(both_strands=True, threshold=1e-4)
//! s = Sequence(seq + "N", name=b"s")  # pymemesuite scans range(len - w): the trailing N makes it reach the last window of seq
//! out = open("tests/data/fimo_jaspar2024_vertebrates_random3kb.tsv","w")
//! out.write(f"# FIMO from MEME Suite (pymemesuite {pymemesuite.__version__}), all 879 motifs of jaspar2024_core_vertebrates.meme, both strands, p <= 1e-4,\n")
//! out.write("# pseudocount 0.1, background = MEME's NRDB default made symmetric (MotifFile(symmetrical=True)), sequence below (3000 bp, xorshift64 seed 0x5EED, N at 1000..1005; scanned with one N appended)\n")
//! out.write("# background\t" + "\t".join(repr(bg.frequencies[i]) for i in range(4)) + "\n")
//! out.write("# sequence\t" + seq + "\n")
//! out.write("motif_id\tstart\tstop\tstrand\tscore\tp_value\tmatched_sequence\n")
//! n=0
//! for m in motifs:
//!     pat = fimo.score_motif(m, [s], bg)
//!     for e in pat.matched_elements:
//!         out.write(f"{m.accession.decode()}\t{e.start}\t{e.stop}\t{e.strand}\t{e.score!r}\t{e.pvalue!r}\t{e.sequence}\n"); n+=1
//! print(n)
//! ```

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
                let hit =
                    FimoHit { score: f[4].parse().unwrap(), p_value: f[5].parse().unwrap(), matched: f[6].to_owned() };
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
