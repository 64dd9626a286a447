//! Motif parsers on real JASPAR 2024 files copied into `tests/data/` (see its README).

use regula_core::motif::{MotifFormat, Strands, jaspar, meme};

const VERTEBRATES: &str = include_str!("../../tests/data/jaspar2024_core_vertebrates.meme");
const FIRST4_JASPAR: &str = include_str!("../../tests/data/jaspar2024_vertebrates_first4.jaspar");

#[test]
fn jaspar2024_vertebrates_meme_has_879_motifs() {
    let set = meme::parse(VERTEBRATES).unwrap();
    assert_eq!(set.len(), 879);
    assert_eq!(set.version.as_deref(), Some("4"));
    assert_eq!(set.strands, Strands::Both);
    assert!(set.background_from_file);
    assert_eq!(set.background, [0.25; 4]);
    // ids are unique
    let mut ids: Vec<&str> = set.motifs.iter().map(|m| m.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 879);
    // every row is a probability distribution
    for m in &set.motifs {
        assert_eq!(m.format, MotifFormat::Meme);
        assert!(m.width() > 0);
        for row in &m.probs {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{}", m.id);
        }
    }
}

#[test]
fn first_motif_matches_file_text() {
    // MOTIF MA0002.3 Runx1
    // letter-probability matrix: alength= 4 w= 9 nsites= 2000 E= 0
    // 0.061500 0.536000 0.074500 0.328000
    // 0.028500 0.000000 0.003500 0.968000
    let set = meme::parse(VERTEBRATES).unwrap();
    let m = &set.motifs[0];
    assert_eq!(m.id, "MA0002.3");
    assert_eq!(m.name.as_deref(), Some("Runx1"));
    assert_eq!(m.width(), 9);
    assert_eq!(m.nsites, Some(2000.0));
    assert_eq!(m.evalue, Some(0.0));
    assert_eq!(m.line, 10);
    assert!((m.probs[0][1] - 0.536).abs() < 1e-12);
    assert!((m.probs[1][3] - 0.968).abs() < 1e-12);
    assert_eq!(m.consensus(), "CTGTGGTTT");

    let arnt = set.get("MA0004.1").unwrap();
    assert_eq!(arnt.name.as_deref(), Some("Arnt"));
    assert_eq!(arnt.width(), 6);
    assert_eq!(arnt.consensus(), "CACGTG");
    // Column 3 is all C: 2 bits; column 1 (0.2 A, 0.8 C) has 2 - H(0.2, 0.8) bits.
    let ic = arnt.information_content();
    assert!((ic[2] - 2.0).abs() < 1e-12);
    let h = -(0.2f64 * 0.2f64.log2() + 0.8 * 0.8f64.log2());
    assert!((ic[0] - (2.0 - h)).abs() < 1e-12);

    let last = set.motifs.last().unwrap();
    let last_header = VERTEBRATES.lines().rfind(|l| l.starts_with("MOTIF ")).unwrap();
    assert_eq!(last_header, format!("MOTIF {} {}", last.id, last.name.as_deref().unwrap()));
}

#[test]
fn crlf_line_endings_and_bytes_parse_the_same() {
    let crlf = VERTEBRATES.replace('\n', "\r\n");
    let a = meme::parse(VERTEBRATES).unwrap();
    let b = meme::parse_bytes(crlf.as_bytes()).unwrap();
    assert_eq!(a.motifs.len(), b.motifs.len());
    assert_eq!(a.motifs[17].probs, b.motifs[17].probs);
    assert_eq!(a.motifs[17].id, b.motifs[17].id);
}

#[test]
fn meme_tolerates_urls_blank_lines_log_odds_and_alphabet_block() {
    let text = "MEME version 5.5.4\n\
        \n\
        ALPHABET \"DNA\" DNA-LIKE\n\
        A \"Adenine\" CC0000 ~ T \"Thymine\" 008000\n\
        C \"Cytosine\" 0000CC ~ G \"Guanine\" FFB300\n\
        N \"Any base\" = ACGT\n\
        END ALPHABET\n\
        \n\
        strands: +\n\
        \n\
        Background letter frequencies (from file x.fa):\n\
        A 0.3 C 0.2\n\
        G 0.2 T 0.3\n\
        \n\
        MOTIF m1\n\
        \n\
        log-odds matrix: alength= 4 w= 2\n\
        1.0 -1.0 -1.0 -1.0\n\
        -1.0 1.0 -1.0 -1.0\n\
        letter-probability matrix: alength= 4 w= 2 nsites= 7 E= 3.1e-05\n\
        \n\
        0.7 0.1 0.1 0.1\n\
        0.1 0.7 0.1 0.1\n\
        URL http://example.invalid/m1\n\
        \n\
        MOTIF m2 second name\n\
        letter-probability matrix: alength=4 w=1\n\
        0.25 0.25 0.25 0.25\n";
    let set = meme::parse(text).unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(set.strands, Strands::Forward);
    assert_eq!(set.background, [0.3, 0.2, 0.2, 0.3]);
    assert_eq!(set.motifs[0].nsites, Some(7.0));
    assert_eq!(set.motifs[0].evalue, Some(3.1e-5));
    assert_eq!(set.motifs[0].consensus(), "AC");
    assert_eq!(set.motifs[1].name.as_deref(), Some("second"));
    assert_eq!(set.motifs[1].nsites, None);
    assert_eq!(set.motifs[1].line, 26);
}

#[test]
fn jaspar_format_first_four_motifs() {
    let set = jaspar::parse(FIRST4_JASPAR).unwrap();
    assert_eq!(set.len(), 4);
    assert!(!set.background_from_file);
    let arnt = &set.motifs[2];
    assert_eq!(arnt.id, "MA0004.1");
    assert_eq!(arnt.name.as_deref(), Some("Arnt"));
    assert_eq!(arnt.format, MotifFormat::Jaspar);
    assert_eq!(arnt.width(), 6);
    assert_eq!(arnt.nsites, Some(20.0));
    let counts = arnt.counts.as_ref().unwrap();
    assert_eq!(counts[0], [4.0, 16.0, 0.0, 0.0]);
    assert_eq!(counts[1], [19.0, 0.0, 1.0, 0.0]);
    assert_eq!(arnt.probs[0], [0.2, 0.8, 0.0, 0.0]);
    assert_eq!(set.motifs[3].name.as_deref(), Some("Ahr::Arnt"));

    // The counts were made from the MEME file's probabilities: they agree within rounding.
    let meme_set = meme::parse(VERTEBRATES).unwrap();
    for (j, m) in set.motifs.iter().zip(&meme_set.motifs) {
        assert_eq!(j.id, m.id);
        assert_eq!(j.width(), m.width());
        assert_eq!(j.consensus(), m.consensus());
        let n = m.nsites.unwrap();
        for (a, b) in j.probs.iter().zip(&m.probs) {
            for k in 0..4 {
                assert!((a[k] - b[k]).abs() <= 2.0 / n, "{} {a:?} {b:?}", j.id);
            }
        }
    }
}

#[test]
fn jaspar_raw_pfm_without_letters_or_brackets() {
    let text = "# comment\r\n>MA9999.1\r\n1 2 3\r\n4 5 6\r\n\r\n7 8 9\r\n0 0 1\r\n>X\tname with spaces\nT [1]\nG [2]\nC [3]\nA [4]\n";
    let set = jaspar::parse_bytes(text.as_bytes()).unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(set.motifs[0].name, None);
    assert_eq!(set.motifs[0].counts.as_ref().unwrap()[2], [3.0, 6.0, 9.0, 1.0]);
    assert_eq!(set.motifs[0].nsites, Some(19.0));
    assert_eq!(set.motifs[1].name.as_deref(), Some("name with spaces"));
    assert_eq!(set.motifs[1].counts.as_ref().unwrap()[0], [4.0, 3.0, 2.0, 1.0]);
}
