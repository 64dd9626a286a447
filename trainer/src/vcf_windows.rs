//! VCF records on a reference genome, scored: each ALT allele read in the window centred on it
//! (the shared definition, [`regula_infer::reference_windows`], as in the browser: the model's
//! input length of reference, or its element of reference between its flanks), the windows
//! of a chunk of records predicted together — each distinct window once, so the alleles of a
//! site share its reference prediction — and each allele's predictions or why it has none.

use regula_core::variant::{Coordinates, Variant};
use regula_infer::Model;
use regula_infer::reference_windows::{ReferenceWindows, Unscorable, WindowBatch};

use crate::data::genome::{Reference, WindowError};
use crate::vcf_io::RawRecord;

/// One ALT allele of a record.
#[derive(Clone, Debug, PartialEq)]
pub struct AlleleScore {
    pub variant: Variant,
    /// Per target, the reference and alternate predictions in measured units; or why not.
    pub outcome: Result<(Vec<f64>, Vec<f64>), Unscorable>,
}

/// One record: its alleles, or why the line is not a VCF record at all.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordScore {
    pub record: RawRecord,
    pub alleles: Result<Vec<AlleleScore>, String>,
}

impl RecordScore {
    pub fn chrom(&self) -> &str {
        self.record.chrom()
    }

    /// The reference prediction (the same for every allele: the window is centred on POS).
    pub fn reference(&self) -> Option<&[f64]> {
        self.alleles.as_ref().ok()?.iter().find_map(|a| a.outcome.as_ref().ok().map(|(r, _)| r.as_slice()))
    }
}

/// What predicts a batch of windows: per variant, reference and alternate predictions per
/// target, in measured units.
pub type Predict<'a> = dyn FnMut(&WindowBatch) -> Result<Vec<(Vec<f64>, Vec<f64>)>, String> + 'a;

/// An allele's windows, or why it has none.
type AlleleWindows = Result<(Vec<u8>, Vec<u8>), Unscorable>;

/// Per allele of a record: its variant and its pair's index in the batch, or why it has none.
type Planned = Vec<(Variant, Result<usize, Unscorable>)>;

/// Why a window could not be read, as a reason for the variant (as the browser reports it).
fn unscorable(e: WindowError) -> Unscorable {
    match e {
        WindowError::UnknownChromosome { chrom, available } => Unscorable::UnknownChromosome { chrom, available },
        e @ WindowError::OutOfBounds { .. } => Unscorable::PastEnd(e.to_string()),
        e @ WindowError::Read { .. } => Unscorable::Unreadable(e.to_string()),
    }
}

/// Scores `records` against `genome`: windows by `windows`, predicted by `predict` (every
/// distinct window once, all in one batch).
pub fn score_records<G: Reference + ?Sized>(
    windows: &ReferenceWindows,
    genome: &G,
    records: Vec<RawRecord>,
    predict: &mut Predict,
) -> Result<Vec<RecordScore>, String> {
    let mut batch = WindowBatch::new();
    let mut planned: Vec<Result<Planned, String>> = Vec::with_capacity(records.len());
    for record in &records {
        let chrom = record.chrom();
        let alleles = match regula_core::variant::parse_vcf_alleles(&record.text, record.line, &Coordinates::default())
        {
            Err(e) => {
                planned.push(Err(located(record, &e.to_string())));
                continue;
            }
            Ok(a) => a,
        };
        let mut plan = Vec::with_capacity(alleles.len());
        for allele in alleles {
            let variant = match allele {
                Ok(v) => v,
                Err(e) => {
                    let placeholder = Variant {
                        id: String::new(),
                        position: record.pos().unwrap_or(0) as usize,
                        reference: String::new(),
                        alternate: String::new(),
                        line: record.line,
                    };
                    plan.push((placeholder, Err(Unscorable::Allele(located(record, &e.to_string())))));
                    continue;
                }
            };
            let outcome = match allele_windows(windows, genome, chrom, &variant) {
                Ok((r, a)) => Ok(batch.push(r, a)),
                Err(reason) => Err(reason),
            };
            plan.push((variant, outcome));
        }
        planned.push(Ok(plan));
    }
    let pairs = if batch.is_empty() { Vec::new() } else { predict(&batch)? };
    Ok(records
        .into_iter()
        .zip(planned)
        .map(|(record, plan)| RecordScore {
            alleles: plan.map(|alleles| {
                alleles
                    .into_iter()
                    .map(|(variant, outcome)| AlleleScore { variant, outcome: outcome.map(|i| pairs[i].clone()) })
                    .collect()
            }),
            record,
        })
        .collect())
}

/// The reference and alternate windows of one allele, or why it has none.
fn allele_windows<G: Reference + ?Sized>(
    windows: &ReferenceWindows,
    genome: &G,
    chrom: &str,
    variant: &Variant,
) -> AlleleWindows {
    let span = windows.span(chrom, variant)?;
    match genome.window(chrom, span.start as i64, span.end as i64) {
        Ok(bases) => windows.windows(chrom, variant, span, &bases),
        Err(e) => Err(unscorable(e)),
    }
}

/// A variant-list message with the record's place: core's messages start `line N: ` when the
/// line is known; read through an index (line 0), `line 0: ` becomes the record's `CHROM:POS: `.
fn located(record: &RawRecord, message: &str) -> String {
    match message.strip_prefix("line 0: ") {
        Some(rest) => format!("{}: {rest}", record.place()),
        None => message.to_string(),
    }
}

/// Scores VCF text against a genome with one model (in this thread): what tests and small
/// callers use; the CLI streams chunks through [`score_records`] with worker threads.
pub fn score_vcf<G: Reference + ?Sized>(
    model: &Model,
    genome: &G,
    vcf: &str,
    rc_average: bool,
) -> crate::Result<Vec<RecordScore>> {
    let windows = ReferenceWindows::for_model(model).map_err(|e| crate::Error::Invalid(e.to_string()))?;
    let records: Vec<RawRecord> = vcf
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| RawRecord { line: i + 1, text: l.trim_end_matches('\r').to_string() })
        .collect();
    let mut predict = |b: &WindowBatch| b.predict(model, rc_average).map_err(|e| e.to_string());
    score_records(&windows, genome, records, &mut predict).map_err(crate::Error::Invalid)
}
