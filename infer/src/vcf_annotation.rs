//! An input VCF annotated with a model's variant scores: the INFO keys, their `##INFO` header
//! lines (units, and what the effect is relative to), the `##regula_model` line naming the
//! model, and each record's INFO entries — text only, so the CLI and the browser write the same.
//!
//! Keys, for a model whose name gives the prefix `P` (its name with every character other than
//! letters, digits, `_` and `.` made `_`) and each target `T`:
//!
//! | key | Number | Type | value |
//! |---|---|---|---|
//! | `P_T_ref` | 1 | Float | the prediction of the reference window |
//! | `P_T_alt` | A | Float | per ALT allele, the prediction of its window (`.` when not scored) |
//! | `P_T_effect` | A | Float | per ALT allele, alt − ref (`.` when not scored) |
//! | `P_unscored` | A | String | per ALT allele, why it was not scored (`.` when it was); absent when every allele was scored |
//!
//! A record none of whose alleles was scored has only `P_unscored`; one without an ALT allele
//! (`.`) gets no entry. Values have six decimals, as the TSV output.

use regula_core::manifest::{Manifest, Strands};

use crate::reference_windows::{ReferenceWindows, Unscorable};

/// The VCF version written when the input has no `##fileformat` line.
pub const FILE_FORMAT: &str = "##fileformat=VCFv4.2";
/// The column line written when the input has none.
pub const COLUMNS: &str = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO";

/// How one model annotates a VCF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VcfAnnotation {
    /// The key prefix (the model's name made a valid INFO key).
    pub prefix: String,
    /// Per target, its key stem `P_T`.
    pub stems: Vec<String>,
    /// The header lines this annotation adds (`##INFO` lines, then `##regula_model`).
    pub header: Vec<String>,
}

/// One ALT allele's outcome: its prediction, or the reason code it was not scored.
pub type AlleleOutcome<'a> = Result<&'a [f64], &'static str>;

/// `name` as an INFO key (VCF 4.3: `[A-Za-z_][0-9A-Za-z_.]*`).
pub fn info_key(name: &str) -> String {
    let mut key: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '.' { c } else { '_' }).collect();
    if !key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        key.insert(0, '_');
    }
    key
}

/// A header value in double quotes (quotes and backslashes escaped, line breaks made spaces).
fn quoted(text: &str) -> String {
    let escaped: String = text
        .chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            '\n' | '\r' | '\t' => vec![' '],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

impl VcfAnnotation {
    /// The annotation of `manifest`'s model reading variants in `windows`, strand-averaged or
    /// not; `model_sha256` is the model file's digest, `version` Regula's.
    pub fn new(
        manifest: &Manifest,
        windows: &ReferenceWindows,
        rc_average: bool,
        model_sha256: &str,
        version: &str,
    ) -> Self {
        let prefix = info_key(&manifest.name);
        let name = &manifest.name;
        let strands = Strands::from_average(rc_average).describe();
        let window = windows.describe();
        let mut header = Vec::new();
        let mut stems = Vec::new();
        for t in &manifest.targets {
            let stem = format!("{prefix}_{}", info_key(&t.name));
            let unit = &t.unit;
            let info = |suffix: &str, number: &str, text: String| {
                format!("##INFO=<ID={stem}_{suffix},Number={number},Type=Float,Description={}>", quoted(&text))
            };
            header.push(info(
                "ref",
                "1",
                format!(
                    "{name} prediction of {} for the reference allele, in {unit}; window: {window}; {strands}",
                    t.name
                ),
            ));
            header.push(info(
                "alt",
                "A",
                format!("{name} prediction of {} for each alternate allele, in {unit}; window: {window} with the allele applied; {strands}", t.name),
            ));
            header.push(info(
                "effect",
                "A",
                format!(
                    "{name} effect on {} of each alternate allele: its prediction minus the reference allele's ({stem}_alt - {stem}_ref), a difference in {unit}, relative to the reference allele in the same window; {strands}",
                    t.name
                ),
            ));
            stems.push(stem);
        }
        let codes: Vec<String> = Unscorable::CODES.iter().map(|(c, what)| format!("{c}: {what}")).collect();
        header.push(format!(
            "##INFO=<ID={prefix}_unscored,Number=A,Type=String,Description={}>",
            quoted(&format!("Why {name} did not score each alternate allele ('.': scored): {}", codes.join("; ")))
        ));
        header.push(format!(
            "##regula_model=<ID={prefix},name={},sha256={model_sha256},version={},window={},strands={}>",
            quoted(name),
            quoted(version),
            quoted(&window),
            quoted(strands)
        ));
        VcfAnnotation { prefix, stems, header }
    }

    /// Every INFO key this annotation writes.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> =
            self.stems.iter().flat_map(|s| ["ref", "alt", "effect"].map(|x| format!("{s}_{x}"))).collect();
        keys.push(format!("{}_unscored", self.prefix));
        keys
    }

    /// The output header from the input's header lines (without line ends): a `##fileformat`
    /// line first (VCFv4.2 when missing), earlier definitions of this annotation's keys and its
    /// `##regula_model` line dropped, its lines added just before the `#CHROM` line (written when
    /// missing).
    pub fn edit_header(&self, lines: &[String]) -> Vec<String> {
        let own: Vec<String> = self.keys().iter().map(|k| format!("##INFO=<ID={k},")).collect();
        let model = format!("##regula_model=<ID={},", self.prefix);
        let mut out = Vec::with_capacity(lines.len() + self.header.len() + 2);
        if !lines.first().is_some_and(|l| l.starts_with("##fileformat=")) {
            out.push(FILE_FORMAT.to_string());
        }
        let mut columns = None;
        for l in lines {
            if l.starts_with("#CHROM") {
                columns = Some(l.clone());
            } else if !own.iter().any(|o| l.starts_with(o.as_str())) && !l.starts_with(&model) {
                out.push(l.clone());
            }
        }
        out.extend(self.header.iter().cloned());
        out.push(columns.unwrap_or_else(|| COLUMNS.to_string()));
        out
    }

    /// The INFO entries of one record (`;`-joined, no leading `;`), from the reference
    /// prediction (when any allele was scored) and each ALT allele's outcome; empty when the
    /// record has no ALT allele.
    pub fn entries(&self, reference: Option<&[f64]>, alleles: &[AlleleOutcome]) -> String {
        if alleles.is_empty() {
            return String::new();
        }
        let mut parts = Vec::new();
        if let Some(reference) = reference.filter(|_| alleles.iter().any(Result::is_ok)) {
            for (k, stem) in self.stems.iter().enumerate() {
                let list = |f: &dyn Fn(&[f64]) -> f64| {
                    alleles
                        .iter()
                        .map(|a| a.map_or_else(|_| ".".to_string(), |v| format!("{:.6}", f(v))))
                        .collect::<Vec<_>>()
                        .join(",")
                };
                parts.push(format!("{stem}_ref={:.6}", reference[k]));
                parts.push(format!("{stem}_alt={}", list(&|v| v[k])));
                parts.push(format!("{stem}_effect={}", list(&|v| v[k] - reference[k])));
            }
        }
        if alleles.iter().any(Result::is_err) {
            let codes: Vec<&str> = alleles.iter().map(|a| a.err().unwrap_or(".")).collect();
            parts.push(format!("{}_unscored={}", self.prefix, codes.join(",")));
        }
        parts.join(";")
    }

    /// A VCF data line with `entries` in its INFO column: earlier entries of this annotation's
    /// keys dropped, the others kept in order; a line of fewer than 8 columns filled with `.`.
    pub fn annotate_line(&self, line: &str, entries: &str) -> String {
        let mut fields: Vec<&str> = line.split('\t').collect();
        while fields.len() < 8 {
            fields.push(".");
        }
        let keys = self.keys();
        let mut info: Vec<&str> = if fields[7] == "." {
            Vec::new()
        } else {
            fields[7].split(';').filter(|e| !keys.iter().any(|k| e.split('=').next() == Some(k.as_str()))).collect()
        };
        if !entries.is_empty() {
            info.push(entries);
        }
        let joined = if info.is_empty() { ".".to_string() } else { info.join(";") };
        fields[7] = &joined;
        fields.join("\t")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mpra1.manifest.json"))
            .unwrap();
        let mut m = Manifest::from_json(&text).unwrap();
        m.name = "my-model 2".into();
        m
    }

    fn annotation() -> VcfAnnotation {
        VcfAnnotation::new(&manifest(), &ReferenceWindows::new(230), false, "ab12", "0.1.0")
    }

    #[test]
    fn keys_are_valid_info_keys_named_by_model_and_target() {
        assert_eq!(info_key("hepg2-mpra"), "hepg2_mpra");
        assert_eq!(info_key("2x model"), "_2x_model");
        let a = annotation();
        assert_eq!(
            a.keys(),
            ["my_model_2_task0_ref", "my_model_2_task0_alt", "my_model_2_task0_effect", "my_model_2_unscored"]
        );
        assert_eq!(
            a.header[2],
            "##INFO=<ID=my_model_2_task0_effect,Number=A,Type=Float,Description=\"my-model 2 effect on task0 of each alternate allele: its prediction minus the reference allele's (my_model_2_task0_alt - my_model_2_task0_ref), a difference in a.u., relative to the reference allele in the same window; forward strand\">"
        );
        assert_eq!(
            a.header.last().unwrap(),
            "##regula_model=<ID=my_model_2,name=\"my-model 2\",sha256=ab12,version=\"0.1.0\",window=\"the 230 bp of reference centred on the variant (its first base at window position 116)\",strands=\"forward strand\">"
        );
        // A model trained between flanks reads its element of reference between them.
        let flanked = ReferenceWindows::flanked(230, b"AGGACCGGATCAACT", b"CATTGCGTGAACCGA").unwrap();
        let a = VcfAnnotation::new(&manifest(), &flanked, true, "ab12", "0.1.0");
        assert_eq!(
            a.header.last().unwrap(),
            "##regula_model=<ID=my_model_2,name=\"my-model 2\",sha256=ab12,version=\"0.1.0\",window=\"the 200 bp of reference centred on the variant (its first base at element position 101), between the model's 15 bp flanks: 230 bp in all\",strands=\"mean of both strands\">"
        );
        assert_eq!(
            a.header[0],
            "##INFO=<ID=my_model_2_task0_ref,Number=1,Type=Float,Description=\"my-model 2 prediction of task0 for the reference allele, in a.u.; window: the 200 bp of reference centred on the variant (its first base at element position 101), between the model's 15 bp flanks: 230 bp in all; mean of both strands\">"
        );
    }

    #[test]
    fn entries_list_every_allele_in_order() {
        let a = annotation();
        let r = [1.0];
        let alt = [1.25];
        assert_eq!(
            a.entries(Some(&r), &[Ok(&alt), Err("unsupported_allele")]),
            "my_model_2_task0_ref=1.000000;my_model_2_task0_alt=1.250000,.;my_model_2_task0_effect=0.250000,.;my_model_2_unscored=.,unsupported_allele"
        );
        assert_eq!(a.entries(None, &[Err("ref_mismatch")]), "my_model_2_unscored=ref_mismatch");
        assert_eq!(a.entries(Some(&r), &[]), "");
    }

    #[test]
    fn a_line_keeps_its_other_info_and_loses_an_earlier_annotation() {
        let a = annotation();
        let e = "my_model_2_unscored=ref_mismatch";
        assert_eq!(a.annotate_line("c\t5\t.\tA\tG", e), format!("c\t5\t.\tA\tG\t.\t.\t{e}"));
        assert_eq!(
            a.annotate_line("c\t5\t.\tA\tG\t9\tPASS\tDP=3;my_model_2_task0_ref=1;DB\tGT\t0/1", e),
            format!("c\t5\t.\tA\tG\t9\tPASS\tDP=3;DB;{e}\tGT\t0/1")
        );
        assert_eq!(a.annotate_line("c\t5\t.\tA\t.\t.\t.\tmy_model_2_unscored=x", ""), "c\t5\t.\tA\t.\t.\t.\t.");
    }

    #[test]
    fn the_header_gains_its_lines_before_the_columns() {
        let a = annotation();
        let lines: Vec<String> = [
            "##fileformat=VCFv4.3",
            "##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">",
            "##INFO=<ID=my_model_2_task0_ref,Number=1,Type=Float,Description=\"old\">",
            "##regula_model=<ID=my_model_2,name=old>",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tS1",
        ]
        .map(String::from)
        .to_vec();
        let out = a.edit_header(&lines);
        assert_eq!(out[..2], lines[..2]);
        assert_eq!(out[2..out.len() - 1], a.header[..]);
        assert_eq!(out.last(), lines.last());
        let bare = a.edit_header(&[]);
        assert_eq!((bare[0].as_str(), bare.last().unwrap().as_str()), (FILE_FORMAT, COLUMNS));
    }
}
