//! Variants on the user's own genome, in the browser: the page reads the VCF and the reference
//! from local files slice by slice (`File.slice`; nothing is uploaded and neither file is read
//! whole) and these wrappers do the rest with the code the CLI runs:
//!
//! - [`VcfReader`] (the page): the VCF's bytes as they are read, plain, gzip or BGZF, cut into
//!   record lines (`regula_core::sequence::compressed::TextLines`);
//! - [`GenomeWindows`] (the page): which window of the reference the model reads around a
//!   variant, from the model's manifest (`regula_infer::reference_windows::ReferenceWindows`:
//!   the model's input length of reference, or for a model trained between flanks, its element
//!   of reference between them), and the words for it;
//! - [`ReferenceIndex`] (the page): the `.fai` (and `.gzi`); for a chunk of record lines, the
//!   byte ranges of the reference file that hold their windows ([`ReferenceIndex::plan`], from
//!   `regula_infer::vcf::needed_windows` and `regula_core::genome::plan_reads`), then those
//!   bytes turned into bases ([`ReferenceIndex::regions`], inflating BGZF blocks in wasm);
//! - `Predictor.scoreGenomeVariants` (a worker): the chunk scored by `regula_infer::vcf::score_lines`
//!   against those regions (`regula_core::genome::RegionGenome`), as `regula-train score-variants`
//!   scores it against the file.

use js_sys::{Array, Float64Array, Object, Uint8Array};
use regula_core::genome::{BgzfIndex, FastaIndex, Read, RegionGenome, plan_reads, read_regions};
use regula_core::manifest::Manifest;
use regula_core::sequence::compressed::{Compression, TextLines, sniff};
use regula_infer::reference_windows::ReferenceWindows;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::js::Predictor;

/// Windows of one chromosome less than this many bases apart are read as one region: fewer
/// `File.slice` calls for a dense VCF, at most this many bases read between two windows (a
/// sparse VCF reads its windows only).
const MERGE_GAP: u64 = 2_048;
/// The most bases one region spans (as the CLI's reading block).
const MAX_REGION: u64 = 1 << 20;

fn set(o: &Object, key: &str, v: impl Into<JsValue>) {
    js_sys::Reflect::set(o, &JsValue::from_str(key), &v.into()).expect("setting a property of a plain object");
}

/// The window of the reference a model reads around each variant, as the workers' model reads
/// it (`ReferenceWindows::for_manifest` of the same manifest): what the page plans its reads by
/// and the words it puts beside the numbers.
#[wasm_bindgen]
pub struct GenomeWindows(ReferenceWindows);

#[wasm_bindgen]
impl GenomeWindows {
    /// From the model's manifest text; throws for a model that cannot score genome variants
    /// (two segments, or flanks that leave no room for reference).
    #[wasm_bindgen(constructor)]
    pub fn new(manifest: &str) -> Result<GenomeWindows, JsError> {
        let manifest = Manifest::from_json(manifest).map_err(|e| JsError::new(&format!("the manifest: {e}")))?;
        ReferenceWindows::for_manifest(&manifest).map(GenomeWindows).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Bases of reference per window (the model's input length less its flanks).
    #[wasm_bindgen(getter)]
    pub fn element(&self) -> usize {
        self.0.element
    }

    /// Bases the model reads per window: the element and both flanks.
    #[wasm_bindgen(getter, js_name = modelLength)]
    pub fn model_length(&self) -> usize {
        self.0.model_length()
    }

    /// Whether the element is read between the model's flanks (its default length policy is
    /// flanked tiles).
    #[wasm_bindgen(getter)]
    pub fn flanked(&self) -> bool {
        self.0.is_flanked()
    }

    /// The window in words (as an annotated VCF's header says it).
    #[wasm_bindgen(getter)]
    pub fn describe(&self) -> String {
        self.0.describe()
    }

    /// What a variant's effect is (`regula_infer::vcf::effect_definition`).
    #[wasm_bindgen(getter, js_name = effectDefinition)]
    pub fn effect_definition(&self) -> String {
        regula_infer::vcf::effect_definition(&self.0)
    }
}

/// A VCF (plain, gzip or BGZF) read in pieces: `push(bytes)` each piece in order, `finish()`
/// after the last, and `take(n)` up to `n` record lines at a time (header and blank lines
/// skipped): `{text, lines}`, the lines joined by `\n` and their 1-based line numbers.
#[wasm_bindgen]
pub struct VcfReader {
    name: String,
    lines: TextLines,
}

#[wasm_bindgen]
impl VcfReader {
    /// `name`: the file's name, for messages.
    #[wasm_bindgen(constructor)]
    pub fn new(name: String) -> VcfReader {
        VcfReader { name, lines: TextLines::new() }
    }

    pub fn push(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.lines.push(bytes).map_err(|e| JsError::new(&format!("{}: {e}", self.name)))
    }

    pub fn finish(&mut self) -> Result<(), JsError> {
        self.lines.finish().map_err(|e| JsError::new(&format!("{}: {e}", self.name)))
    }

    /// `"none"`, `"gzip"` or `"bgzf"`, once the first bytes are in.
    #[wasm_bindgen(getter)]
    pub fn compression(&self) -> Option<String> {
        self.lines.compression().map(|c| compression_name(c).into())
    }

    /// Up to `max` record lines of what has been pushed: `{text, lines: Uint32Array}` (`count`
    /// lines; none when more bytes are needed). A line that is not UTF-8 text throws, as the CLI
    /// stops at it.
    #[wasm_bindgen(unchecked_return_type = "{ text: string; lines: Uint32Array; count: number }")]
    pub fn take(&mut self, max: usize) -> Result<JsValue, JsError> {
        let mut text = String::new();
        let mut numbers: Vec<u32> = Vec::new();
        while numbers.len() < max {
            let Some(next) = self.lines.next_line() else { break };
            let (line, t) = next.map_err(|e| {
                JsError::new(&format!(
                    "{}, line {}: the line is not valid UTF-8 text; is this a VCF file?",
                    self.name, e.line
                ))
            })?;
            if !regula_infer::vcf::is_record(&t) {
                continue;
            }
            if !numbers.is_empty() {
                text.push('\n');
            }
            text.push_str(&t);
            numbers.push(line as u32);
        }
        let o = Object::new();
        set(&o, "count", numbers.len() as u32);
        set(&o, "text", text);
        set(&o, "lines", js_sys::Uint32Array::from(numbers.as_slice()));
        Ok(o.into())
    }
}

fn compression_name(c: Compression) -> &'static str {
    match c {
        Compression::None => "none",
        Compression::Gzip => "gzip",
        Compression::Bgzf => "bgzf",
    }
}

/// The lines of a chunk: `text` split at `\n`, numbered by `numbers`.
fn numbered(text: &str, numbers: &[u32]) -> Result<Vec<(usize, String)>, JsError> {
    let lines: Vec<&str> = if text.is_empty() { vec![] } else { text.split('\n').collect() };
    if lines.len() != numbers.len() {
        return Err(JsError::new(&format!("{} lines but {} line numbers", lines.len(), numbers.len())));
    }
    Ok(numbers.iter().zip(lines).map(|(n, l)| (*n as usize, l.to_string())).collect())
}

/// A region of the reference as the page hands it to a worker (the bases travel beside it).
#[derive(Serialize, Deserialize)]
struct RegionOut {
    key: String,
    start: f64,
    end: f64,
    /// Why its bases could not be read; else they are the next `end − start` bytes of `bases`.
    error: Option<String>,
}

/// A reference genome's index: its `.fai` and, for a bgzip-compressed FASTA, its `.gzi`. On the
/// page it also plans the reads of the FASTA file; in a worker it places the regions read.
#[wasm_bindgen]
pub struct ReferenceIndex {
    index: FastaIndex,
    gzi: Option<BgzfIndex>,
    /// The FASTA file's size in bytes, once [`ReferenceIndex::check_fasta`] has seen it.
    size: u64,
    planned: Vec<Read>,
}

#[wasm_bindgen]
impl ReferenceIndex {
    /// Parses the `.fai` text (and the `.gzi` bytes); throws saying what is wrong with them.
    #[wasm_bindgen(constructor)]
    pub fn new(fai: &[u8], gzi: Option<Vec<u8>>) -> Result<ReferenceIndex, JsError> {
        let index = FastaIndex::parse(fai).map_err(|e| JsError::new(&format!("the .fai index: {e}")))?;
        let gzi =
            gzi.map(|g| BgzfIndex::parse(&g).map_err(|e| JsError::new(&format!("the .gzi index: {e}")))).transpose()?;
        Ok(ReferenceIndex { index, gzi, size: 0, planned: Vec::new() })
    }

    /// Checks the FASTA file from its first bytes (`head`, 64 or more) and its size: plain text,
    /// or BGZF with the `.gzi` given; returns `"none"` or `"bgzf"`. A gzip file that is not BGZF,
    /// or BGZF without a `.gzi`, cannot be read by region and throws saying what to do.
    #[wasm_bindgen(js_name = checkFasta)]
    pub fn check_fasta(&mut self, head: &[u8], size: f64) -> Result<String, JsError> {
        let kind = sniff(head);
        match (kind, &self.gzi) {
            (Compression::Gzip, _) => Err(JsError::new(
                "the FASTA is gzip-compressed but not with bgzip, so it cannot be read by region: compress it with `bgzip` (then `samtools faidx` writes its .fai and .gzi), or pick the uncompressed FASTA",
            )),
            (Compression::Bgzf, None) => Err(JsError::new(
                "the FASTA is bgzip-compressed: pick its .gzi index too (`samtools faidx` or `bgzip -r` writes it)",
            )),
            (Compression::None, Some(_)) => Err(JsError::new(
                "a .gzi index was picked, but the FASTA is not compressed: pick the .fa.gz (bgzip) file it belongs to, or leave the .gzi out",
            )),
            (Compression::None, None) if !head.is_empty() && head[0] != b'>' => {
                Err(JsError::new("the reference does not start with '>': is it a FASTA file?"))
            }
            _ => {
                self.size = size as u64;
                Ok(compression_name(kind).into())
            }
        }
    }

    /// The FASTA's records as the index lists them: `[{name, length}]`.
    #[wasm_bindgen(getter, unchecked_return_type = "{ name: string; length: number }[]")]
    pub fn records(&self) -> Array {
        self.index
            .entries()
            .map(|(_, e)| {
                let o = Object::new();
                set(&o, "name", e.name.clone());
                set(&o, "length", e.length as f64);
                JsValue::from(o)
            })
            .collect()
    }

    /// The reads of the FASTA file that hold the windows of a chunk of record lines (`text`,
    /// `lines` as [`VcfReader::take`] gives them) for a model reading `windows`: a flat array
    /// `[start, end, start, end, …]` of byte ranges to `File.slice`, in the order
    /// [`ReferenceIndex::regions`] wants their bytes.
    pub fn plan(&mut self, text: &str, lines: &[u32], windows: &GenomeWindows) -> Result<Float64Array, JsError> {
        let chunk = numbered(text, lines)?;
        let windows = regula_infer::vcf::needed_windows(&chunk, &windows.0);
        self.planned = plan_reads(&self.index, self.gzi.as_ref(), self.size, &windows, MERGE_GAP, MAX_REGION);
        let flat: Vec<f64> = self.planned.iter().flat_map(|r| [r.file_start as f64, r.file_end as f64]).collect();
        Ok(Float64Array::from(flat.as_slice()))
    }

    /// The bases of the planned regions from the bytes of each planned read (`parts`, one
    /// Uint8Array per range of [`ReferenceIndex::plan`]): `{regions: [{key, start, end, error?}],
    /// bases: Uint8Array}` (the regions that were read, their bases one after the other), what a
    /// worker's `scoreGenomeVariants` takes.
    #[wasm_bindgen(
        unchecked_return_type = "{ regions: { key: string; start: number; end: number; error?: string }[]; bases: Uint8Array }"
    )]
    pub fn regions(&mut self, parts: Array) -> Result<JsValue, JsError> {
        let planned = std::mem::take(&mut self.planned);
        if parts.length() as usize != planned.len() {
            return Err(JsError::new(&format!("{} reads were planned, {} given", planned.len(), parts.length())));
        }
        let mut out = Vec::new();
        let mut bases = Vec::new();
        for (read, part) in planned.iter().zip(parts.iter()) {
            let bytes = Uint8Array::new(&part).to_vec();
            for (region, got) in read_regions(read, &bytes) {
                let error = match got {
                    Ok(b) => {
                        bases.extend_from_slice(&b);
                        None
                    }
                    Err(e) => Some(e),
                };
                out.push(RegionOut { key: region.key, start: region.start as f64, end: region.end as f64, error });
            }
        }
        let o = Object::new();
        set(&o, "regions", serde_wasm_bindgen::to_value(&out).map_err(|e| JsError::new(&e.to_string()))?);
        set(&o, "bases", Uint8Array::from(bases.as_slice()));
        Ok(o.into())
    }
}

impl ReferenceIndex {
    /// The regions a page read, as a genome windows are read from.
    fn genome(&self, regions: JsValue, bases: &[u8]) -> Result<RegionGenome<'_>, JsError> {
        let regions: Vec<RegionOut> =
            serde_wasm_bindgen::from_value(regions).map_err(|e| JsError::new(&format!("regions: {e}")))?;
        let mut genome = RegionGenome::new(&self.index);
        let mut at = 0usize;
        for r in regions {
            let Some(entry) = self.index.entry_by_key(&r.key) else {
                return Err(JsError::new(&format!("regions: no chromosome '{}' in the index", r.key)));
            };
            let region = entry.region(&r.key, &r.key, r.start as u64, r.end as u64);
            let got = match r.error {
                Some(e) => Err(e),
                None => {
                    let n = (region.end - region.start) as usize;
                    let b = bases.get(at..at + n).ok_or_else(|| JsError::new("regions: fewer bases than regions"))?;
                    at += n;
                    Ok(b.to_vec())
                }
            };
            genome.add(&region, got);
        }
        Ok(genome)
    }
}

/// One scored variant, as the page shows it: `ref_prediction` and `alt_prediction` per target
/// in measured units (empty when `error` says why it could not be scored).
#[derive(Serialize)]
struct GenomeVariant {
    line: usize,
    chrom: String,
    /// 1-based; absent for a line that is not a VCF record.
    pos: Option<usize>,
    id: String,
    #[serde(rename = "ref")]
    reference: String,
    alt: String,
    ref_prediction: Vec<f64>,
    alt_prediction: Vec<f64>,
    error: Option<String>,
}

#[wasm_bindgen]
impl Predictor {
    /// Scores a chunk of VCF record lines (`text`, `lines` as `VcfReader.take` gives them)
    /// against the reference regions the page read (`regions`, `bases` as
    /// `ReferenceIndex.regions` gives them; `index`: the same `.fai`), exactly as
    /// `regula-train score-variants --vcf --reference` scores them: one model window centred on
    /// each variant (`GenomeWindows` of this model's manifest), `options.reverseComplement`
    /// averaging both strands (absent: as the manifest's `strands` says). Returns one
    /// row per variant: `{line, chrom, pos, id, ref, alt, ref_prediction, alt_prediction, error}`.
    #[wasm_bindgen(
        js_name = scoreGenomeVariants,
        unchecked_return_type = "{ line: number; chrom: string; pos?: number; id: string; ref: string; alt: string; ref_prediction: number[]; alt_prediction: number[]; error?: string }[]"
    )]
    pub fn score_genome_variants(
        &self,
        index: &ReferenceIndex,
        text: &str,
        lines: &[u32],
        regions: JsValue,
        bases: &[u8],
        #[wasm_bindgen(unchecked_optional_param_type = "{ reverseComplement?: boolean }")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let chunk = numbered(text, lines)?;
        let genome = index.genome(regions, bases)?;
        let rc = crate::js::strands_option(&self.model, &options)?;
        let scores = regula_infer::vcf::score_lines(&self.model, &genome, &chunk, rc)
            .map_err(|e| JsError::new(&e.to_string()))?;
        let rows: Vec<GenomeVariant> = scores
            .into_iter()
            .map(|s| GenomeVariant {
                line: s.variant.line,
                chrom: s.chrom,
                pos: (s.variant.position > 0).then_some(s.variant.position),
                id: s.variant.id,
                reference: s.variant.reference,
                alt: s.variant.alternate,
                ref_prediction: s.reference,
                alt_prediction: s.alternate,
                error: s.error,
            })
            .collect();
        rows.serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
            .map_err(|e| JsError::new(&e.to_string()))
    }
}
