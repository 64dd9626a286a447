//! `score-variants` at genome scale (issue 17), through the built binary with the shipped
//! `hepg2-mpra` model on the hg19 chr22 slice: the annotated VCF read back with noodles equals the
//! TSV number for number; its tabix index answers region queries; `--region` and `--regions`
//! select records by POS, through an index or while streaming, in input order; shards scored on
//! their own and merged equal one run; a variant is read in the 200 bp element of reference
//! centred on it between the model's 15 bp flanks (the window the model was trained on, checked
//! against `predict` of that construct built by hand); an unsorted VCF is written without an
//! index, and says why.

use std::path::PathBuf;
use std::process::Command;

use noodles_vcf::variant::record_buf::info::field::Value;
use noodles_vcf::variant::record_buf::info::field::value::Array;

const BIN: &str = env!("CARGO_BIN_EXE_regula-train");

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

const VCF: &str = "tests/data/variants_mixed_hg19_chr22_20095001_20115000.vcf.gz";
const REFERENCE: &str = "tests/data/hg19_chr22_20095001_20115000.fa.bgz";
const MODEL: &str = "models/hepg2-mpra";

/// A scratch folder with the mixed VCF (`v.vcf.gz`, BGZF without an index).
struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        let d = Dir(tempfile::tempdir().unwrap());
        std::fs::copy(repo(VCF), d.path("v.vcf.gz")).unwrap();
        d
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.path().join(rel)
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let o = Command::new(BIN).args(args).current_dir(self.0.path()).output().unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into(),
            String::from_utf8_lossy(&o.stderr).into(),
        )
    }

    /// score-variants of `vcf` into `out` with `extra` flags; expects success and returns stderr.
    fn score(&self, vcf: &str, out: &str, extra: &[&str]) -> String {
        let model = repo(MODEL);
        let reference = repo(REFERENCE);
        let mut args = vec![
            "score-variants",
            "--model",
            model.to_str().unwrap(),
            "--vcf",
            vcf,
            "--reference",
            reference.to_str().unwrap(),
            "--threads",
            "2",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        let (code, stdout, stderr) = self.run(&args);
        assert_eq!((code, stdout.as_str()), (0, ""), "{args:?}: {stderr}");
        stderr
    }

    /// The decompressed text of a VCF written here.
    fn text(&self, rel: &str) -> String {
        let mut s = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(self.path(rel)).unwrap()),
            &mut s,
        )
        .unwrap();
        s
    }
}

fn records(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.starts_with('#')).collect()
}

fn floats(v: Option<Option<&Value>>) -> Vec<Option<f64>> {
    match v {
        None | Some(None) => vec![],
        Some(Some(Value::Float(x))) => vec![Some(*x as f64)],
        Some(Some(Value::Array(Array::Float(xs)))) => xs.iter().map(|x| x.map(f64::from)).collect(),
        other => panic!("not a float: {other:?}"),
    }
}

fn strings(v: Option<Option<&Value>>) -> Vec<Option<String>> {
    match v {
        None | Some(None) => vec![],
        Some(Some(Value::String(s))) => vec![Some(s.clone())],
        Some(Some(Value::Array(Array::String(xs)))) => xs.clone(),
        other => panic!("not a string: {other:?}"),
    }
}

/// Six decimals written, read back as f32 by noodles.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 + 1e-6 * b.abs()
}

#[test]
fn the_annotated_vcf_read_back_equals_the_table() {
    let d = Dir::new();
    let warning = d.score("v.vcf.gz", "s.vcf.gz", &[]);
    assert_eq!(
        warning,
        "regula-train: 13 of 184 variants could not be scored (its INFO says why); the first: line 6: the window chr22:20094949-20095149 (0-based, half-open) runs past the genome sequence, which covers chr22:20095000-20115000\n"
    );
    assert!(d.path("s.vcf.gz.tbi").exists());
    d.score("v.vcf.gz", "s.tsv", &[]);
    let table = std::fs::read_to_string(d.path("s.tsv")).unwrap();
    let mut rows = table.lines().skip(1).map(|l| l.split('\t').collect::<Vec<_>>());

    let mut reader = noodles_vcf::io::reader::Builder::default().build_from_path(d.path("s.vcf.gz")).unwrap();
    let header = reader.read_header().unwrap();
    // The header: each key with its number, type and unit; the model named with its hash.
    let info = |key: &str| header.infos().get(key).unwrap_or_else(|| panic!("no ##INFO for {key}"));
    for (key, number) in [("ref", "Count(1)"), ("alt", "AlternateBases"), ("effect", "AlternateBases")] {
        let def = info(&format!("hepg2_mpra_mean_value_{key}"));
        assert_eq!(format!("{:?}", def.number()), number);
        assert_eq!(format!("{:?}", def.ty()), "Float");
        assert!(def.description().contains("log2 RNA/DNA, lentiMPRA HepG2"), "{}", def.description());
    }
    assert!(info("hepg2_mpra_mean_value_effect").description().contains("relative to the reference allele"));
    let sha = regula_train::model_folder::sha256_hex(&std::fs::read(repo("models/hepg2-mpra/model.onnx")).unwrap());
    let text = d.text("s.vcf.gz");
    let line = text.lines().find(|l| l.starts_with("##regula_model=")).unwrap();
    // hepg2-mpra's metrics were measured on both strands, so its variants are read on both.
    assert_eq!(
        line,
        format!(
            "##regula_model=<ID=hepg2_mpra,name=\"hepg2-mpra\",sha256={sha},version=\"{}\",window=\"the 200 bp of reference centred on the variant (its first base at element position 101), between the model's 15 bp flanks: 230 bp in all\",strands=\"mean of both strands\">",
            env!("CARGO_PKG_VERSION")
        )
    );
    let input_text = {
        let mut s = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(repo(VCF)).unwrap()),
            &mut s,
        )
        .unwrap();
        s
    };
    let input = records(&input_text);
    let mut n = 0;
    let mut codes = Vec::new();
    for (i, result) in reader.record_bufs(&header).enumerate() {
        let record = result.unwrap();
        // Everything but INFO as it was; INFO keeps its DP.
        let (got, want): (Vec<&str>, Vec<&str>) =
            (records(&text)[i].split('\t').collect(), input[i].split('\t').collect());
        assert_eq!((&got[..7], &got[8..]), (&want[..7], &want[8..]));
        assert!(want[7] == "." || got[7].starts_with(&format!("{};", want[7])), "{} vs {}", got[7], want[7]);
        let reference = floats(record.info().get("hepg2_mpra_mean_value_ref"));
        let alts = floats(record.info().get("hepg2_mpra_mean_value_alt"));
        let effects = floats(record.info().get("hepg2_mpra_mean_value_effect"));
        let unscored = strings(record.info().get("hepg2_mpra_unscored"));
        for j in 0..record.alternate_bases().as_ref().len() {
            let row = rows.next().unwrap();
            assert_eq!(row[2], record.variant_start().unwrap().get().to_string());
            match row[10] {
                "" => {
                    let (r, a, e) = (
                        row[7].parse::<f64>().unwrap(),
                        row[8].parse::<f64>().unwrap(),
                        row[9].parse::<f64>().unwrap(),
                    );
                    assert!(close(reference[0].unwrap(), r), "record {i}");
                    assert!(close(alts[j].unwrap(), a) && close(effects[j].unwrap(), e), "record {i} allele {j}");
                    assert!(unscored.is_empty() || unscored[j].is_none());
                }
                why => {
                    assert!(alts.is_empty() || alts[j].is_none(), "record {i}: {why}");
                    codes.push((
                        record.ids().as_ref().iter().next().cloned().unwrap_or_default(),
                        j,
                        unscored[j].clone().unwrap(),
                    ));
                }
            }
            n += 1;
        }
    }
    assert_eq!(rows.next(), None);
    assert_eq!(n, 184);
    let code = |id: &str, j: usize| codes.iter().find(|(i, a, _)| i == id && *a == j).map(|c| c.2.as_str());
    assert_eq!(code("m1", 0), Some("outside_reference"));
    assert_eq!(code("m153", 0), Some("outside_reference"));
    assert_eq!(code("m24", 0), Some("ref_mismatch"));
    assert_eq!(code("m30", 0), Some("unsupported_allele"));
    assert_eq!(code("m30", 1), None, "the literal allele beside <DEL> is scored");
}

/// The records of `text` whose POS lies in `[start, end]`.
fn in_region(text: &str, start: u64, end: u64) -> Vec<String> {
    records(text)
        .into_iter()
        .filter(|l| (start..=end).contains(&l.split('\t').nth(1).unwrap().parse::<u64>().unwrap()))
        .map(String::from)
        .collect()
}

#[test]
fn the_index_answers_region_queries_and_regions_select_by_pos() {
    let d = Dir::new();
    d.score("v.vcf.gz", "all.vcf.gz", &[]);
    let all = d.text("all.vcf.gz");

    // noodles' indexed reader over the written .tbi: the records overlapping the region.
    let mut reader = noodles_vcf::io::indexed_reader::Builder::default().build_from_path(d.path("all.vcf.gz")).unwrap();
    let header = reader.read_header().unwrap();
    let region = "chr22:20100000-20105000".parse().unwrap();
    let got: Vec<u64> = reader
        .query(&header, &region)
        .unwrap()
        .records()
        .map(|r| usize::from(r.unwrap().variant_start().unwrap().unwrap()) as u64)
        .collect();
    let want: Vec<u64> = in_region(&all, 20_100_000, 20_105_000)
        .iter()
        .map(|l| l.split('\t').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(want.len() > 30);
    assert_eq!(got, want);

    // --region through that index (re-annotating gives the same INFO), and while streaming the
    // unindexed input: the same records, in input order.
    d.score("all.vcf.gz", "indexed.vcf", &["--region", "chr22:20100000-20105000"]);
    d.score("v.vcf.gz", "streamed.vcf", &["--region", "chr22:20100000-20105000"]);
    let indexed = std::fs::read_to_string(d.path("indexed.vcf")).unwrap();
    let streamed = std::fs::read_to_string(d.path("streamed.vcf")).unwrap();
    assert_eq!(records(&indexed), in_region(&all, 20_100_000, 20_105_000));
    assert_eq!(indexed, streamed);

    // A deletion that starts before a region is not in it, though it reaches into it (tabix
    // would return it): shards that tile a genome give each record to one of them.
    let del = all.lines().find(|l| l.contains("\tm18\t")).unwrap();
    assert!(del.contains("\tCCC\tC\t"), "{del}");
    for vcf in ["all.vcf.gz", "v.vcf.gz"] {
        let out = format!("del-{}.vcf", &vcf[..1]);
        d.score(vcf, &out, &["--region", "chr22:20097278-20097410"]);
        let ids: Vec<String> = records(&std::fs::read_to_string(d.path(&out)).unwrap())
            .iter()
            .map(|l| l.split('\t').nth(2).unwrap().to_string())
            .collect();
        assert_eq!(ids, ["m19"], "{vcf}");
    }

    // A BED's regions, given out of order and overlapping: each record once, in input order.
    std::fs::write(
        d.path("r.bed"),
        "track name=shards\nchr22\t20110000\t20112000\nchr22\t20100000\t20101000\nchr22\t20100500\t20102000\n",
    )
    .unwrap();
    for vcf in ["all.vcf.gz", "v.vcf.gz"] {
        let out = format!("bed-{}.vcf", &vcf[..1]);
        d.score(vcf, &out, &["--regions", "r.bed"]);
        let mut want = in_region(&all, 20_100_001, 20_102_000);
        want.extend(in_region(&all, 20_110_001, 20_112_000));
        assert_eq!(records(&std::fs::read_to_string(d.path(&out)).unwrap()), want, "{vcf}");
    }

    // A region on a chromosome the VCF lacks: a header-only output and a warning.
    let warning = d.score("v.vcf.gz", "none.vcf", &["--region", "22:1-100"]);
    assert_eq!(
        warning,
        "regula-train: warning: no record of v.vcf.gz is on '22', a chromosome named in the regions; the VCF calls it 'chr22': name regions as the VCF does\nregula-train: warning: no record of v.vcf.gz lies in the regions (22:1-100); the output has a header and no records\n"
    );
    assert!(records(&std::fs::read_to_string(d.path("none.vcf")).unwrap()).is_empty());
}

#[test]
fn shards_scored_apart_and_merged_equal_one_run() {
    let d = Dir::new();
    d.score("v.vcf.gz", "one.vcf.gz", &[]);
    for (size, name) in [(Some("5000"), "size"), (None, "chrom")] {
        let bed = format!("{name}.bed");
        let mut args = vec!["vcf-shards", "--vcf", "v.vcf.gz", "--out", &bed];
        if let Some(s) = size {
            args.extend(["--size", s]);
        }
        let (code, _, err) = d.run(&args);
        assert_eq!((code, err.as_str()), (0, ""));
        let shards = std::fs::read_to_string(d.path(&bed)).unwrap();
        let expected = if size.is_some() {
            "chr22\t20095000\t20100000\nchr22\t20100000\t20105000\nchr22\t20105000\t20110000\nchr22\t20110000\t20115000\n"
        } else {
            "chr22\t20095049\t20114960\n"
        };
        assert_eq!(shards, expected);
        let mut parts = Vec::new();
        for (i, line) in shards.lines().enumerate() {
            let f: Vec<&str> = line.split('\t').collect();
            let region = format!("{}:{}-{}", f[0], f[1].parse::<u64>().unwrap() + 1, f[2]);
            let part = format!("{name}-{i}.vcf.gz");
            d.score("v.vcf.gz", &part, &["--region", &region]);
            parts.push(part);
        }
        let merged = format!("{name}-merged.vcf.gz");
        let mut args = vec!["merge-vcf", "--out", &merged];
        args.extend(parts.iter().map(String::as_str));
        let (code, _, err) = d.run(&args);
        assert_eq!((code, err.as_str()), (0, ""));
        assert_eq!(d.text(&merged), d.text("one.vcf.gz"), "{name}");
        assert!(d.path(&format!("{merged}.tbi")).exists());
    }
}

/// `n` bases of the slice from 1-based `pos` on.
fn slice(pos: u64, n: usize) -> String {
    let text = std::fs::read_to_string(repo("tests/data/hg19_chr22_20095001_20115000.fa")).unwrap();
    let seq: String = text.lines().skip(1).collect();
    seq[(pos - 20_095_001) as usize..][..n].to_ascii_uppercase()
}

/// The model's left and right flanks (its MPRA adapters), from its manifest.
fn flanks() -> (String, String) {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo(&format!("{MODEL}/manifest.json"))).unwrap()).unwrap();
    let policy = &manifest["inputs"][0]["default_length_policy"];
    assert_eq!(policy["policy"], "flanked_tiles", "{MODEL} reads constructs between flanks");
    let flank = |side: &str| policy[side].as_str().unwrap().to_string();
    (flank("left"), flank("right"))
}

#[test]
fn a_variant_is_read_in_the_element_of_reference_centred_on_it_between_the_models_flanks() {
    let d = Dir::new();
    let (left, right) = flanks();
    assert_eq!((left.len(), right.len()), (15, 15));
    // Variants at 20,100,000: the 200 bp from 20,099,900, the variant at element position 101,
    // between the flanks (230 bp, the model's construct). An SNV, a deletion (the alternate
    // element reads two bases further) and an insertion (cut back to 200 bp).
    let element = slice(20_099_900, 202);
    let base = element.as_bytes()[100] as char;
    let alt = if base == 'A' { 'C' } else { 'A' };
    let next2 = &element[101..103];
    std::fs::write(
        d.path("one.vcf"),
        format!(
            "chr22\t20100000\tsnv\t{base}\t{alt}\nchr22\t20100000\tdel\t{base}{next2}\t{base}\nchr22\t20100000\tins\t{base}\t{base}GT\n"
        ),
    )
    .unwrap();
    d.score("one.vcf", "one.tsv", &[]);
    let construct = |e: &str| {
        assert_eq!(e.len(), 200);
        format!("{left}{e}{right}")
    };
    let reference = &element[..200];
    let snv = format!("{}{alt}{}", &element[..100], &element[101..200]);
    let del = format!("{}{}", &element[..101], &element[103..202]);
    let ins = format!("{}GT{}", &element[..101], &element[101..198]);
    std::fs::write(
        d.path("w.fa"),
        format!(
            ">ref\n{}\n>snv\n{}\n>del\n{}\n>ins\n{}\n",
            construct(reference),
            construct(&snv),
            construct(&del),
            construct(&ins)
        ),
    )
    .unwrap();
    let model = repo(MODEL);
    let (code, predicted, err) = d.run(&["predict", "--model", model.to_str().unwrap(), "--input", "w.fa"]);
    assert_eq!((code, err.as_str()), (0, ""));
    // Whole 230 bp constructs are read as they are.
    assert!(predicted.lines().skip(1).all(|l| l.contains("\t230\tunchanged\t")), "{predicted}");
    let values: Vec<&str> = predicted.lines().skip(1).map(|l| l.rsplit('\t').next().unwrap()).collect();
    let text = std::fs::read_to_string(d.path("one.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 3);
    for (row, alt) in rows.iter().zip(&values[1..]) {
        assert_eq!(row[10], "", "{row:?}");
        assert_eq!((row[7], row[8]), (values[0], *alt), "{row:?}");
    }
}

#[test]
fn an_unsorted_vcf_is_written_without_an_index_and_n_is_not_scored() {
    let d = Dir::new();
    std::fs::write(
        d.path("u.vcf"),
        format!("chr22\t20105000\ta\t{}\tA\nchr22\t20100000\tb\t{}\tA\n", slice(20_105_000, 1), slice(20_100_000, 1)),
    )
    .unwrap();
    let warning = d.score("u.vcf", "u.vcf.gz", &[]);
    assert_eq!(
        warning,
        "regula-train: warning: u.vcf.gz was written without an index: its records are not sorted by chromosome and position (chr22:20100000 comes after chr22:20105000); sort the input VCF (bcftools sort) for an indexed output\n"
    );
    assert!(d.path("u.vcf.gz").exists() && !d.path("u.vcf.gz.tbi").exists());
    let ids: Vec<String> =
        records(&d.text("u.vcf.gz")).iter().map(|l| l.split('\t').nth(2).unwrap().to_string()).collect();
    assert_eq!(ids, ["a", "b"], "input order");

    // A window with N bases is not scored; --force replaces the output and its index.
    let mut seq = slice(20_095_001, 1000).into_bytes();
    seq[550..560].copy_from_slice(b"NNNNNNNNNN");
    std::fs::write(d.path("n.fa"), format!(">chr9\n{}\n", String::from_utf8(seq.clone()).unwrap())).unwrap();
    let vcf = format!("chr9\t500\tnear\t{}\tA\nchr9\t800\tfar\t{}\tA\n", seq[499] as char, seq[799] as char);
    std::fs::write(d.path("n.vcf"), vcf).unwrap();
    let model = repo(MODEL);
    let args = [
        "score-variants",
        "--model",
        model.to_str().unwrap(),
        "--vcf",
        "n.vcf",
        "--reference",
        "n.fa",
        "--out",
        "u.vcf.gz",
    ];
    let (code, _, err) = d.run(&args);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "regula-train: --out: u.vcf.gz already exists; pass --force to replace it when the run ends (it stays as it is until then), or choose another name\n"
        )
    );
    let (code, _, err) = d.run(&[&args[..], &["--force"]].concat());
    assert_eq!(
        (code, err.as_str()),
        (
            0,
            "regula-train: 1 of 2 variants could not be scored (its INFO says why); the first: line 1: the reference window chr9:400-599 has an unknown base (N) at chr9:551; a variant is scored only where every base of its window is known\n"
        )
    );
    let text = d.text("u.vcf.gz");
    assert!(records(&text)[0].ends_with("\thepg2_mpra_unscored=n_in_window"), "{text}");
    assert!(records(&text)[1].contains("hepg2_mpra_mean_value_effect="));
    assert!(d.path("u.vcf.gz.tbi").exists(), "the sorted output is indexed");
}

#[test]
fn the_output_format_follows_the_name_unless_chosen() {
    let d = Dir::new();
    std::fs::write(d.path("one.vcf"), format!("chr22\t20100000\tx\t{}\tA\n", slice(20_100_000, 1))).unwrap();
    let model = repo(MODEL);
    let reference = repo(REFERENCE);
    let base = [
        "score-variants",
        "--model",
        model.to_str().unwrap(),
        "--vcf",
        "one.vcf",
        "--reference",
        reference.to_str().unwrap(),
    ];
    let (_, tsv, _) = d.run(&base);
    assert!(tsv.starts_with("line\tchrom\tpos\t"), "standard output is a table: {tsv}");
    let (_, vcf, _) = d.run(&[&base[..], &["--format", "vcf"]].concat());
    assert!(vcf.starts_with("##fileformat=VCFv4.2\n##INFO=<ID=hepg2_mpra_mean_value_ref,"), "{vcf}");
    d.score("one.vcf", "t.txt", &[]);
    assert!(std::fs::read_to_string(d.path("t.txt")).unwrap().starts_with("line\t"));
    d.score("one.vcf", "plain.vcf", &[]);
    assert_eq!(std::fs::read_to_string(d.path("plain.vcf")).unwrap(), vcf);
    assert!(!d.path("plain.vcf.tbi").exists());
    d.score("one.vcf", "table.vcf.gz", &["--format", "tsv"]);
    assert!(std::fs::read_to_string(d.path("table.vcf.gz")).unwrap().starts_with("line\t"));
}
