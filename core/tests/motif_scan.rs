//! Scanning: planted sites are found at the right place and strand; windows with N are skipped.

use regula_core::motif::scan::{DEFAULT_P_THRESHOLD, scan};
use regula_core::motif::{Hit, ScanOptions, Scanner, ScoreDistribution, Strand, meme};

const VERTEBRATES: &str = include_str!("../../tests/data/jaspar2024_core_vertebrates.meme");

fn random_dna(len: usize, mut state: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            b"ACGT"[(state >> 33) as usize & 3]
        })
        .collect()
}

fn revcomp(s: &[u8]) -> Vec<u8> {
    s.iter()
        .rev()
        .map(|b| match b {
            b'A' => b'T',
            b'C' => b'G',
            b'G' => b'C',
            b'T' => b'A',
            x => *x,
        })
        .collect()
}

fn runx1_scanner() -> (Scanner, String) {
    runx1_scanner_with([0.25; 4])
}

fn runx1_scanner_with(background: [f64; 4]) -> (Scanner, String) {
    let set = meme::parse(VERTEBRATES).unwrap();
    let runx1 = set.get("MA0002.3").unwrap().clone();
    let consensus = runx1.consensus();
    let scanner = Scanner::new(std::slice::from_ref(&runx1), ScanOptions::new(background)).unwrap();
    (scanner, consensus)
}

fn find(hits: &[Hit], start: usize, strand: Strand) -> Option<&Hit> {
    hits.iter().find(|h| h.start == start && h.strand == strand)
}

#[test]
fn planted_sites_on_both_strands() {
    let (scanner, consensus) = runx1_scanner();
    assert_eq!(consensus, "CTGTGGTTT");
    assert_eq!(scanner.options().p_threshold, DEFAULT_P_THRESHOLD);
    let mut seq = random_dna(300, 0xDEAD_BEEF);
    seq[50..59].copy_from_slice(consensus.as_bytes());
    seq[200..209].copy_from_slice(&revcomp(consensus.as_bytes()));
    // lower case must not matter
    seq[200..209].make_ascii_lowercase();
    let hits = scanner.scan(&seq);

    let fwd = find(&hits, 50, Strand::Forward).expect("forward site");
    assert_eq!(fwd.end, 59);
    assert_eq!(fwd.matched, consensus);
    assert_eq!(fwd.motif_id, "MA0002.3");
    assert_eq!(fwd.motif_name.as_deref(), Some("Runx1"));
    assert!(fwd.p_value < 1e-4);
    // the consensus is the unique best 9-mer: its p-value is its background probability
    assert_eq!(fwd.p_value, 0.25f64.powi(9));
    let cm = &scanner.motifs()[0];
    assert_eq!(
        cm.forward_dist.int_scores,
        cm.reverse_dist.int_scores.iter().rev().map(|r| [r[3], r[2], r[1], r[0]]).collect::<Vec<_>>()
    );
    assert_eq!(Some(fwd.score), cm.forward.score(consensus.as_bytes()));
    assert!((fwd.score - cm.forward.max_score()).abs() < 1e-9);

    let rev = find(&hits, 200, Strand::Reverse).expect("reverse site");
    assert_eq!(rev.end, 209);
    assert_eq!(rev.matched, consensus, "reverse hits report the site as read on the reverse strand");
    assert!(rev.p_value < 1e-4);
    assert!((rev.score - fwd.score).abs() < 1e-9);
    check_hits(&scanner, &seq, &hits);

    // An asymmetric background: the reverse strand gets its own exact distribution.
    let (scanner, _) = runx1_scanner_with([0.35, 0.15, 0.2, 0.3]);
    let hits = scanner.scan(&seq);
    let fwd = find(&hits, 50, Strand::Forward).expect("forward site");
    let rev = find(&hits, 200, Strand::Reverse).expect("reverse site");
    assert!(fwd.p_value < 1e-4 && rev.p_value < 1e-4);
    assert_ne!(scanner.motifs()[0].forward_dist, scanner.motifs()[0].reverse_dist);
    check_hits(&scanner, &seq, &hits);
}

fn check_hits(scanner: &Scanner, seq: &[u8], hits: &[Hit]) {
    let cm = &scanner.motifs()[0];
    // every hit passes the threshold and its p-value is that of its window on its strand
    for h in hits {
        assert!(h.p_value <= 1e-4);
        let window = &seq[h.start..h.end];
        let p = match h.strand {
            Strand::Forward => cm.forward_dist.window_pvalue(window),
            Strand::Reverse => cm.reverse_dist.window_pvalue(window),
        };
        assert_eq!(Some(h.p_value), p);
    }
}

#[test]
fn windows_with_n_are_skipped() {
    let (scanner, consensus) = runx1_scanner();
    let mut seq = random_dna(120, 42);
    seq[30..39].copy_from_slice(consensus.as_bytes());
    seq[80..89].copy_from_slice(&revcomp(consensus.as_bytes()));
    let before = scanner.scan(&seq);
    assert!(find(&before, 30, Strand::Forward).is_some());
    assert!(find(&before, 80, Strand::Reverse).is_some());

    seq[34] = b'N';
    seq[88] = b'n';
    let after = scanner.scan(&seq);
    assert!(after.iter().all(|h| !(h.start <= 34 && 34 < h.end)), "no hit may span the N");
    assert!(after.iter().all(|h| !(h.start <= 88 && 88 < h.end)));
    assert!(find(&after, 30, Strand::Forward).is_none());
    assert!(find(&after, 80, Strand::Reverse).is_none());

    // short or all-N sequences: no hits, no panic
    assert!(scanner.scan(b"").is_empty());
    assert!(scanner.scan(b"ACGT").is_empty());
    assert!(scanner.scan(&[b'N'; 50]).is_empty());
}

#[test]
fn forward_only_and_threshold_options() {
    let set = meme::parse(VERTEBRATES).unwrap();
    let arnt = set.get("MA0004.1").unwrap().clone();
    let seq = b"TTTTTCACGTGTTTTT";
    // A width-6 motif cannot reach p <= 1e-4 (its best 6-mer has p = 4^-6 = 2.4e-4):
    let hits = scan(std::slice::from_ref(&arnt), seq, ScanOptions::default()).unwrap();
    assert!(hits.is_empty());
    // CACGTG is its own reverse complement: found on both strands at 5..11
    let base = ScanOptions { p_threshold: 5e-4, ..ScanOptions::default() };
    let hits = scan(std::slice::from_ref(&arnt), seq, base.clone()).unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert_eq!(hits[0].p_value, 0.25f64.powi(6));
    assert!(find(&hits, 5, Strand::Forward).is_some());
    assert!(find(&hits, 5, Strand::Reverse).is_some());
    let opts = ScanOptions { both_strands: false, ..base.clone() };
    let hits = scan(std::slice::from_ref(&arnt), seq, opts).unwrap();
    assert!(hits.iter().all(|h| h.strand == Strand::Forward));
    assert_eq!(hits.len(), 1);
    // a threshold below the best possible p-value gives no hits at all
    let opts = ScanOptions { p_threshold: 1e-9, ..base };
    assert!(scan(std::slice::from_ref(&arnt), seq, opts).unwrap().is_empty());
    // invalid threshold
    let opts = ScanOptions { p_threshold: 0.0, ..ScanOptions::default() };
    assert_eq!(Scanner::new(&[arnt], opts).unwrap_err().to_string(), "invalid p-value threshold 0: must be in (0, 1]");
}

#[test]
fn whole_file_compiles_and_scans() {
    // All 879 JASPAR 2024 vertebrate motifs build exact distributions; a random 1 kb sequence
    // gets roughly the expected number of hits (2 strands x ~1000 windows x 879 x 1e-4 ~ 176).
    let set = meme::parse(VERTEBRATES).unwrap();
    let scanner = Scanner::new(&set.motifs, ScanOptions::new(set.background)).unwrap();
    let seq = random_dna(1000, 7);
    let hits = scanner.scan(&seq);
    assert!(hits.len() > 50 && hits.len() < 400, "{} hits", hits.len());
    let dist: &ScoreDistribution = &scanner.motifs()[0].forward_dist;
    assert!(dist.width() == 9);
}
