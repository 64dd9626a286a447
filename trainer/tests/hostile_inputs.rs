//! The catalogue of hostile inputs to the `regula-train` binary (issue 15): broken and foreign
//! model folders, impossible options, malformed, duplicated, compressed-and-damaged inputs,
//! variants that cannot be scored. Each case runs the built binary in a fresh folder (paths
//! given relative to it, so messages read as a user sees them) and checks the exact message, the
//! exit code, that nothing went to standard output, and that no file in the folder was written,
//! changed or removed (an `--out` file already there keeps its old content).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_regula-train");

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// A scratch folder holding a working model (`m`), a two-segment model (`dual`), a reference
/// slice (`ref.fa`), good inputs and an earlier output (`prior.tsv`).
struct Dir {
    tmp: tempfile::TempDir,
}

const GOOD_FASTA: &str = ">s1\nACGTACGTAC\n>s2\nGGGCCCAAAT\n";

fn model_folder(at: &Path, fixture: &str) {
    std::fs::create_dir_all(at).unwrap();
    let onnx = std::fs::read(repo(&format!("infer/tests/fixtures/{fixture}.onnx"))).unwrap();
    std::fs::write(at.join("model.onnx"), &onnx).unwrap();
    let text = std::fs::read_to_string(repo(&format!("infer/tests/fixtures/{fixture}.manifest.json"))).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&text).unwrap();
    m["model_file"] = "model.onnx".into();
    m["model_sha256"] = regula_train::model_folder::sha256_hex(&onnx).into();
    m["graphs"] = serde_json::json!({});
    std::fs::write(at.join("manifest.json"), serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

impl Dir {
    fn new() -> Dir {
        let d = Dir { tmp: tempfile::tempdir().unwrap() };
        model_folder(&d.path("m"), "mpra1");
        model_folder(&d.path("dual"), "dual");
        std::fs::copy(repo("tests/data/hg19_chr22_20095001_20115000.fa"), d.path("ref.fa")).unwrap();
        d.write("good.fa", GOOD_FASTA);
        d.write("prior.tsv", "an earlier output\n");
        d.write("t.tsv", format!("id\tseq\ty\n{}", good_rows(12)));
        d
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Edits `m/manifest.json` (a copy into `folder` first when it is not `m`).
    fn manifest(&self, folder: &str, edit: impl FnOnce(&mut serde_json::Value)) {
        if folder != "m" {
            model_folder(&self.path(folder), "mpra1");
        }
        let p = self.path(&format!("{folder}/manifest.json"));
        let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        edit(&mut m);
        std::fs::write(p, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    }

    /// The base at 1-based `pos` of chr22 in `ref.fa` (which covers 20,095,001–20,115,000).
    fn base(&self, pos: u64) -> char {
        let text = std::fs::read_to_string(self.path("ref.fa")).unwrap();
        let seq: String = text.lines().skip(1).collect();
        seq.as_bytes()[(pos - 20_095_001) as usize] as char
    }

    /// Every file under the folder with its bytes (symbolic links as their target).
    fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                let rel = p.strip_prefix(root).unwrap().to_path_buf();
                if std::fs::symlink_metadata(&p).unwrap().file_type().is_symlink() {
                    out.insert(rel, std::fs::read_link(&p).unwrap().into_os_string().into_encoded_bytes());
                } else if p.is_dir() {
                    out.insert(rel, b"<dir>".to_vec());
                    walk(&p, root, out);
                } else {
                    out.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(self.tmp.path(), self.tmp.path(), &mut out);
        out
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let o = Command::new(BIN).args(args).current_dir(self.tmp.path()).output().unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into(),
            String::from_utf8_lossy(&o.stderr).into(),
        )
    }

    /// Runs `args`, expecting exit code 1 and exactly `message`, with nothing written anywhere.
    fn refused(&self, args: &[&str], message: &str) {
        self.refused_with(args, 1, &format!("regula-train: {message}\n"));
    }

    /// A command-line usage error (clap): exit code 2, the first line of the message.
    fn usage(&self, args: &[&str], first_line: &str) {
        let before = self.snapshot();
        let (code, out, err) = self.run(args);
        assert_eq!(err.lines().next().unwrap_or_default(), first_line, "{args:?}\n{err}");
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(out, "");
        assert!(self.snapshot() == before, "{args:?} wrote or changed a file");
    }

    fn refused_with(&self, args: &[&str], code: i32, stderr: &str) {
        let before = self.snapshot();
        let (c, out, err) = self.run(args);
        assert_eq!(err, stderr, "{args:?}");
        assert_eq!(c, code, "{args:?}");
        assert_eq!(out, "", "{args:?}: nothing on standard output");
        let after = self.snapshot();
        if after != before {
            let changed: Vec<_> =
                after.keys().chain(before.keys()).filter(|k| after.get(*k) != before.get(*k)).collect();
            panic!("{args:?} wrote, changed or removed {changed:?}");
        }
    }
}

fn good_rows(n: usize) -> String {
    (0..n).map(|i| format!("r{i}\t{}\t{}\n", ["ACGTACGT", "TTGCAACG", "GGGCATCA"][i % 3], i as f64 / 10.0)).collect()
}

const PREDICT: [&str; 5] = ["predict", "--model", "m", "--input", "good.fa"];

fn predict_with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    PREDICT.iter().copied().chain(extra.iter().copied()).collect()
}

// ---- Model folders -------------------------------------------------------------------------

#[test]
fn model_folder_missing() {
    let d = Dir::new();
    d.refused(
        &["predict", "--model", "nope", "--input", "good.fa"],
        "cannot read nope/manifest.json: No such file or directory (os error 2); is nope a model folder?",
    );
}

#[test]
fn model_folder_without_a_manifest() {
    let d = Dir::new();
    std::fs::create_dir(d.path("empty")).unwrap();
    d.refused(
        &["predict", "--model", "empty", "--input", "good.fa"],
        "cannot read empty/manifest.json: No such file or directory (os error 2); is empty a model folder?",
    );
}

#[test]
fn manifest_not_json() {
    let d = Dir::new();
    d.write("m/manifest.json", "{ not json");
    d.refused(&PREDICT, "m/manifest.json: the manifest is not valid JSON: key must be a string at line 1 column 3");
}

#[test]
fn manifest_of_a_future_schema() {
    let d = Dir::new();
    d.manifest("m", |m| m["schema_version"] = 2.into());
    d.refused(
        &PREDICT,
        "m/manifest.json: manifest schema version 2 is not supported by this Regula build (it reads version 1); use a Regula release that matches the model",
    );
}

#[test]
fn manifest_without_a_schema_version() {
    let d = Dir::new();
    d.manifest("m", |m| {
        m.as_object_mut().unwrap().remove("schema_version");
    });
    d.refused(&PREDICT, "m/manifest.json: the manifest has no \"schema_version\"; is this a Regula model manifest?");
}

#[test]
fn manifest_with_an_unknown_field() {
    let d = Dir::new();
    d.manifest("m", |m| m["model_sha1"] = "x".into());
    let (_, _, err) = d.run(&PREDICT);
    assert!(
        err.starts_with(
            "regula-train: m/manifest.json: the manifest does not match schema version 1: unknown field `model_sha1`"
        ),
        "{err}"
    );
    d.refused_with(&PREDICT, 1, &err);
}

#[test]
fn model_file_outside_the_folder() {
    let d = Dir::new();
    d.write("elsewhere/model.onnx", std::fs::read(d.path("m/model.onnx")).unwrap());
    d.manifest("m", |m| m["model_file"] = "../elsewhere/model.onnx".into());
    d.refused(
        &PREDICT,
        "m/manifest.json: model_file is '../elsewhere/model.onnx'; a model's files must be named relative to its folder, inside it (no '..', no absolute path)",
    );
}

#[test]
fn model_file_absolute() {
    let d = Dir::new();
    d.manifest("m", |m| m["model_file"] = "/etc/passwd".into());
    d.refused(
        &PREDICT,
        "m/manifest.json: model_file is '/etc/passwd'; a model's files must be named relative to its folder, inside it (no '..', no absolute path)",
    );
}

#[test]
fn model_file_a_symbolic_link_out_of_the_folder() {
    let d = Dir::new();
    std::fs::rename(d.path("m/model.onnx"), d.path("outside.onnx")).unwrap();
    std::os::unix::fs::symlink(d.path("outside.onnx"), d.path("m/model.onnx")).unwrap();
    let real = d.path("outside.onnx").canonicalize().unwrap();
    d.refused(
        &PREDICT,
        &format!(
            "m/manifest.json: model_file 'model.onnx' is a symbolic link to {}, outside the model folder; copy the file into the folder instead",
            real.display()
        ),
    );
}

#[test]
fn attribution_file_outside_the_folder() {
    let d = Dir::new();
    d.manifest("m", |m| m["graphs"] = serde_json::json!({"attribution": {"file": "../../a.onnx", "description": "x"}}));
    d.refused(
        &PREDICT,
        "m/manifest.json: graphs.attribution.file is '../../a.onnx'; a model's files must be named relative to its folder, inside it (no '..', no absolute path)",
    );
}

#[test]
fn model_file_missing() {
    let d = Dir::new();
    std::fs::remove_file(d.path("m/model.onnx")).unwrap();
    d.refused(&PREDICT, "cannot read m/model.onnx: No such file or directory (os error 2)");
}

#[test]
fn model_file_not_onnx() {
    let d = Dir::new();
    d.write("m/model.onnx", "this is not a model");
    d.manifest("m", |m| {
        m.as_object_mut().unwrap().remove("model_sha256");
    });
    let (_, _, err) = d.run(&PREDICT);
    assert!(err.starts_with("regula-train: m/model.onnx is not an ONNX model: "), "{err}");
    d.refused_with(&PREDICT, 1, &err);
}

#[test]
fn another_models_onnx_copied_in() {
    let d = Dir::new();
    let other = std::fs::read(repo("infer/tests/fixtures/mpra3.onnx")).unwrap();
    d.write("m/model.onnx", &other);
    let want = regula_train::model_folder::sha256_hex(&std::fs::read(repo("infer/tests/fixtures/mpra1.onnx")).unwrap());
    d.refused(
        &PREDICT,
        &format!(
            "m/model.onnx has SHA-256 {}, but m/manifest.json records {want}: the file is not the one this manifest was exported with (another model's model.onnx copied in?); put back the model's own file, or export the model again",
            regula_train::model_folder::sha256_hex(&other)
        ),
    );
}

#[test]
fn model_sha256_not_a_digest() {
    let d = Dir::new();
    d.manifest("m", |m| m["model_sha256"] = "abc123".into());
    d.refused(
        &PREDICT,
        "m/manifest.json: the manifest is inconsistent: model_sha256 'abc123' is not a SHA-256 digest (64 lower-case hex digits)",
    );
}

#[test]
fn two_targets_for_a_one_output_graph() {
    let d = Dir::new();
    d.manifest("m", |m| {
        let t = m["targets"][0].clone();
        m["targets"].as_array_mut().unwrap().push(t);
        m["targets"][1]["name"] = "second".into();
    });
    d.refused(
        &PREDICT,
        "m/model.onnx does not match m/manifest.json: the graph's output 'pred' has 1 column(s), but the manifest lists 2 target(s) (task0, second); the manifest and the graph come from different models",
    );
}

#[test]
fn no_targets() {
    let d = Dir::new();
    d.manifest("m", |m| m["targets"] = serde_json::json!([]));
    d.refused(&PREDICT, "m/manifest.json: the manifest is inconsistent: no targets");
}

#[test]
fn input_name_not_the_graphs() {
    let d = Dir::new();
    d.manifest("m", |m| m["inputs"][0]["name"] = "sequence".into());
    d.refused(&PREDICT, "m/model.onnx does not match m/manifest.json: the graph's inputs are [\"x\"]; the manifest's input is 'sequence'");
}

#[test]
fn output_name_not_the_graphs() {
    let d = Dir::new();
    d.manifest("m", |m| m["output"]["name"] = "activity".into());
    d.refused(
        &PREDICT,
        "m/model.onnx does not match m/manifest.json: the graph's outputs are [\"pred\"]; the manifest's output is 'activity'",
    );
}

#[test]
fn input_length_not_the_graphs() {
    let d = Dir::new();
    d.manifest("m", |m| m["inputs"][0]["length"] = 200.into());
    let (_, _, err) = d.run(&PREDICT);
    assert!(err.starts_with("regula-train: m: "), "{err}");
    d.refused_with(&PREDICT, 1, &err);
}

#[test]
fn flank_with_a_non_dna_letter() {
    let d = Dir::new();
    d.manifest("m", |m| m["inputs"][0]["flanks"] = serde_json::json!({"left": "ACGU", "right": "AC"}));
    d.refused(
        &PREDICT,
        "m/manifest.json: input 'x': flanks.left has 'U' at position 4; flanks may only hold A, C, G, T and N",
    );
}

#[test]
fn alphabet_other_than_acgt() {
    let d = Dir::new();
    d.manifest("m", |m| m["inputs"][0]["alphabet"] = "ACGU".into());
    d.refused(
        &PREDICT,
        "m/manifest.json: the manifest is inconsistent: input 'x' has alphabet 'ACGU'; only ACGT is supported",
    );
}

#[test]
fn inspect_a_folder_whose_onnx_was_swapped() {
    let d = Dir::new();
    d.write("m/model.onnx", std::fs::read(repo("infer/tests/fixtures/mpra3.onnx")).unwrap());
    let (code, out, err) = d.run(&["inspect", "m/model.onnx"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.starts_with("regula-train: m/model.onnx has SHA-256 "), "{err}");
    d.refused_with(&["inspect", "m/model.onnx"], 1, &err);
}

#[test]
fn inspect_a_missing_folder() {
    let d = Dir::new();
    d.refused(&["inspect", "gone"], "gone: no such folder or file; give a model folder (or its model.onnx)");
}

#[test]
fn ism_with_a_broken_model() {
    let d = Dir::new();
    d.manifest("m", |m| m["model_file"] = "../m/model.onnx".into());
    d.refused(
        &["ism", "--model", "m", "--input", "good.fa"],
        "m/manifest.json: model_file is '../m/model.onnx'; a model's files must be named relative to its folder, inside it (no '..', no absolute path)",
    );
}

// ---- Options of the model commands ----------------------------------------------------------

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[test]
fn predict_with_more_threads_than_cores() {
    let d = Dir::new();
    let c = cores();
    d.refused(
        &predict_with(&["--threads", "100000", "--out", "prior.tsv"]),
        &format!("--threads 100000: this machine has {c} cores; give at most {c} (0 uses all of them)"),
    );
}

#[test]
fn ism_with_more_threads_than_cores() {
    let d = Dir::new();
    let c = cores();
    d.refused(
        &["ism", "--model", "m", "--input", "good.fa", "--threads", "999"],
        &format!("--threads 999: this machine has {c} cores; give at most {c} (0 uses all of them)"),
    );
}

#[test]
fn score_variants_with_more_threads_than_cores() {
    let d = Dir::new();
    d.write("v.vcf", "chr22\t20100000\t.\tA\tG\n");
    let c = cores();
    d.refused(
        &["score-variants", "--model", "m", "--vcf", "v.vcf", "--reference", "ref.fa", "--threads", "100000"],
        &format!("--threads 100000: this machine has {c} cores; give at most {c} (0 uses all of them)"),
    );
}

#[test]
fn evaluate_with_more_threads_than_cores() {
    let d = Dir::new();
    let c = cores();
    d.refused(
        &["evaluate", "--model", "m", "--threads", "4096"],
        &format!("--threads 4096: this machine has {c} cores; give at most {c} (0 uses all of them)"),
    );
}

#[test]
fn stride_zero() {
    let d = Dir::new();
    d.refused(&predict_with(&["--length-policy", "tile", "--stride", "0"]), "--stride 0: must be at least 1");
}

#[test]
fn stride_without_tiling() {
    let d = Dir::new();
    d.refused(&predict_with(&["--stride", "50"]), "--stride applies to --length-policy tile or flanked-tiles only");
}

#[test]
fn unknown_length_policy() {
    let d = Dir::new();
    d.refused(
        &predict_with(&["--length-policy", "stretch"]),
        "unknown length policy `stretch`: expected exact, pad, crop, pad-or-crop, tile or flanked-tiles",
    );
}

#[test]
fn ism_unknown_length_policy() {
    let d = Dir::new();
    d.refused(
        &["ism", "--model", "m", "--input", "good.fa", "--length-policy", "wrap"],
        "unknown length policy `wrap`: expected exact, pad, crop, pad-or-crop, tile or flanked-tiles",
    );
}

#[test]
fn unknown_device() {
    let d = Dir::new();
    d.refused(&predict_with(&["--device", "tpu"]), "unknown device `tpu`: expected cpu, cuda or cuda:N");
}

#[test]
fn out_is_a_folder() {
    let d = Dir::new();
    d.refused(&predict_with(&["--out", "m"]), "--out m is a folder; give a file name");
}

#[test]
fn out_in_a_missing_folder() {
    let d = Dir::new();
    d.refused(&predict_with(&["--out", "no/such/p.tsv"]), "--out no/such/p.tsv: the folder no/such does not exist");
}

#[test]
fn negative_threads() {
    let d = Dir::new();
    d.usage(&predict_with(&["--threads", "-1"]), "error: unexpected argument '-1' found");
}

#[test]
fn predict_without_input() {
    let d = Dir::new();
    d.usage(&["predict", "--model", "m"], "error: the following required arguments were not provided:");
}

#[test]
fn vcf_without_reference() {
    let d = Dir::new();
    d.write("v.vcf", "chr22\t20100000\t.\tA\tG\n");
    d.usage(
        &["score-variants", "--model", "m", "--vcf", "v.vcf"],
        "error: the following required arguments were not provided:",
    );
}

#[test]
fn score_variants_with_nothing_to_score() {
    let d = Dir::new();
    d.refused(
        &["score-variants", "--model", "m"],
        "score-variants needs --vcf with --reference, or --table with --ref-column and --alt-column",
    );
}

// ---- fit options and --out ------------------------------------------------------------------

const FIT: [&str; 11] = [
    "fit",
    "--data",
    "t.tsv",
    "--id-column",
    "id",
    "--sequence-column",
    "seq",
    "--target-columns",
    "y",
    "--out",
    "out",
];

fn fit_with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    FIT.iter().copied().chain(extra.iter().copied()).collect()
}

#[test]
fn fit_negative_learning_rate() {
    let d = Dir::new();
    d.refused(&fit_with(&["--lr=-0.01"]), "--lr -0.01: must be a finite number above 0");
}

#[test]
fn fit_nan_learning_rate() {
    let d = Dir::new();
    d.refused(&fit_with(&["--lr", "NaN"]), "--lr NaN: must be a finite number above 0");
}

#[test]
fn fit_batch_of_zero() {
    let d = Dir::new();
    d.refused(&fit_with(&["--batch-size", "0"]), "--batch-size 0: must be at least 1");
}

#[test]
fn fit_zero_epochs() {
    let d = Dir::new();
    d.refused(&fit_with(&["--epochs", "0"]), "--epochs 0: must be at least 1");
}

#[test]
fn fit_more_threads_than_cores() {
    let d = Dir::new();
    let c = cores();
    d.refused(
        &fit_with(&["--threads", "100000"]),
        &format!("--threads 100000: this machine has {c} cores; give at most {c} (0 uses all of them)"),
    );
}

#[test]
fn fit_dropout_above_one() {
    let d = Dir::new();
    d.refused(&fit_with(&["--dropout", "1.5"]), "--dropout 1.5: must be a fraction in [0, 1)");
}

#[test]
fn fit_no_validation_fraction() {
    let d = Dir::new();
    d.refused(&fit_with(&["--valid-fraction", "0"]), "--valid-fraction 0: must be a fraction in (0, 1)");
}

#[test]
fn fit_a_block_of_zero_channels() {
    let d = Dir::new();
    d.refused(&fit_with(&["--channels", "8,0"]), "--channels [8, 0]: every value must be at least 1");
}

#[test]
fn fit_log_base_one() {
    let d = Dir::new();
    d.refused(
        &fit_with(&["--log-base", "1"]),
        "--log-base 1: must be a finite number above 0 other than 1 (e.g. 2, 10 or e)",
    );
}

#[test]
fn fit_negative_weight_decay() {
    let d = Dir::new();
    d.refused(&fit_with(&["--weight-decay=-1"]), "--weight-decay -1: must be a finite number, 0 or more");
}

#[test]
fn fit_infinite_clip_norm() {
    let d = Dir::new();
    d.refused(&fit_with(&["--clip-grad-norm", "inf"]), "--clip-grad-norm inf: must be a finite number above 0");
}

#[test]
fn fit_one_fold() {
    let d = Dir::new();
    d.refused(&fit_with(&["--folds", "1", "--fold", "0"]), "--folds 1: cross-validation needs at least 2 folds");
}

#[test]
fn fit_into_a_folder_of_the_users_files() {
    let d = Dir::new();
    d.write("out/notes.txt", "my own notes");
    d.write("out/results.csv", "a,b\n");
    d.refused(
        &FIT,
        "--out out already holds files (notes.txt, results.csv); pass --force to replace the model in it when the run ends (files the run does not write stay), --resume to continue the run whose checkpoint is there, or choose another folder",
    );
}

#[test]
fn fit_into_an_existing_model() {
    let d = Dir::new();
    d.refused(
        &["fit", "--data", "t.tsv", "--id-column", "id", "--sequence-column", "seq", "--target-columns", "y", "--out", "m"],
        "--out m already holds files (manifest.json, model.onnx); pass --force to replace the model in it when the run ends (files the run does not write stay), --resume to continue the run whose checkpoint is there, or choose another folder",
    );
}

#[test]
fn fit_out_is_a_file() {
    let d = Dir::new();
    d.refused(
        &[
            "fit",
            "--data",
            "t.tsv",
            "--id-column",
            "id",
            "--sequence-column",
            "seq",
            "--target-columns",
            "y",
            "--out",
            "prior.tsv",
        ],
        "--out prior.tsv: prior.tsv is a file, not a folder",
    );
}

#[test]
fn fit_resume_without_a_checkpoint() {
    let d = Dir::new();
    d.refused(&fit_with(&["--resume"]), "cannot resume: no checkpoint in out/checkpoint");
}

#[test]
fn fit_resume_and_force() {
    let d = Dir::new();
    d.usage(&fit_with(&["--resume", "--force"]), "error: the argument '--resume' cannot be used with '--force'");
}

#[test]
fn fit_resume_with_other_options() {
    let d = Dir::new();
    let saved = regula_train::options::FitOptions {
        data: Some("t.tsv".into()),
        id_column: Some("id".into()),
        sequence_column: Some("seq".into()),
        target_columns: Some(vec!["y".into()]),
        out: Some("out".into()),
        lr: Some(0.01),
        ..Default::default()
    }
    .to_toml();
    d.write("out/checkpoint/loop.json", serde_json::json!({ "options": saved }).to_string());
    d.refused(
        &fit_with(&["--resume", "--lr", "0.5", "--epochs", "3"]),
        "cannot resume: options differ from the run in the checkpoint (out/checkpoint/loop.json): epochs 3 now, unset in the checkpoint; lr 0.5 now, 0.01 in the checkpoint; resume with the same command (or config)",
    );
}

#[test]
fn fit_while_another_run_holds_the_folder() {
    let d = Dir::new();
    // This test's own process stands in for a running fit.
    d.write(".out.lock", std::process::id().to_string());
    d.refused(
        &FIT,
        &format!(
            "another regula-train fit (process {}) is writing to out; wait for it to end (if no such run is going on, delete ./.out.lock)",
            std::process::id()
        ),
    );
}

#[test]
fn fit_a_table_with_a_missing_target() {
    let d = Dir::new();
    d.write("t.tsv", format!("id\tseq\ty\n{}r99\tACGTACGT\tNA\n", good_rows(12)));
    d.refused(
        &FIT,
        "t.tsv, line 14: row 'r99': target 'y' is missing (NaN); fix the value or pass --skip-bad to leave the row out",
    );
}

#[test]
fn fit_with_a_config_that_is_not_toml() {
    let d = Dir::new();
    d.write("run.toml", "epochs = = 3\n");
    let (_, _, err) = d.run(&["fit", "--config", "run.toml"]);
    assert!(err.starts_with("regula-train: run.toml: TOML parse error at line 1, column 10"), "{err}");
    d.refused_with(&["fit", "--config", "run.toml"], 1, &err);
}

// ---- Sequence inputs ------------------------------------------------------------------------

#[test]
fn input_missing() {
    let d = Dir::new();
    d.refused(
        &["predict", "--model", "m", "--input", "nope.fa", "--out", "prior.tsv"],
        "cannot read nope.fa: No such file or directory (os error 2)",
    );
}

#[test]
fn fasta_duplicate_names() {
    let d = Dir::new();
    d.write("dup.fa", ">a\nACGTACGT\n>b\nACGT\n>a\nTTTTAAAA\n");
    d.refused(
        &["predict", "--model", "m", "--input", "dup.fa", "--out", "prior.tsv"],
        "dup.fa: record 3 'a' (line 5): the name is already used by record 1 (line 1); record names must be unique",
    );
}

#[test]
fn fasta_bad_letter() {
    let d = Dir::new();
    d.write("bad.fa", ">a\nACGT\n>b\nACGTRA\n");
    d.refused(
        &["predict", "--model", "m", "--input", "bad.fa"],
        "bad.fa: record 2 'b' (line 3): position 5: IUPAC ambiguity code 'R' is not supported (only A, C, G, T and N)",
    );
}

#[test]
fn fasta_header_without_a_name() {
    let d = Dir::new();
    d.write("bad.fa", ">a\nACGT\n>\nACGT\n");
    d.refused(&["predict", "--model", "m", "--input", "bad.fa"], "bad.fa: line 3: the '>' header has no name");
}

#[test]
fn fasta_record_without_sequence() {
    let d = Dir::new();
    d.write("bad.fa", ">a\n>b\nACGT\n");
    d.refused(
        &["predict", "--model", "m", "--input", "bad.fa"],
        "bad.fa: record 1 'a' (line 1): the record has no sequence",
    );
}

#[test]
fn empty_input() {
    let d = Dir::new();
    d.write("empty.fa", "\n  \n");
    d.refused(&["predict", "--model", "m", "--input", "empty.fa"], "empty.fa: the input holds no sequence");
}

#[test]
fn plain_text_with_a_header_inside() {
    let d = Dir::new();
    d.write("odd.txt", "ACGT\n>a\nAC\n");
    d.refused(
        &["predict", "--model", "m", "--input", "odd.txt"],
        "odd.txt: record 1 'sequence' (line 1): position 5: '>' is not a nucleotide letter (expected A, C, G, T or N)",
    );
}

#[test]
fn a_binary_file_as_input() {
    let d = Dir::new();
    d.write("image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    d.refused(
        &["predict", "--model", "m", "--input", "image.png"],
        "image.png: record 1 'sequence' (line 1): position 1: '\u{fffd}' is not a nucleotide letter (expected A, C, G, T or N)",
    );
}

#[test]
fn gzip_cut_short() {
    let d = Dir::new();
    let mut gz = std::fs::read(repo("tests/data/hg19_chr22_20000001_20002400.fa.gz")).unwrap();
    gz.truncate(gz.len() / 2);
    d.write("cut.fa.gz", &gz);
    let (_, _, err) = d.run(&["predict", "--model", "m", "--input", "cut.fa.gz", "--out", "prior.tsv"]);
    assert!(
        err.starts_with("regula-train: cut.fa.gz: reading input: the gzip data is damaged or cut short ("),
        "{err}"
    );
    assert!(err.ends_with("); check the file with `gzip -t`\n"), "{err}");
    d.refused_with(&["predict", "--model", "m", "--input", "cut.fa.gz", "--out", "prior.tsv"], 1, &err);
}

#[test]
fn gzip_of_a_table_cut_short() {
    let d = Dir::new();
    let mut gz = std::fs::read(repo("tests/data/variants_hg19_chr22_20095001_20115000.vcf.gz")).unwrap();
    gz.truncate(40);
    d.write("t.tsv.gz", &gz);
    let args = ["predict", "--model", "m", "--input", "t.tsv.gz", "--sequence-column", "seq"];
    let (_, _, err) = d.run(&args);
    assert!(err.starts_with("regula-train: cannot read t.tsv.gz: the gzip data is damaged or cut short ("), "{err}");
    d.refused_with(&args, 1, &err);
}

#[test]
fn table_duplicate_ids() {
    let d = Dir::new();
    d.write("s.tsv", "id\tseq\na\tACGT\nb\tACGG\na\tTTTT\n");
    d.refused(
        &["predict", "--model", "m", "--input", "s.tsv", "--sequence-column", "seq", "--id-column", "id"],
        "s.tsv, line 4: row 'a': id already used on line 2; ids must be unique",
    );
}

#[test]
fn table_missing_column() {
    let d = Dir::new();
    d.write("s.tsv", "id\tsequence\na\tACGT\n");
    d.refused(
        &["predict", "--model", "m", "--input", "s.tsv", "--sequence-column", "seq"],
        "s.tsv: no column named 'seq'; the header has: id, sequence",
    );
}

#[test]
fn table_ragged_row() {
    let d = Dir::new();
    d.write("s.tsv", "id\tseq\na\tACGT\nb\n");
    d.refused(
        &["predict", "--model", "m", "--input", "s.tsv", "--sequence-column", "seq"],
        "s.tsv: line 3: 1 fields, but the header has 2",
    );
}

#[test]
fn a_fasta_given_as_a_table() {
    let d = Dir::new();
    d.refused(
        &["predict", "--model", "m", "--input", "good.fa", "--sequence-column", "seq"],
        "good.fa: no column named 'seq'; the header has: >s1",
    );
}

#[test]
fn partner_fasta_shorter() {
    let d = Dir::new();
    d.write("distal.fa", ">d1\nACGTACGT\n");
    d.refused(
        &["predict", "--model", "dual", "--input", "good.fa", "--partner-input", "distal.fa", "--out", "prior.tsv"],
        "good.fa has 2 records and distal.fa has 1; record i of one pairs with record i of the other",
    );
}

#[test]
fn dual_model_without_partner() {
    let d = Dir::new();
    let (_, _, err) = d.run(&["predict", "--model", "dual", "--input", "good.fa"]);
    assert!(err.starts_with("regula-train: ") && err.contains("s1"), "{err}");
    d.refused_with(&["predict", "--model", "dual", "--input", "good.fa"], 1, &err);
}

#[test]
fn exact_policy_on_the_wrong_length() {
    let d = Dir::new();
    let (_, _, err) = d.run(&predict_with(&["--length-policy", "exact"]));
    assert!(err.starts_with("regula-train: ") && err.contains("230"), "{err}");
    d.refused_with(&predict_with(&["--length-policy", "exact"]), 1, &err);
}

#[test]
fn ism_input_missing() {
    let d = Dir::new();
    d.refused(
        &["ism", "--model", "m", "--input", "nope.fa"],
        "cannot read nope.fa: No such file or directory (os error 2)",
    );
}

#[test]
fn ism_bad_letter() {
    let d = Dir::new();
    d.write("bad.fa", ">a\nACGTXX\n");
    d.refused(
        &["ism", "--model", "m", "--input", "bad.fa", "--out", "prior.tsv"],
        "bad.fa: record 1 'a' (line 1): position 5: 'X' is not a nucleotide letter (expected A, C, G, T or N)",
    );
}

#[test]
fn ism_duplicate_names() {
    let d = Dir::new();
    d.write("dup.fa", ">a\nACGT\n>a\nACGA\n");
    d.refused(
        &["ism", "--model", "m", "--input", "dup.fa", "--out", "prior.tsv"],
        "dup.fa: record 2 'a' (line 3): the name is already used by record 1 (line 1); record names must be unique",
    );
}

// ---- Variants -------------------------------------------------------------------------------

/// score-variants into `prior.tsv`, which exists: `--force` lets a run replace it, and a refused
/// run must leave it as it was.
fn score(vcf: &str, reference: &str) -> Vec<String> {
    ["score-variants", "--model", "m", "--vcf", vcf, "--reference", reference, "--out", "prior.tsv", "--force"]
        .map(String::from)
        .to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn vcf_missing() {
    let d = Dir::new();
    d.refused(&strs(&score("nope.vcf", "ref.fa")), "cannot read nope.vcf: No such file or directory (os error 2)");
}

#[test]
fn reference_missing() {
    let d = Dir::new();
    d.write("v.vcf", "chr22\t20100000\t.\tA\tG\n");
    d.refused(&strs(&score("v.vcf", "nope.fa")), "cannot read nope.fa: No such file or directory (os error 2)");
}

#[test]
fn vcf_with_only_a_header() {
    let d = Dir::new();
    d.write("v.vcf", "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n\n");
    d.refused(&strs(&score("v.vcf", "ref.fa")), "v.vcf: no variants (only header or blank lines)");
}

#[test]
fn vcf_that_is_binary() {
    let d = Dir::new();
    d.write("v.vcf", b"#header\n\xff\xfe\x00garbage\n");
    d.refused(&strs(&score("v.vcf", "ref.fa")), "v.vcf, line 2: the line is not valid UTF-8 text; is this a VCF file?");
}

#[test]
fn reference_index_damaged() {
    let d = Dir::new();
    d.write("v.vcf", "chr22\t20100000\t.\tA\tG\n");
    d.write("ref.fa.fai", "22:20095001-20115000\tnot-a-number\n");
    let (_, _, err) = d.run(&strs(&score("v.vcf", "ref.fa")));
    assert!(err.starts_with("regula-train: ref.fa.fai: not a FASTA index: "), "{err}");
    d.refused_with(&strs(&score("v.vcf", "ref.fa")), 1, &err);
}

#[test]
fn reference_naming_a_chromosome_twice() {
    let d = Dir::new();
    d.write("v.vcf", "chr22\t100\t.\tA\tG\n");
    d.write("two.fa", ">chr22\nACGTACGTAC\n>22\nACGTACGTAC\n");
    d.refused(
        &strs(&score("v.vcf", "two.fa")),
        "two.fa: the records 'chr22' and '22' are the same chromosome; a reference names each chromosome once",
    );
}

#[test]
fn score_variants_over_an_existing_output() {
    let d = Dir::new();
    d.write("v.vcf", "chr22\t20100000\t.\tA\tG\n");
    fn args(out: &str) -> [&str; 9] {
        ["score-variants", "--model", "m", "--vcf", "v.vcf", "--reference", "ref.fa", "--out", out]
    }
    d.refused(
        &args("prior.tsv"),
        "--out: prior.tsv already exists; pass --force to replace it when the run ends (it stays as it is until then), or choose another name",
    );
    // A bgzipped VCF's index counts too: a stale one would describe another file.
    d.write("s.vcf.gz.tbi", "an earlier index");
    d.refused(
        &args("s.vcf.gz"),
        "--out: s.vcf.gz.tbi already exists; pass --force to replace it when the run ends (it stays as it is until then), or choose another name",
    );
}

#[test]
fn score_variants_bad_region() {
    let d = Dir::new();
    d.write("v.vcf", "chr22\t20100000\t.\tA\tG\n");
    let mut args = score("v.vcf", "ref.fa");
    args.extend(["--region".to_string(), "chr22:20100000-20000000".to_string()]);
    d.refused(
        &strs(&args),
        "--region 'chr22:20100000-20000000': the end 20000000 is before the start 20100000; write chrom, chrom:start-end or chrom:start- (1-based, inclusive), e.g. chr22:20000001-20100000",
    );
    let mut args = score("v.vcf", "ref.fa");
    args.extend(["--region".to_string(), "chr22:1,5".to_string()]);
    d.refused(
        &strs(&args),
        "--region 'chr22:1,5': '1,5' has a start but no end (chrom:start- reads to the end); write chrom, chrom:start-end or chrom:start- (1-based, inclusive), e.g. chr22:20000001-20100000",
    );
}

#[test]
fn score_variants_bad_bed_line() {
    let d = Dir::new();
    d.write("v.vcf", "chr22\t20100000\t.\tA\tG\n");
    d.write("r.bed", "# shards\nchr22\t20000000\t20100000\nchr22\t20100000\t2e7\n");
    let mut args = score("v.vcf", "ref.fa");
    args.extend(["--regions".to_string(), "r.bed".to_string()]);
    d.refused(
        &strs(&args),
        "r.bed, line 3, field 3 (end): '2e7' is not a whole number; a BED line is chrom, start and end, tab-separated, start 0-based and end exclusive",
    );
    d.write("r.bed", "chr22 20000000 20100000\n");
    d.refused(
        &strs(&args),
        "r.bed, line 1: 1 field (spaces do not separate BED fields; tabs do); a BED line is chrom, start and end, tab-separated, start 0-based and end exclusive",
    );
}

#[test]
fn score_variants_vcf_out_of_a_line_that_is_no_record() {
    let d = Dir::new();
    d.write("v.vcf", "##fileformat=VCFv4.2\nchr22\t20100000\t.\tA\tG\nchr22\tfive\t.\tA\tG\n");
    d.refused(
        &["score-variants", "--model", "m", "--vcf", "v.vcf", "--reference", "ref.fa", "--out", "s.vcf.gz"],
        "v.vcf: line 3: POS: invalid digit found in string; an annotated VCF holds valid records only: fix the line, or write a table (--out NAME.tsv), which lists it with its error",
    );
}

#[test]
fn score_variants_vcf_out_of_a_header_noodles_cannot_read() {
    let d = Dir::new();
    d.write("v.vcf", "##fileformat=VCFv4.2\n##INFO=<ID=DP,Number=1>\nchr22\t20100000\t.\tA\tG\n");
    let (_, _, err) =
        d.run(&["score-variants", "--model", "m", "--vcf", "v.vcf", "--reference", "ref.fa", "--out", "s.vcf.gz"]);
    assert!(err.starts_with("regula-train: v.vcf: the VCF header cannot be read ("), "{err}");
    assert!(
        err.ends_with("); an annotated VCF needs a valid header: fix it, or write a table (--out NAME.tsv)\n"),
        "{err}"
    );
    d.refused_with(
        &["score-variants", "--model", "m", "--vcf", "v.vcf", "--reference", "ref.fa", "--out", "s.vcf.gz"],
        1,
        &err,
    );
}

#[test]
fn score_variants_table_as_vcf() {
    let d = Dir::new();
    d.write("a.csv", "id,ref,alt\nv1,ACGT,ACGA\n");
    d.refused(
        &[
            "score-variants",
            "--model",
            "m",
            "--table",
            "a.csv",
            "--ref-column",
            "ref",
            "--alt-column",
            "alt",
            "--format",
            "vcf",
        ],
        "--format vcf annotates a --vcf input; a --table is scored into a TSV",
    );
}

#[test]
fn vcf_shards_of_an_unsorted_vcf() {
    let d = Dir::new();
    d.write("v.vcf", "#CHROM\tPOS\tID\tREF\tALT\nchr22\t20100000\t.\tA\tG\nchr22\t20000000\t.\tA\tG\n");
    d.refused(
        &["vcf-shards", "--vcf", "v.vcf", "--size", "100000", "--out", "prior.tsv", "--force"],
        "v.vcf, line 3: chr22:20000000 comes after chr22:20100000 (line 2); the VCF is not sorted, so its shards could not be put back in its order: sort it first (bcftools sort)",
    );
}

#[test]
fn merge_vcf_of_shards_from_different_runs() {
    let d = Dir::new();
    d.write(
        "a.vcf",
        "##fileformat=VCFv4.2\n##regula_model=<ID=m,name=a>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    );
    d.write(
        "b.vcf",
        "##fileformat=VCFv4.2\n##regula_model=<ID=m,name=b>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    );
    d.refused(
        &["merge-vcf", "a.vcf", "b.vcf", "--out", "m.vcf.gz"],
        "b.vcf: its header differs from that of a.vcf at header line 2 ('##regula_model=<ID=m,name=b>' instead of '##regula_model=<ID=m,name=a>'); shards of one run have the same header: were they scored with the same model and options?",
    );
}

#[test]
fn score_variants_vcf_on_a_two_segment_model() {
    let d = Dir::new();
    d.write("v.vcf", "chr22\t20100000\t.\tA\tG\n");
    d.refused(
        &["score-variants", "--model", "dual", "--vcf", "v.vcf", "--reference", "ref.fa"],
        "score-variants --vcf scores one-sequence models; this model reads a promoter and a distal partner",
    );
}

#[test]
fn allele_table_duplicate_ids() {
    let d = Dir::new();
    d.write("a.csv", "id,ref,alt\nv1,ACGT,ACGA\nv1,ACGT,ACGC\n");
    d.refused(
        &[
            "score-variants",
            "--model",
            "m",
            "--table",
            "a.csv",
            "--ref-column",
            "ref",
            "--alt-column",
            "alt",
            "--id-column",
            "id",
        ],
        "a.csv, line 3: row 'v1': id already used on line 2; ids must be unique",
    );
}

#[test]
fn allele_table_missing_column() {
    let d = Dir::new();
    d.write("a.csv", "id,ref,alternate\nv1,ACGT,ACGA\n");
    d.refused(
        &["score-variants", "--model", "m", "--table", "a.csv", "--ref-column", "ref", "--alt-column", "alt"],
        "a.csv: no column named 'alt'; the header has: id, ref, alternate",
    );
}

#[test]
fn allele_table_bad_letter() {
    let d = Dir::new();
    d.write("a.csv", "id,ref,alt\nv1,ACGT,ACGU\n");
    d.refused(
        &[
            "score-variants",
            "--model",
            "m",
            "--table",
            "a.csv",
            "--ref-column",
            "ref",
            "--alt-column",
            "alt",
            "--id-column",
            "id",
        ],
        "a.csv: record 1 'v1' (line 2): position 4: 'U' is not a nucleotide letter (expected A, C, G, T or N)",
    );
}

/// When no variant can be scored the table is still written (its error column says why for
/// each), and the exit code is 3.
fn nothing_scored(d: &Dir, vcf: &str, message: &str, rows: &[&str]) {
    d.write("v.vcf", vcf);
    let args = score("v.vcf", "ref.fa");
    let (code, out, err) = d.run(&strs(&args));
    assert_eq!((code, out.as_str(), err.as_str()), (3, "", format!("regula-train: {message}\n").as_str()));
    let table = std::fs::read_to_string(d.path("prior.tsv")).unwrap();
    let errors: Vec<&str> = table.lines().skip(1).map(|l| l.rsplit('\t').next().unwrap()).collect();
    assert_eq!(errors, rows);
}

#[test]
fn every_variant_a_ref_mismatch() {
    let d = Dir::new();
    let (a, b) = (d.base(20_100_000), d.base(20_101_000));
    let wrong = |c: char| if c == 'A' { 'C' } else { 'A' };
    let vcf = format!("chr22\t20100000\tv1\t{}\tG\nchr22\t20101000\tv2\t{}\tG\n", wrong(a), wrong(b));
    nothing_scored(
        &d,
        &vcf,
        &format!(
            "none of the 2 variants in v.vcf could be scored (the error column says why); the first: line 1: REF {} does not match the reference, which has {a} at chr22:20100000",
            wrong(a)
        ),
        &[
            &format!("REF {} does not match the reference, which has {a} at chr22:20100000", wrong(a)),
            &format!("REF {} does not match the reference, which has {b} at chr22:20101000", wrong(b)),
        ],
    );
}

#[test]
fn every_variant_too_near_the_chromosome_start() {
    let d = Dir::new();
    d.write("start.fa", format!(">chr9\n{}\n", "ACGT".repeat(100)));
    d.write("v.vcf", "chr9\t5\t.\tA\tG\n");
    let args = [
        "score-variants",
        "--model",
        "m",
        "--vcf",
        "v.vcf",
        "--reference",
        "start.fa",
        "--out",
        "prior.tsv",
        "--force",
    ];
    let (code, _, err) = d.run(&args);
    assert_eq!(code, 3);
    assert_eq!(
        err,
        "regula-train: none of the 1 variants in v.vcf could be scored (the error column says why); the first: line 1: chr9:5 is 4 bases from the start of the chromosome; a 230 bp window centred on it would start 111 bases before it\n"
    );
}

#[test]
fn every_variant_line_unreadable() {
    let d = Dir::new();
    nothing_scored(
        &d,
        "chr22\tfive\t.\tA\tG\nchr22\t20100000\t.\tA\t<DEL>\n",
        "none of the 2 variants in v.vcf could be scored (the error column says why); the first: line 1: POS: invalid digit found in string",
        &[
            "line 1: POS: invalid digit found in string",
            "line 2: ALT '<DEL>' is symbolic; only literal bases can be applied to a sequence",
        ],
    );
}

#[test]
fn every_variant_on_a_missing_chromosome() {
    let d = Dir::new();
    nothing_scored(
        &d,
        "chr7\t20100000\t.\tA\tG\n",
        "none of the 1 variants in v.vcf could be scored (the error column says why); the first: line 1: chromosome 'chr7' is not in the genome FASTA (it has: 22)",
        &["chromosome 'chr7' is not in the genome FASTA (it has: 22)"],
    );
}

// ---- What must work: compressed inputs, indexed references, closed pipes -------------------

#[test]
fn compressed_and_indexed_inputs_score_as_the_plain_ones() {
    let d = Dir::new();
    std::fs::copy(repo("tests/data/variants_hg19_chr22_20095001_20115000.vcf.gz"), d.path("v.vcf.gz")).unwrap();
    for ext in ["", ".fai", ".gzi"] {
        std::fs::copy(
            repo(&format!("tests/data/hg19_chr22_20095001_20115000.fa.bgz{ext}")),
            d.path(&format!("ref.bgz{ext}")),
        )
        .unwrap();
    }
    let plain = {
        let (code, out, err) = d.run(&["score-variants", "--model", "m", "--vcf", "v.vcf.gz", "--reference", "ref.fa"]);
        assert_eq!((code, err.as_str()), (0, ""));
        out
    };
    assert_eq!(plain.lines().count(), 13, "{plain}");
    assert!(plain.lines().skip(1).all(|l| l.ends_with('\t')), "every variant scored: {plain}");
    let (code, bgzf, err) = d.run(&["score-variants", "--model", "m", "--vcf", "v.vcf.gz", "--reference", "ref.bgz"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(bgzf, plain);
    // A FASTA with a BOM, gzipped: the same predictions as the plain file.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, format!("\u{feff}{GOOD_FASTA}").as_bytes()).unwrap();
    d.write("good.fa.gz", gz.finish().unwrap());
    let (_, a, _) = d.run(&PREDICT);
    let (code, b, err) = d.run(&["predict", "--model", "m", "--input", "good.fa.gz"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(a, b);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let d = Dir::new();
    let many: String = (0..3000).map(|i| format!(">s{i}\n{}\n", "ACGT".repeat(57))).collect();
    d.write("many.fa", many);
    let mut child = Command::new(BIN)
        .args(["predict", "--model", "m", "--input", "many.fa"])
        .current_dir(d.tmp.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut first).unwrap();
    // The reader is dropped here: the pipe is closed after one line, as `| head -1` does.
    assert_eq!(first, "id\tlength\tfitting\ttask0\n");
    let o = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_bad_row_deep_in_a_streamed_table_leaves_no_output() {
    // Rows are read and scored a chunk at a time: a bad row after the first chunks stops the run,
    // and --out, already half written in its temporary file, is not left behind.
    let d = Dir::new();
    let mut text = String::from("id\tseq\n");
    for i in 0..600 {
        text += &format!("r{i}\t{}\n", if i == 555 { "ACGTXACG" } else { "ACGTACGTAC" });
    }
    d.write("big.tsv", &text);
    d.refused(
        &[
            "predict",
            "--model",
            "m",
            "--input",
            "big.tsv",
            "--sequence-column",
            "seq",
            "--id-column",
            "id",
            "--out",
            "p.tsv",
        ],
        "big.tsv: record 556 'r555' (line 557): position 5: 'X' is not a nucleotide letter (expected A, C, G, T or N)",
    );
}
