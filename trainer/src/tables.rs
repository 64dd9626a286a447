//! The TSV tables `regula-train predict`, `ism`, `attention` and `score-variants` write, from the shared
//! inference layer's results. Values are in the model's measured units (probabilities for a
//! classifier), six decimals.

use regula_core::length::Fitting;
use regula_core::manifest::Manifest;
use regula_infer::ism::IsmResult;
use regula_infer::predict::SequencePrediction;

use crate::vcf_windows::RecordScore;

/// What a length policy did, in words.
pub fn describe_fitting(f: &Fitting) -> String {
    match f {
        Fitting::Unchanged => "unchanged".into(),
        Fitting::Padded { left, right } => format!("padded {left}+{right}"),
        Fitting::Cropped { left, right } => format!("cropped {left}+{right}"),
        Fitting::Tiled { windows, stride } => format!("{windows} tiles, stride {stride}, mean"),
    }
}

/// One row per item: id, per segment its length and fitting, then one column per target.
pub fn predictions(manifest: &Manifest, predictions: &[SequencePrediction]) -> String {
    prediction_header(manifest) + &prediction_rows(predictions)
}

/// The header line of [`predictions`].
pub fn prediction_header(manifest: &Manifest) -> String {
    let mut header = vec!["id".to_string(), "length".into(), "fitting".into()];
    if manifest.inputs.len() == 2 {
        header.extend(["distal_length".into(), "distal_fitting".into()]);
    }
    header.extend(manifest.targets.iter().map(|t| t.name.clone()));
    header.join("\t") + "\n"
}

/// The rows of [`predictions`], without the header (for output written in chunks).
pub fn prediction_rows(predictions: &[SequencePrediction]) -> String {
    let mut tsv = String::new();
    for p in predictions {
        let mut fields = vec![p.name.clone()];
        match &p.segments {
            Some(segments) => {
                for s in segments {
                    fields.extend([s.length.to_string(), describe_fitting(&s.fitting)]);
                }
            }
            None => fields.extend([p.length.to_string(), describe_fitting(&p.fitting)]),
        }
        fields.extend(p.values.iter().map(|v| format!("{v:.6}")));
        tsv += &(fields.join("\t") + "\n");
    }
    tsv
}

/// The header of [`mutagenesis_rows`].
pub const MUTAGENESIS_HEADER: &str = "id\tposition\tref\talt\ttarget\treference_prediction\teffect\n";

/// The header of [`segment_mutagenesis_rows`]: a two-segment model's, with the segment.
pub const SEGMENT_MUTAGENESIS_HEADER: &str = "id\tsegment\tposition\tref\talt\ttarget\treference_prediction\teffect\n";

/// [`mutagenesis_rows`] of a two-segment model's result: each base of each segment's window that
/// is a base of the given segment (not padding), its 1-based position within that segment.
pub fn segment_mutagenesis_rows(manifest: &Manifest, id: &str, r: &IsmResult) -> String {
    let mut tsv = String::new();
    for s in r.segments.iter().flatten() {
        for p in s.offset..s.offset + s.window_length {
            let original = s.window_start + (p - s.offset) as isize;
            if original >= 0 && original < s.length as isize {
                push_substitution_rows(&mut tsv, manifest, id, Some(&s.name), r, p, original);
            }
        }
    }
    tsv
}

/// The header of [`attention_rows`].
pub const ATTENTION_HEADER: &str =
    "id\thead\tquery\tkey\tquery_first_base\tquery_last_base\tkey_first_base\tkey_last_base\tweight\n";

/// One row per head (`1`…, then `mean`, the mean over heads), query position and key position
/// (both 1-based) of an attention map, with the bases of the given sequence each position stands
/// for (1-based; ≤ 0 or past the end where the model window is padding) and the attention weight
/// (each query's weights over the keys sum to 1).
pub fn attention_rows(id: &str, a: &regula_infer::attention::AttentionMap) -> String {
    let t = a.positions;
    let bases = |p: usize| (a.starts[p] + 1, a.starts[p] + a.stride as isize);
    let mut tsv = String::new();
    let heads = (0..a.heads).map(|h| ((h + 1).to_string(), &a.per_head[h * t * t..(h + 1) * t * t]));
    for (head, w) in heads.chain(std::iter::once(("mean".to_string(), &a.mean[..]))) {
        for q in 0..t {
            for k in 0..t {
                let ((q0, q1), (k0, k1)) = (bases(q), bases(k));
                tsv += &format!("{id}\t{head}\t{}\t{}\t{q0}\t{q1}\t{k0}\t{k1}\t{:.7}\n", q + 1, k + 1, w[q * t + k]);
            }
        }
    }
    tsv
}

/// One row per substitution and target of the bases the sequence `id` itself has (not its
/// padding): 1-based position in the sequence as given, effect = prediction with the
/// substitution − reference prediction.
pub fn mutagenesis_rows(manifest: &Manifest, id: &str, length: usize, r: &IsmResult) -> String {
    let mut tsv = String::new();
    for p in 0..r.bases.len() {
        let original = r.window_start + p as isize;
        if original >= 0 && original < length as isize {
            push_substitution_rows(&mut tsv, manifest, id, None, r, p, original);
        }
    }
    tsv
}

/// The rows of every substitution and target at model input position `p`, which holds the base
/// at 0-based position `original` of the sequence (or of the segment `segment`, a column then).
fn push_substitution_rows(
    tsv: &mut String,
    manifest: &Manifest,
    id: &str,
    segment: Option<&str>,
    r: &IsmResult,
    p: usize,
    original: isize,
) {
    let l = r.bases.len();
    let base = r.bases[p];
    let segment = segment.map(|s| format!("{s}\t")).unwrap_or_default();
    let reference = regula_core::encode::channel(base);
    for alt in (0..4).filter(|&b| Some(b) != reference) {
        for (k, t) in manifest.targets.iter().enumerate() {
            *tsv += &format!(
                "{id}\t{segment}{}\t{}\t{}\t{}\t{:.6}\t{:.6}\n",
                original + 1,
                base.to_ascii_uppercase() as char,
                b"ACGT"[alt] as char,
                t.name,
                r.reference[k],
                r.effects[k * l * 4 + p * 4 + alt]
            );
        }
    }
}

/// One row per VCF allele and target; an allele that could not be scored is one row with its
/// error, and so is a line that is not a VCF record. `line` is empty for records read through
/// the VCF's index (by seeking: their line is unknown).
pub fn vcf_scores(manifest: &Manifest, scores: &[RecordScore]) -> String {
    VCF_HEADER.to_string() + &vcf_rows(manifest, scores)
}

/// The header line of [`vcf_scores`].
pub const VCF_HEADER: &str =
    "line\tchrom\tpos\tid\tref\talt\ttarget\tref_prediction\talt_prediction\tdifference\terror\n";

/// The rows of [`vcf_scores`], without the header.
pub fn vcf_rows(manifest: &Manifest, scores: &[RecordScore]) -> String {
    let mut tsv = String::new();
    for s in scores {
        let line = if s.record.line > 0 { s.record.line.to_string() } else { String::new() };
        let alleles = match &s.alleles {
            Ok(a) => a,
            Err(e) => {
                let pos = s.record.text.split('\t').nth(1).unwrap_or_default();
                tsv += &format!("{line}\t{}\t{pos}\t\t\t\t\t\t\t\t{e}\n", s.chrom());
                continue;
            }
        };
        for a in alleles {
            let v = &a.variant;
            let lead = format!("{line}\t{}\t{}\t{}\t{}\t{}", s.chrom(), v.position, v.id, v.reference, v.alternate);
            match &a.outcome {
                Err(e) => tsv += &format!("{lead}\t\t\t\t\t{e}\n"),
                Ok((r, alt)) => {
                    for (k, t) in manifest.targets.iter().enumerate() {
                        tsv += &format!("{lead}\t{}\t{:.6}\t{:.6}\t{:.6}\t\n", t.name, r[k], alt[k], alt[k] - r[k]);
                    }
                }
            }
        }
    }
    tsv
}

/// One row per table row and target: the predictions of its two allele sequences.
pub fn allele_scores(manifest: &Manifest, rows: &[(usize, String)], scores: &[(Vec<f64>, Vec<f64>)]) -> String {
    ALLELE_HEADER.to_string() + &allele_rows(manifest, rows, scores)
}

/// The header line of [`allele_scores`].
pub const ALLELE_HEADER: &str = "line\tid\ttarget\tref_prediction\talt_prediction\tdifference\n";

/// The rows of [`allele_scores`], without the header.
pub fn allele_rows(manifest: &Manifest, rows: &[(usize, String)], scores: &[(Vec<f64>, Vec<f64>)]) -> String {
    let mut tsv = String::new();
    for ((line, id), (r, a)) in rows.iter().zip(scores) {
        for (k, target) in manifest.targets.iter().enumerate() {
            tsv += &format!("{line}\t{id}\t{}\t{:.6}\t{:.6}\t{:.6}\n", target.name, r[k], a[k], a[k] - r[k]);
        }
    }
    tsv
}
