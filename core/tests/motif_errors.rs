//! Error catalogue: bad input gets an error naming the line, the motif and what was wrong; and
//! no input makes the parsers panic or allocate by declared sizes.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regula_core::motif::{MotifError, ParseErrorKind, jaspar, meme};

const HEAD: &str = "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n";
// HEAD has 9 lines; the first line after it is line 10.

fn meme_err(body: &str) -> String {
    meme::parse(&format!("{HEAD}{body}")).unwrap_err().to_string()
}

#[test]
fn meme_error_catalogue() {
    let cases: &[(&str, &str)] = &[
        // 1. wrong value count (line 13 = third row)
        (
            "MOTIF MA0004.1 Arnt\nletter-probability matrix: alength= 4 w= 3 nsites= 20 E= 0\n0.2 0.8 0 0\n0.95 0 0.05 0\n0 1 0\n",
            "line 14: motif MA0004.1 Arnt: row 3 has 3 values, expected 4",
        ),
        // 2. fewer rows than w=
        (
            "MOTIF X\nletter-probability matrix: alength= 4 w= 3\n1 0 0 0\n0 1 0 0\n\nURL http://x\n",
            "line 11: motif X: matrix declares w= 3 but has 2 rows",
        ),
        // 3. more rows than w=
        (
            "MOTIF X\nletter-probability matrix: alength= 4 w= 1\n1 0 0 0\n0 1 0 0\n",
            "line 13: motif X: matrix declares w= 1 but has more rows",
        ),
        // 4. negative probability
        (
            "MOTIF X y\nletter-probability matrix: alength= 4 w= 1\n-0.1 0.6 0.25 0.25\n",
            "line 12: motif X y: row 1: negative value -0.1",
        ),
        // 5. not finite
        (
            "MOTIF X\nletter-probability matrix:\n0.25 0.25 0.25 0.25\n0.5 NaN 0.25 0.25\n",
            "line 13: motif X: row 2: 'NaN' is not finite",
        ),
        // 6. row sum
        (
            "MOTIF X\nletter-probability matrix: w= 1\n0.2 0.2 0.25 0.25\n",
            "line 12: motif X: row 1 sums to 0.900000, expected 1 (tolerance 0.02)",
        ),
        // 7. not a number
        (
            "MOTIF X\nletter-probability matrix: w= 1\n0.25 abc 0.25 0.25\n",
            "line 12: motif X: row 1: 'abc' is not a number",
        ),
        // 8. alength
        (
            "MOTIF P\nletter-probability matrix: alength= 20 w= 1\n1 0 0 0\n",
            "line 11: motif P: alength= 20 but the alphabet ACGT has 4 letters",
        ),
        // 9. unparsable header field
        ("MOTIF X\nletter-probability matrix: alength= 4 w= six\n1 0 0 0\n", "line 11: motif X: cannot parse w= 'six'"),
        // 10. motif without matrix
        (
            "MOTIF lonely\n\nMOTIF X\nletter-probability matrix:\n1 0 0 0\n",
            "line 10: motif lonely: no letter-probability matrix",
        ),
        // 11. matrix header with no rows
        ("MOTIF X\nletter-probability matrix: alength= 4 w= 2\nMOTIF Y\n", "line 11: motif X: matrix has no rows"),
        // 12. MOTIF without id
        ("MOTIF\n", "line 10: motif header has no identifier"),
        // 13. matrix outside a motif
        ("letter-probability matrix: w= 1\n1 0 0 0\n", "line 10: letter-probability matrix before any MOTIF line"),
        // 14. stray number row
        (
            "MOTIF X\nletter-probability matrix: w= 1\n1 0 0 0\n\ntext\n0.25 0.25 0.25 0.25\n",
            "line 15: motif X: number row outside a matrix",
        ),
        // 15. absurd w: compared with the rows that are there, nothing allocated by it
        (
            "MOTIF big\nletter-probability matrix: alength= 4 w= 999999999 nsites= 20 E= 0\n0.25 0.25 0.25 0.25\n",
            "line 11: motif big: matrix declares w= 999999999 but has 1 rows",
        ),
        (
            "MOTIF big\nletter-probability matrix: alength= 4 w= 99999999999999999999999\n",
            "line 11: motif big: cannot parse w= '99999999999999999999999'",
        ),
        // 16. two matrices for one motif
        (
            "MOTIF X\nletter-probability matrix: w= 1\n1 0 0 0\nletter-probability matrix: w= 1\n1 0 0 0\n",
            "line 13: motif X: second letter-probability matrix for the same motif",
        ),
        // 17. nsites must be a finite number >= 0
        (
            "MOTIF X\nletter-probability matrix: w= 1 nsites= -5\n1 0 0 0\n",
            "line 11: motif X: cannot parse nsites= '-5'",
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(&meme_err(body), expected, "input:\n{body}");
    }
}

#[test]
fn meme_file_level_errors() {
    let e = |t: &str| meme::parse(t).unwrap_err().to_string();
    assert_eq!(e(""), "no motifs found");
    assert_eq!(e("MEME version 4\n\nALPHABET= ACGT\n"), "no motifs found");
    assert_eq!(e("MEME version 4\r\n\r\nALPHABET= ACGU\r\n"), "line 3: unsupported alphabet 'ACGU' (expected ACGT)");
    assert_eq!(
        e("MEME version 5\nALPHABET \"RNA\" RNA-LIKE\nA ~ U\nC ~ G\nEND ALPHABET\n"),
        "line 2: unsupported alphabet 'AUCG' (expected ACGT)"
    );
    assert_eq!(e("MEME version 5\nALPHABET \"DNA\"\nA\n"), "line 2: ALPHABET block without 'END ALPHABET'");
    assert_eq!(e("MOTIF X\nletter-probability matrix:\n1 0 0 0\n"), "line 1: MOTIF before the 'MEME version' line");
    assert_eq!(e("MEME version 4\nstrands: + x\n"), "line 2: bad strands line '+ x' (expected '+', '-' or '+ -')");
    assert_eq!(
        e("MEME version 4\nBackground letter frequencies\nA 0.3 C 0.2 G 0.2\n\nMOTIF X\n"),
        "line 3: bad background letter frequencies: no frequency for T"
    );
    assert_eq!(
        e("MEME version 4\nBackground letter frequencies\nA 0.3 C 0.2 G 0.2 T 0\n"),
        "line 3: bad background letter frequencies: frequency of T is 0, expected > 0"
    );
    assert_eq!(
        e("MEME version 4\nBackground letter frequencies\nA 0.5 C 0.5 G 0.5 T 0.5\n"),
        "line 3: bad background letter frequencies: frequencies sum to 2.000000, expected 1"
    );
    // invalid UTF-8 names its line
    let mut bytes = b"MEME version 4\nMOTIF ".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    let err = meme::parse_bytes(&bytes).unwrap_err();
    assert_eq!(err.to_string(), "line 2: invalid UTF-8");
    assert_eq!(err.line(), Some(2));
    assert!(matches!(err, MotifError::Parse { kind: ParseErrorKind::InvalidUtf8, .. }));
}

#[test]
fn jaspar_error_catalogue() {
    let e = |t: &str| jaspar::parse(t).unwrap_err().to_string();
    let good = ">MA0004.1 Arnt\nA  [ 4 19  0  0  0  0 ]\nC  [16  0 20  0  0  0 ]\nG  [ 0  1  0 20  0 20 ]\nT  [ 0  0  0  0 20  0 ]\n";
    assert!(jaspar::parse(good).is_ok());
    assert_eq!(
        e(&good.replace("G  [ 0  1  0 20  0 20 ]", "G  [ 0  1  0 20  0 ]")),
        "line 4: motif MA0004.1 Arnt: row 3 has 5 values, expected 6"
    );
    assert_eq!(
        e(">MA0004.1 Arnt\nA  [ 4 19  0  0  0  0 ]\nC  [16  0 20  0  0  0 ]\nG  [ 0  1  0 20  0 20 ]\n"),
        "line 1: motif MA0004.1 Arnt: has 3 rows, expected 4 (A, C, G, T); missing T"
    );
    assert_eq!(
        e(&good.replace("C  [16", "A  [16")),
        "line 3: motif MA0004.1 Arnt: row 2: second row for A (first on line 2)"
    );
    assert_eq!(e(&good.replace("[16", "[-16")), "line 3: motif MA0004.1 Arnt: row 2: negative value -16");
    assert_eq!(e(&good.replace("19", "1x9")), "line 2: motif MA0004.1 Arnt: row 1: '1x9' is not a number");
    assert_eq!(e(&good.replace("19", "inf")), "line 2: motif MA0004.1 Arnt: row 1: 'inf' is not finite");
    assert_eq!(e(">X\nA [0 1]\nC [0 1]\nG [0 1]\nT [0 1]\n"), "line 1: motif X: column 1 has a total count of 0");
    assert_eq!(e("A [1 2 3]\n"), "line 1: matrix row before any '>' header");
    assert_eq!(e(">\n"), "line 1: motif header has no identifier");
    assert_eq!(e(">X\n>Y\nA [1]\nC [1]\nG [1]\nT [1]\n"), "line 1: motif X: matrix has no rows");
    assert_eq!(e(">X\n1\n2\n3\n4\n5\n"), "line 6: motif X: row 5: more than 4 rows (A, C, G, T)");
    assert_eq!(e("\n# only a comment\n"), "no motifs found");
    assert_eq!(jaspar::parse_bytes(b">X\n\xc3\x28").unwrap_err().to_string(), "line 2: invalid UTF-8");
}

/// A uniform index below `n` (0 when `n` is 0).
fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    rng.random_range(0..n.max(1))
}

/// A poor man's fuzzer: random bytes, random tokens from both formats, and byte-level mutations
/// of valid files. Both parsers (and, on success, the scanner) must return without panicking.
#[test]
fn arbitrary_input_never_panics() {
    let seeds: [&[u8]; 3] = [
        include_bytes!("../../tests/data/jaspar2024_vertebrates_first4.jaspar"),
        b"MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nBackground letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\nMOTIF MA0004.1 Arnt\nletter-probability matrix: alength= 4 w= 6 nsites= 20 E= 0\n0.200000 0.800000 0.000000 0.000000\n0.950000 0.000000 0.050000 0.000000\n0.000000 1.000000 0.000000 0.000000\n0.000000 0.000000 1.000000 0.000000\n0.000000 0.000000 0.000000 1.000000\n0.000000 0.000000 1.000000 0.000000\nURL http://jaspar.genereg.net/matrix/MA0004.1\n",
        b"MEME version 5\nALPHABET \"DNA\" DNA-LIKE\nA ~ T\nC ~ G\nN = ACGT\nEND ALPHABET\nMOTIF m\nlog-odds matrix: w= 1\n1 2 3 4\nletter-probability matrix: w= 1\n0.25 0.25 0.25 0.25\n",
    ];
    let tokens: [&[u8]; 24] = [
        b"MEME version 4\n",
        b"MOTIF ",
        b"letter-probability matrix: ",
        b"alength= 4 ",
        b"w= 999999999 ",
        b"w= 0 ",
        b"nsites= ",
        b"E= ",
        b"ALPHABET= ACGT\n",
        b"ALPHABET \"x\"\n",
        b"END ALPHABET\n",
        b"strands: + -\n",
        b"Background letter frequencies\n",
        b"A 0.25 C 0.25 G 0.25 T 0.25\n",
        b"0.25 0.25 0.25 0.25\n",
        b"1e308 1e308 ",
        b"-0 nan inf ",
        b">",
        b"A [ 1 2 3 ]\n",
        b"\r\n",
        b"\n",
        b" ",
        b"~",
        b"\xff\xc3",
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(0x1234_5678_9ABC_DEF1);
    for iter in 0..6000 {
        let input: Vec<u8> = match iter % 3 {
            0 => (0..below(&mut rng, 300)).map(|_| rng.random::<u8>()).collect(),
            1 => (0..below(&mut rng, 40)).flat_map(|_| tokens[below(&mut rng, tokens.len())].iter().copied()).collect(),
            _ => {
                let mut v = seeds[below(&mut rng, seeds.len())].to_vec();
                for _ in 0..1 + below(&mut rng, 6) {
                    if v.is_empty() {
                        break;
                    }
                    let pos = below(&mut rng, v.len());
                    match below(&mut rng, 4) {
                        0 => v[pos] = rng.random::<u8>(),
                        1 => {
                            v.remove(pos);
                        }
                        2 => v.insert(pos, b"0123456789.-e \n\r[]>ACGTN="[below(&mut rng, 25)]),
                        _ => v.truncate(pos),
                    }
                }
                v
            }
        };
        for set in [meme::parse_bytes(&input), jaspar::parse_bytes(&input)].into_iter().flatten() {
            // Whatever parsed must also score and scan without panicking.
            if let Ok(scanner) = regula_core::motif::Scanner::new(&set.motifs, Default::default()) {
                let _ = scanner.scan(b"ACGTNACGTTGCAacgtCCCGGGTTTAAA");
            }
            for m in &set.motifs {
                let _ = (m.consensus(), m.information_content());
            }
        }
        if let Ok(s) = std::str::from_utf8(&input) {
            let _ = (meme::parse(s), jaspar::parse(s));
        }
    }
}
