//! The JavaScript API: thin wrappers that parse arguments, call the plain-Rust algorithms and
//! convert results (numbers in bulk as typed arrays).

use std::rc::Rc;

use js_sys::{Array, Float32Array, Function, Object, Reflect, Uint32Array};
use regula_core::length::LengthPolicy;
use regula_core::motif::MotifSet as CoreMotifSet;
use regula_core::variant::Coordinates;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::attribution::{self, Attribution};
use crate::error::Error;
use crate::ism::{FastPath, IsmPart, IsmResult, IsmRun, Method, WindowPart};
use crate::model::Model;
use crate::{motifs, predict, variants};

fn err(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
        .map_err(|e| JsError::new(&e.to_string()))
}

fn set(o: &Object, key: &str, v: impl Into<JsValue>) {
    Reflect::set(o, &JsValue::from_str(key), &v.into()).expect("setting a property of a plain object");
}

fn get(options: &JsValue, key: &str) -> Option<JsValue> {
    if !options.is_object() {
        return None;
    }
    Reflect::get(options, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

/// `options.reverseComplement`: true for the mean of both strands' predictions, false for the
/// forward strand; absent, the manifest's `strands` (how the model's metrics were measured).
pub(crate) fn strands_option(model: &Model, options: &JsValue) -> Result<bool, JsError> {
    match get(options, "reverseComplement") {
        None => Ok(model.averages_strands(None)),
        Some(v) => v.as_bool().map(|asked| model.averages_strands(Some(asked))).ok_or_else(|| {
            JsError::new(
                "options.reverseComplement: expected true (the mean of both strands) or false (the forward strand)",
            )
        }),
    }
}

/// `options.method`: `"fast"` (the default) or `"naive"`.
fn method_option(options: &JsValue) -> Result<Method, JsError> {
    match get(options, "method").and_then(|v| v.as_string()).as_deref() {
        None | Some("fast") => Ok(Method::Fast),
        Some("naive") => Ok(Method::Naive),
        Some(other) => Err(JsError::new(&format!("options.method '{other}': expected \"fast\" or \"naive\""))),
    }
}

fn f32s(v: &[f32]) -> Float32Array {
    Float32Array::from(v)
}

fn parse_records(text: &str) -> Result<Vec<regula_core::sequence::SequenceRecord>, JsError> {
    regula_core::sequence::parse_sequences(text.as_bytes()).map_err(|e| JsError::new(&e.to_string()))
}

/// Checks a sequence given as a string (not FASTA) with a located error.
fn checked(s: String, index: usize, name: &str) -> Result<Vec<u8>, JsError> {
    regula_core::sequence::validate(s.as_bytes(), || regula_core::sequence::RecordLocation {
        index,
        name: name.to_string(),
        line: 1,
    })
    .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(s.into_bytes())
}

fn segment_names(model: &Model) -> Vec<&str> {
    model.segments.iter().map(|s| s.name.as_str()).collect()
}

/// One item: one sequence per model segment, with its name if it has one. `v` is a string
/// (plain sequence or FASTA: one record, or for a two-segment model two records, promoter
/// first), an array of one string per segment, or an object with a string per segment name
/// (`{sequence}`, or `{promoter, distal}`) and optionally `name`. `index` is 1-based.
fn item_of(model: &Model, v: &JsValue, index: usize, what: &str) -> Result<(Option<String>, Vec<Vec<u8>>), JsError> {
    let names = segment_names(model);
    let count = |n: usize| crate::segments::check_count(&model.segments, n, what).map_err(err);
    if let Some(text) = v.as_string() {
        let records = parse_records(&text)?;
        if records.is_empty() {
            return Err(JsError::new("no sequence was given"));
        }
        if records.len() != names.len() {
            if names.len() == 1 {
                return Err(JsError::new(&format!("expected one sequence, got {} records", records.len())));
            }
            count(records.len())?;
        }
        let name = (names.len() > 1 || records[0].name != "sequence").then(|| records[0].name.clone());
        return Ok((name, records.into_iter().map(|r| r.sequence).collect()));
    }
    if Array::is_array(v) {
        let parts = Array::from(v);
        count(parts.length() as usize)?;
        let seqs = parts
            .iter()
            .zip(&names)
            .map(|(p, segment)| {
                let s = p
                    .as_string()
                    .ok_or_else(|| JsError::new(&format!("{what}: the {segment} sequence is not a string")))?;
                checked(s, index, &format!("{what} ({segment})"))
            })
            .collect::<Result<_, _>>()?;
        return Ok((None, seqs));
    }
    if v.is_object() {
        let name = get(v, "name").and_then(|n| n.as_string());
        let label = name.clone().unwrap_or_else(|| what.to_string());
        let has = |k: &str| get(v, k).is_some();
        let paired = has("promoter") as usize + has("distal") as usize;
        if names.len() == 1 && !has("sequence") && paired > 0 {
            count(2)?;
        }
        if names.len() > 1 && has("sequence") && paired == 0 {
            count(1)?;
        }
        if names.len() > 1 && paired == 1 {
            let missing = if has("promoter") { "distal" } else { "promoter" };
            return Err(JsError::new(&format!(
                "{what} has no \"{missing}\" sequence; this model reads {}",
                crate::segments::expected(&model.segments)
            )));
        }
        if names.iter().any(|n| !has(n)) {
            return Err(no_item(model, what));
        }
        let seqs = names
            .iter()
            .map(|segment| {
                let s = get(v, segment)
                    .and_then(|s| s.as_string())
                    .ok_or_else(|| JsError::new(&format!("{what}: \"{segment}\" is not a string")))?;
                checked(s, index, &if names.len() > 1 { format!("{label} ({segment})") } else { label.clone() })
            })
            .collect::<Result<_, _>>()?;
        return Ok((name, seqs));
    }
    Err(no_item(model, what))
}

fn no_item(model: &Model, what: &str) -> JsError {
    JsError::new(&if model.segments.len() == 1 {
        format!("{what} is neither a string nor an object with a \"sequence\" string")
    } else {
        format!(
            "{what} is neither a string, nor {{promoter, distal}}, nor [promoter, distal] (this model reads {})",
            crate::segments::expected(&model.segments)
        )
    })
}

/// The item of a one-item call (mutagenesis, variants, attributions).
fn one_item(model: &Model, v: &JsValue) -> Result<Vec<Vec<u8>>, JsError> {
    Ok(item_of(model, v, 1, "the input")?.1)
}

fn parse_policy(v: JsValue, what: &str) -> Result<LengthPolicy, JsError> {
    serde_wasm_bindgen::from_value(v).map_err(|e| {
        JsError::new(&format!(
            "{what}: {e}; expected e.g. {{policy: \"pad_or_crop\", padding: \"n\"}} or {{policy: \"tile\", stride: 100, padding: \"n\"}}"
        ))
    })
}

/// One length policy per model segment from `options.policy`: one policy for every segment
/// (`{policy: "tile", stride: 100, padding: "n"}`, the manifest's JSON form), an array with one
/// per segment, or an object by segment name (`{promoter: {...}, distal: {...}}`); each segment
/// not given gets the manifest's default.
fn policies(model: &Model, options: &JsValue) -> Result<Vec<LengthPolicy>, JsError> {
    let mut out: Vec<LengthPolicy> = model.segments.iter().map(|s| s.default_policy.clone()).collect();
    let Some(v) = get(options, "policy") else { return Ok(out) };
    if Array::is_array(&v) {
        let a = Array::from(&v);
        if a.length() as usize != out.len() {
            return Err(JsError::new(&format!(
                "options.policy: {} policies for {} segments ({})",
                a.length(),
                out.len(),
                segment_names(model).join(", ")
            )));
        }
        for (i, p) in a.iter().enumerate() {
            out[i] = parse_policy(p, &format!("options.policy[{i}]"))?;
        }
        return Ok(out);
    }
    let names: Vec<String> = segment_names(model).iter().map(|s| s.to_string()).collect();
    let by_name = v.is_object() && get(&v, "policy").is_none() && names.iter().any(|n| get(&v, n).is_some());
    if by_name {
        for (i, n) in names.iter().enumerate() {
            if let Some(p) = get(&v, n) {
                out[i] = parse_policy(p, &format!("options.policy.{n}"))?;
            }
        }
        return Ok(out);
    }
    let p = parse_policy(v, "options.policy")?;
    Ok(vec![p; out.len()])
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
export type Padding = "n" | { flanks: { left: string; right: string } };
export type LengthPolicy =
  | { policy: "exact" }
  | { policy: "pad"; padding: Padding }
  | { policy: "crop" }
  | { policy: "pad_or_crop"; padding: Padding }
  | { policy: "tile"; stride: number; padding: Padding }
  /** Tiles of `length − left − right` bases, `stride` apart, each read between the flanks (MPRA adapters). */
  | { policy: "flanked_tiles"; stride: number; left: string; right: string };
export type Fitting =
  | { action: "unchanged" }
  | { action: "padded"; left: number; right: number }
  | { action: "cropped"; left: number; right: number }
  | { action: "tiled"; windows: number; stride: number };
/** One policy for every segment, one per segment, or by segment name. */
export type Policies = LengthPolicy | LengthPolicy[] | { [segment: string]: LengthPolicy };
export interface PredictOptions { policy?: Policies; reverseComplement?: boolean }
/** A segment the model reads: "sequence", or "promoter" and "distal" for a two-segment model. */
export interface Segment { name: string; length: number; offset: number }
/** The input of a two-segment model (the trainer's dual-branch preset). */
export interface SegmentedSequence { name?: string; promoter: string; distal: string }
/** Where a segment of the input went: its fitting and its window's place in the joined bases. */
export interface SegmentFit { name: string; length: number; offset: number; window_length: number; window_start: number; fitting: Fitting }
export interface SequencePrediction {
  name: string; length: number; fitting: Fitting;
  /** Per target, measured units; the mean over windows for a tiled sequence. */
  values: number[]; window_starts: number[]; window_values: number[][];
  /** Two-segment models: per segment (then one window; window_starts per segment). */
  segments?: SegmentFit[];
}
export interface MutagenesisOptions {
  method?: "fast" | "naive"; chunk?: number; policy?: Policies; part?: [number, number];
  /** true: every prediction the mean of both strands; false: the forward strand; absent: the manifest's `strands`. */
  reverseComplement?: boolean;
  /** Called after each chunk; return false to cancel (the call then throws "cancelled"). */
  onProgress?: (done: number, total: number) => boolean | void;
}
export interface MutagenesisResult {
  /** [targets, L, 4]: prediction with the substitution minus the reference (0 at the reference base). */
  effects: Float32Array; shape: [number, number, number];
  reference: number[];
  /** [targets, L]: minus the mean effect of the substitutions at each position. */
  importance: Float32Array;
  bases: string; window_start: number; fitting: Fitting; method: "fast" | "naive";
  fast_path?: "windowed" | "incremental"; fallback_reason?: string; passes: number; bases_computed: number;
  /** Two-segment models: where each segment lies in `bases` (the joined input). */
  segments?: SegmentFit[];
  /** What every prediction (reference and substitution) is made from: the forward strand, or the mean of both. */
  strands: "forward" | "both";
}
/** What one part of a shared scan computed (`job.finish()` of a job made with `options.part`): raw model outputs, for `Predictor.mergeMutagenesis`. */
export interface MutagenesisPart {
  index: number; parts: number;
  windows: { window: number; positions: Uint32Array; raw: Float32Array; base_raw: Float32Array; reference_raw: Float32Array; method: "fast" | "naive"; fast_path?: "windowed" | "incremental"; fallback_reason?: string; passes: number; bases_computed: number }[];
}
export interface VariantOptions { reverseComplement?: boolean; chrom?: string; offset?: number; policy?: Policies; segment?: string | number }
export interface VariantScore {
  line: number; id?: string; position?: number; reference?: string; alternate?: string;
  /** The problem with this variant; for a base no model window reads: "… position N is outside the model's view: …" (never an effect of 0). */
  kind?: "snv" | "mnv" | "insertion" | "deletion" | "complex"; error?: string;
  /** Means over the model windows that contain the variant (empty on error); `difference` = alt − ref. */
  ref_prediction: number[]; alt_prediction: number[]; difference: number[]; log2_fold_change: (number | undefined)[];
  /** Model windows the effect is averaged over (0 on error). */
  windows: number;
}
/** `aggregation`: "mean over the model windows that contain the variant of alt − ref". */
export interface VariantReport { scores: VariantScore[]; reverse_complement_averaged: boolean; aggregation: string; segment?: string }
export interface AttributionOptions { policy?: Policies; steps?: number; baseline?: "n" | "zeros" }
export interface Attribution {
  method: string; shape: [number, number];
  /** [targets, L] */ perPosition: Float32Array;
  /** [targets, 4, L] */ perChannel: Float32Array;
  prediction: Float32Array; completenessGap?: Float32Array;
  bases: string; window_start: number; fitting: Fitting; segments?: SegmentFit[];
}
export interface MotifHighlight {
  motif_id: string; motif_name?: string; start: number; end: number; strand: "+" | "-";
  score: number; p_value: number; matched: string; mean_attribution?: number;
}
export interface FilterMatch { motif_id: string; motif_name?: string; strand: "+" | "-"; offset: number; similarity: number }
export interface AttentionOptions { policy?: Policies; window?: number; layer?: number }
/** The attention weights of one model window; rows (query positions) over columns (key positions) sum to 1. */
export interface AttentionMap {
  layer: number; layers: number; heads: number; positions: number;
  /** [heads, positions, positions], row-major */ perHead: Float32Array;
  /** [positions, positions]: the mean over heads */ mean: Float32Array;
  /** Bases of the model window per position, and a position's receptive field [lo, hi] relative to its first base. */
  stride: number; receptive_field: [number, number];
  /** 0-based position in the given sequence of each position's first base (negative or past the end: padding). */
  starts: number[];
  bases: string; window_start: number; window: number; windows: number; fitting: Fitting;
  /** How positions map to bases, and what a value is, in words. */
  scale: string; value: string;
}
export interface FilterPwm { filter: number; probs: [number, number, number, number][]; information_content: number; consensus: string; matches: FilterMatch[] }
"#;

/// A model running in this tab: construct it from the ONNX bytes and manifest JSON the page
/// loaded (plus the attribution graph's bytes, for attributions).
#[wasm_bindgen]
pub struct Predictor {
    pub(crate) model: Rc<Model>,
}

#[wasm_bindgen]
impl Predictor {
    /// Checks (size limit, op allow-list, input shape and outputs against the manifest) and
    /// loads the model. Throws an Error saying what is wrong.
    #[wasm_bindgen(constructor)]
    pub fn new(onnx: &[u8], manifest_json: &str, attribution_onnx: Option<Vec<u8>>) -> Result<Predictor, JsError> {
        let model = crate::load_model(onnx, manifest_json, attribution_onnx.as_deref()).map_err(err)?;
        Ok(Predictor { model: Rc::new(model) })
    }

    /// The manifest, as an object.
    #[wasm_bindgen(getter)]
    pub fn manifest(&self) -> Result<JsValue, JsError> {
        let v: serde_json::Value =
            serde_json::from_str(&self.model.manifest.to_json()).map_err(|e| JsError::new(&e.to_string()))?;
        to_js(&v)
    }

    /// Bases the model reads.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.model.length
    }

    /// Target names, in output order.
    #[wasm_bindgen(getter)]
    pub fn targets(&self) -> Vec<String> {
        self.model.manifest.targets.iter().map(|t| t.name.clone()).collect()
    }

    /// Why fast mutagenesis is unavailable for this model (then it falls back to naive), or undefined.
    #[wasm_bindgen(getter, js_name = fastMutagenesisUnavailable)]
    pub fn fast_unavailable(&self) -> Option<String> {
        self.model.split_error.clone()
    }

    #[wasm_bindgen(getter, js_name = hasAttributionGraph)]
    pub fn has_attribution(&self) -> bool {
        self.model.attribution.is_some()
    }

    /// Why the model has no attention map (no attention block in its graph), or undefined when it has one.
    #[wasm_bindgen(getter, js_name = attentionUnavailable)]
    pub fn attention_unavailable(&self) -> Option<String> {
        self.model.attention.as_ref().err().cloned()
    }

    /// The attention weights of a model with an attention block, over one model window of
    /// `sequence` (fitted by `options.policy`; `options.window`, from 0, picks a tile of a tiled
    /// sequence; `options.layer` the attention block, from 0): `{perHead: Float32Array [heads,
    /// T, T], mean: Float32Array [T, T], heads, positions, stride, receptive_field, starts,
    /// bases, window_start, window, windows, fitting, scale, value}`. Row `i` is query position
    /// `i`; each row sums to 1. Throws, saying why, for a model without attention.
    #[wasm_bindgen(js_name = attentionMap, unchecked_return_type = "AttentionMap")]
    pub fn attention_map(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] sequence: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AttentionOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let item = one_item(&self.model, &sequence)?;
        let index = |key: &str| -> Result<usize, JsError> {
            match get(&options, key).map(|v| v.as_f64()) {
                None => Ok(0),
                Some(Some(i)) if i >= 0.0 && i.fract() == 0.0 => Ok(i as usize),
                Some(_) => Err(JsError::new(&format!("options.{key}: expected a whole number from 0"))),
            }
        };
        let policy = policies(&self.model, &options)?.remove(0);
        let a = crate::attention::attention_map(&self.model, &item[0], &policy, index("window")?, index("layer")?)
            .map_err(err)?;
        let o = Object::new();
        for (key, v) in [("layer", a.layer), ("layers", a.layers), ("heads", a.heads), ("positions", a.positions)] {
            set(&o, key, v as u32);
        }
        set(&o, "perHead", f32s(&a.per_head));
        set(&o, "mean", f32s(&a.mean));
        set(&o, "stride", a.stride as u32);
        set(&o, "receptive_field", to_js(&a.receptive_field)?);
        set(&o, "starts", to_js(&a.starts)?);
        set(&o, "bases", a.bases);
        set(&o, "window_start", a.window_start as f64);
        set(&o, "window", a.window as u32);
        set(&o, "windows", a.windows as u32);
        set(&o, "fitting", to_js(&a.fitting)?);
        set(&o, "scale", a.scale);
        set(&o, "value", a.value);
        Ok(o.into())
    }

    /// The sequences the model reads per prediction, in order: `[{name: "sequence", length,
    /// offset: 0}]`, or for a two-segment model `[{name: "promoter", length, offset: 0}, {name:
    /// "distal", length, offset}]` (`offset`: where the segment starts in the model input).
    #[wasm_bindgen(getter, unchecked_return_type = "Segment[]")]
    pub fn segments(&self) -> Result<JsValue, JsError> {
        to_js(&self.model.segments)
    }

    /// Predictions for `sequences`: FASTA/plain text, or an array of items. For a one-input
    /// model an item is a plain sequence string or `{name, sequence}`; for a two-segment model
    /// `{name, promoter, distal}` or `[promoter, distal]`, and FASTA text pairs its records
    /// (promoter, distal, promoter, distal, …; the pair is named after the promoter record).
    /// `options.policy` overrides the manifest's length policies (one for all segments, one per
    /// segment as an array, or `{promoter, distal}`); `options.reverseComplement` (true: the mean
    /// of both strands, each segment reverse-complemented in place; false: the forward strand;
    /// absent: the manifest's `strands`, how the model's metrics were measured). Returns one
    /// object per item: `{name, length, fitting, values, window_starts, window_values, segments?}`.
    #[wasm_bindgen(unchecked_return_type = "SequencePrediction[]")]
    pub fn predict(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "string | (string | { name?: string; sequence: string } | SegmentedSequence | [string, string])[]"
        )]
        sequences: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PredictOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let model = &self.model;
        let paired = model.segments.len() > 1;
        let items: Vec<predict::Item> = if let Some(text) = sequences.as_string() {
            let records = parse_records(&text)?;
            if !paired {
                records.into_iter().map(|r| (r.name, vec![r.sequence])).collect()
            } else {
                if records.len() % 2 != 0 {
                    return Err(JsError::new(&format!(
                        "this model reads {} per prediction, so FASTA records go in pairs (promoter, then distal); got {} record{}",
                        crate::segments::expected(&model.segments),
                        records.len(),
                        if records.len() == 1 { "" } else { "s" }
                    )));
                }
                let mut out = Vec::new();
                let mut it = records.into_iter();
                while let (Some(p), Some(d)) = (it.next(), it.next()) {
                    out.push((p.name, vec![p.sequence, d.sequence]));
                }
                out
            }
        } else if Array::is_array(&sequences) {
            let mut out = Vec::new();
            for (i, v) in Array::from(&sequences).iter().enumerate() {
                let what = format!("sequences[{i}]");
                let fallback = format!("sequence {}", i + 1);
                match v.as_string() {
                    // A plain sequence (not FASTA).
                    Some(s) => {
                        crate::segments::check_count(&model.segments, 1, &what).map_err(err)?;
                        out.push((fallback.clone(), vec![checked(s, i + 1, &fallback)?]));
                    }
                    None => {
                        let (name, item) = item_of(model, &v, i + 1, &what)?;
                        out.push((name.unwrap_or(fallback), item));
                    }
                }
            }
            out
        } else {
            return Err(JsError::new("predict(sequences): pass FASTA/plain text or an array of sequence strings"));
        };
        let rc = strands_option(model, &options)?;
        let p = predict::predict_averaged(model, items, &policies(model, &options)?, rc).map_err(err)?;
        to_js(&p)
    }

    /// Saturation mutagenesis of one sequence (fitted by the length policy; a tiled sequence
    /// gets the effects on its mean-over-windows prediction at every base). Options: `method` (`"fast"`, default, or
    /// `"naive"`), `chunk` (positions per progress report, default the job's `stepPositions`), `onProgress(done, total)`
    /// (return `false` to cancel, which throws "cancelled"), `policy`, `reverseComplement` (every
    /// prediction the mean of both strands, as `predict`; absent: the manifest's `strands`).
    /// Returns `{effects: Float32Array [targets, L, 4], shape, reference, importance: Float32Array
    /// [targets, L], bases, window_start, fitting, method, fallback_reason, passes, bases_computed,
    /// strands}`. A two-segment model takes `{promoter, distal}` (or `[promoter, distal]`, or two
    /// FASTA records): both segments are mutated, `bases` is their joined window and `segments`
    /// says where each lies; its scans read the forward strand (`strands` says so).
    #[wasm_bindgen(js_name = saturationMutagenesis, unchecked_return_type = "MutagenesisResult")]
    pub fn saturation_mutagenesis(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | SegmentedSequence | [string, string]")] sequence: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "MutagenesisOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let mut job = self.start_mutagenesis(sequence, options.clone())?;
        let chunk =
            get(&options, "chunk").and_then(|v| v.as_f64()).map_or(job.step_positions(), |c| c.max(1.0) as usize);
        let callback: Option<Function> = get(&options, "onProgress").and_then(|f| f.dyn_into().ok());
        loop {
            let done = job.run.step(&self.model, chunk).map_err(err)?;
            if let Some(f) = &callback {
                let (d, t) = job.run.progress();
                let r = f.call2(&JsValue::NULL, &JsValue::from(d as u32), &JsValue::from(t as u32)).map_err(|e| {
                    JsError::new(&format!("onProgress threw: {}", e.as_string().unwrap_or_else(|| format!("{e:?}"))))
                })?;
                if r == JsValue::FALSE {
                    return Err(err(Error::Cancelled));
                }
            }
            if done {
                break;
            }
        }
        job.finish()
    }

    /// The same as a job to step from a Web Worker's own loop (so it can take messages between
    /// chunks): `job.step(positions)` returns true when done, `job.done`/`job.total`,
    /// `job.finish()` returns the result.
    #[wasm_bindgen(js_name = startMutagenesis)]
    pub fn start_mutagenesis(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | SegmentedSequence | [string, string]")] sequence: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "MutagenesisOptions")] options: JsValue,
    ) -> Result<MutagenesisJob, JsError> {
        let item = one_item(&self.model, &sequence)?;
        let method = method_option(&options)?;
        let rc = strands_option(&self.model, &options)?;
        let policies = policies(&self.model, &options)?;
        // `part: [i, n]`: this job computes part i of n of the scan's substitutions (a scan shared
        // by workers: the forward strand's, then the reverse strand's, cut into n runs) and
        // `finish` gives them for `mergeMutagenesis`.
        let part = match get(&options, "part") {
            None => None,
            Some(part) => {
                let at = |k: u32| Reflect::get(&part, &k.into()).ok().and_then(|v| v.as_f64());
                match (at(0), at(1)) {
                    (Some(i), Some(n)) if n >= 1.0 && i >= 0.0 && i < n => Some((i as usize, n as usize)),
                    _ => return Err(JsError::new("options.part: expected [index, parts] with 0 <= index < parts")),
                }
            }
        };
        let run = match part {
            Some(part) => IsmRun::part_of(&self.model, &item, &policies, method, rc, part),
            None => IsmRun::new_item_strands(&self.model, &item, &policies, method, rc),
        }
        .map_err(err)?;
        Ok(MutagenesisJob { model: self.model.clone(), run, part })
    }

    /// The result of a scan shared by workers: `parts` are the `finish()` values of the jobs
    /// `startMutagenesis(sequence, {...options, part: [i, n]})` made for i = 0 … n − 1 (any
    /// order), `sequence` and `options` the same as theirs. Exactly the whole scan's result; an
    /// error names a part or position that is missing.
    #[wasm_bindgen(js_name = mergeMutagenesis, unchecked_return_type = "MutagenesisResult")]
    pub fn merge_mutagenesis(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | SegmentedSequence | [string, string]")] sequence: JsValue,
        #[wasm_bindgen(unchecked_param_type = "MutagenesisPart[]")] parts: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "MutagenesisOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let item = one_item(&self.model, &sequence)?;
        let parts = parts.dyn_into::<Array>().map_err(|_| {
            JsError::new("mergeMutagenesis(parts): expected an array of the parts' job.finish() values")
        })?;
        let parts = parts.iter().enumerate().map(|(k, part)| part_from_js(&part, k)).collect::<Result<Vec<_>, _>>()?;
        let (method, rc) = (method_option(&options)?, strands_option(&self.model, &options)?);
        let r = IsmRun::merge(&self.model, &item, &policies(&self.model, &options)?, method, rc, parts).map_err(err)?;
        Ok(ism_js(&r)?.into())
    }

    /// Scores variants (VCF lines or `pos REF>ALT`, 1-based) against `sequence`. Options:
    /// `reverseComplement` (both strands averaged or not; absent: the manifest's `strands`), `chrom` and `offset` (VCF POS − offset =
    /// position in the sequence), `policy`. Every variant gets a row; problems are in its `error`.
    /// A two-segment model takes `{promoter, distal}`; `options.segment` (`"promoter"`, default,
    /// or `"distal"`) says which one the variants are in; strand averaging reverse-complements
    /// each segment in place.
    #[wasm_bindgen(js_name = scoreVariants, unchecked_return_type = "VariantReport")]
    pub fn score_variants(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | SegmentedSequence | [string, string]")] sequence: JsValue,
        variants: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "VariantOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let item = one_item(&self.model, &sequence)?;
        let segment = match get(&options, "segment") {
            None => 0,
            Some(v) => {
                let names = segment_names(&self.model);
                let found = match (v.as_string(), v.as_f64()) {
                    (Some(name), _) => names.iter().position(|n| *n == name),
                    (_, Some(i)) if i >= 0.0 && (i as usize) < names.len() && i.fract() == 0.0 => Some(i as usize),
                    _ => None,
                };
                found.ok_or_else(|| {
                    JsError::new(&format!(
                        "options.segment {v:?}: expected one of {} (or its index)",
                        names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
                    ))
                })?
            }
        };
        let coordinates = Coordinates {
            chrom: get(&options, "chrom").and_then(|v| v.as_string()),
            offset: get(&options, "offset").and_then(|v| v.as_f64()).map_or(0, |o| o as u64),
        };
        let rc = strands_option(&self.model, &options)?;
        let report = variants::score_variants_in(
            &self.model,
            &item,
            segment,
            variants,
            &coordinates,
            &policies(&self.model, &options)?,
            rc,
        )
        .map_err(err)?;
        to_js(&report)
    }

    /// Gradient × input per position (`perPosition` [targets, L]) and per channel (`perChannel`
    /// [targets, 4, L]) of the sequence's model window (or, tiled, of the mean over windows at
    /// every base), in model output units. A two-segment model: over the joined window of both
    /// segments, with `segments` saying where each lies.
    #[wasm_bindgen(js_name = gradientTimesInput, unchecked_return_type = "Attribution")]
    pub fn gradient_times_input(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | SegmentedSequence | [string, string]")] sequence: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AttributionOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let item = one_item(&self.model, &sequence)?;
        let found = attribution::for_item(
            &self.model,
            &item,
            &policies(&self.model, &options)?,
            attribution::gradient_times_input,
        );
        attribution_js(found.map_err(err)?)
    }

    /// Integrated gradients (`options.steps`, default 32; `options.baseline` `"n"` (0.25 in
    /// every channel, default) or `"zeros"`), with the completeness gap per target.
    #[wasm_bindgen(js_name = integratedGradients, unchecked_return_type = "Attribution")]
    pub fn integrated_gradients(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | SegmentedSequence | [string, string]")] sequence: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AttributionOptions")] options: JsValue,
    ) -> Result<JsValue, JsError> {
        let item = one_item(&self.model, &sequence)?;
        let steps = get(&options, "steps").and_then(|v| v.as_f64()).map_or(32, |s| s as usize);
        let zeros = match get(&options, "baseline").and_then(|v| v.as_string()).as_deref() {
            None | Some("n") | Some("N") => false,
            Some("zeros") => true,
            Some(other) => {
                return Err(JsError::new(&format!("options.baseline '{other}': expected \"n\" or \"zeros\"")));
            }
        };
        let ig = |m: &Model, x: &[f32]| {
            let baseline = zeros.then(|| vec![0.0; x.len()]);
            attribution::integrated_gradients(m, x, baseline.as_deref(), steps)
        };
        attribution_js(attribution::for_item(&self.model, &item, &policies(&self.model, &options)?, ig).map_err(err)?)
    }

    /// First-layer convolution filters as PWMs, each with its `top` (default 3) best matches in
    /// `motifs`: `[{filter, probs, information_content, consensus, matches: [{motif_id,
    /// motif_name, strand, offset, similarity}]}]`.
    #[wasm_bindgen(js_name = filterMotifs, unchecked_return_type = "FilterPwm[]")]
    pub fn filter_motifs(&self, motifs: &MotifSet, top: Option<usize>) -> Result<JsValue, JsError> {
        let (dims, w) = self.first_conv()?;
        to_js(&motifs::filters_to_motifs(w, dims, Some(&motifs.set), top.unwrap_or(3)))
    }

    /// First-layer convolution filters as PWMs, without matching.
    #[wasm_bindgen(js_name = filterPwms, unchecked_return_type = "FilterPwm[]")]
    pub fn filter_pwms(&self) -> Result<JsValue, JsError> {
        let (dims, w) = self.first_conv()?;
        to_js(&motifs::filters_to_motifs(w, dims, None, 0))
    }
}

impl Predictor {
    fn first_conv(&self) -> Result<(&Vec<usize>, &Vec<f32>), JsError> {
        self.model
            .first_conv
            .as_ref()
            .map(|(d, w)| (d, w))
            .ok_or_else(|| JsError::new("the model's input does not feed a convolution with 4 input channels"))
    }
}

type Found = (Attribution, Vec<u8>, isize, regula_core::length::Fitting, Option<Vec<crate::segments::SegmentFit>>);

fn attribution_js((a, bases, start, fitting, segments): Found) -> Result<JsValue, JsError> {
    let o = Object::new();
    set(&o, "method", a.method.clone());
    set(&o, "shape", Array::of2(&JsValue::from(a.outputs as u32), &JsValue::from(a.length as u32)));
    set(&o, "perPosition", f32s(&a.per_position));
    set(&o, "perChannel", f32s(&a.per_channel));
    set(&o, "prediction", f32s(&a.prediction));
    if let Some(g) = &a.completeness_gap {
        set(&o, "completenessGap", f32s(g));
    }
    set(&o, "bases", String::from_utf8_lossy(&bases).into_owned());
    set(&o, "window_start", start as f64);
    set(&o, "fitting", to_js(&fitting)?);
    if let Some(s) = &segments {
        set(&o, "segments", to_js(s)?);
    }
    Ok(o.into())
}

/// Mutagenesis stepped by the caller.
#[wasm_bindgen]
pub struct MutagenesisJob {
    model: Rc<Model>,
    run: IsmRun,
    /// `[index, parts]` of a shared scan.
    part: Option<(usize, usize)>,
}

#[wasm_bindgen]
impl MutagenesisJob {
    /// Computes up to `positions` more positions; true when all are done.
    pub fn step(&mut self, positions: usize) -> Result<bool, JsError> {
        self.run.step(&self.model, positions).map_err(err)
    }

    #[wasm_bindgen(getter)]
    pub fn done(&self) -> usize {
        self.run.progress().0
    }

    #[wasm_bindgen(getter)]
    pub fn total(&self) -> usize {
        self.run.progress().1
    }

    /// Positions per `step` that fill the engine's batches (fast) or report back about every
    /// 0.1 s (naive): what a caller's loop should step by unless it has reason not to.
    #[wasm_bindgen(getter, js_name = stepPositions)]
    pub fn step_positions(&self) -> usize {
        self.run.step_positions()
    }

    /// `"fast"` or `"naive"` (naive when the model cannot be split; see `fallback_reason`).
    #[wasm_bindgen(getter)]
    pub fn method(&self) -> String {
        match self.run.method() {
            Method::Fast => "fast".into(),
            Method::Naive => "naive".into(),
        }
    }

    /// The result (throws if positions remain); for a part of a shared scan (`options.part`),
    /// what it computed, for `Predictor.mergeMutagenesis`.
    #[wasm_bindgen(unchecked_return_type = "MutagenesisResult | MutagenesisPart")]
    pub fn finish(self) -> Result<JsValue, JsError> {
        match self.part {
            Some(part) => part_js(self.run.finish_part(part).map_err(err)?),
            None => Ok(ism_js(&self.run.finish(&self.model).map_err(err)?)?.into()),
        }
    }
}

/// A part of a shared scan crosses workers as a plain object (structured clone copies it) whose
/// number arrays are typed arrays, each copied whole into and out of wasm: serde_wasm_bindgen
/// reads a plain array number by number, which took 6 ms of each merge of a 230 bp scan's two
/// parts (Node), on the path of every shared scan. These are the fields besides those arrays.
#[derive(Serialize, Deserialize)]
struct PartFields {
    index: usize,
    parts: usize,
}

#[derive(Serialize, Deserialize)]
struct WindowPartFields {
    window: usize,
    method: Method,
    fast_path: Option<FastPath>,
    fallback_reason: Option<String>,
    passes: usize,
    bases_computed: usize,
}

fn part_js(part: IsmPart) -> Result<JsValue, JsError> {
    let windows = Array::new();
    for w in part.windows {
        let fields = WindowPartFields {
            window: w.window,
            method: w.method,
            fast_path: w.fast_path,
            fallback_reason: w.fallback_reason,
            passes: w.passes,
            bases_computed: w.bases_computed,
        };
        let o: Object = to_js(&fields)?.unchecked_into();
        let positions: Vec<u32> = w.positions.iter().map(|&p| p as u32).collect();
        set(&o, "positions", Uint32Array::from(&positions[..]));
        set(&o, "raw", f32s(&w.raw));
        set(&o, "base_raw", f32s(&w.base_raw));
        set(&o, "reference_raw", f32s(&w.reference_raw));
        windows.push(&o);
    }
    let o: Object = to_js(&PartFields { index: part.index, parts: part.parts })?.unchecked_into();
    set(&o, "windows", windows);
    Ok(o.into())
}

/// `parts[k]` of `mergeMutagenesis`, as [`part_js`] made it; an error names the part, window and
/// field.
fn part_from_js(part: &JsValue, k: usize) -> Result<IsmPart, JsError> {
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        JsError::new(&format!("mergeMutagenesis(parts): parts[{k}]{what}: {e}"))
    };
    if !part.is_object() {
        return Err(bad("", &"expected an object, as the part's job.finish() gave it"));
    }
    let fields: PartFields = serde_wasm_bindgen::from_value(part.clone()).map_err(|e| bad("", &e))?;
    let windows = get(part, "windows")
        .and_then(|w| w.dyn_into::<Array>().ok())
        .ok_or_else(|| bad(".windows", &"expected an array, as the part's job.finish() gave it"))?;
    let windows = windows
        .iter()
        .enumerate()
        .map(|(j, w)| {
            let at = format!(".windows[{j}]");
            let f: WindowPartFields = serde_wasm_bindgen::from_value(w.clone()).map_err(|e| bad(&at, &e))?;
            let typed = |key: &str| {
                get(&w, key).ok_or_else(|| {
                    bad(&format!("{at}.{key}"), &"missing; pass the parts as their job.finish() gave them")
                })
            };
            let floats = |key: &str| {
                typed(key)?.dyn_into::<Float32Array>().map(|a| a.to_vec()).map_err(|_| {
                    bad(&format!("{at}.{key}"), &"expected a Float32Array, as the part's job.finish() gave it")
                })
            };
            let positions = typed("positions")?
                .dyn_into::<Uint32Array>()
                .map_err(|_| {
                    bad(&format!("{at}.positions"), &"expected a Uint32Array, as the part's job.finish() gave it")
                })?
                .to_vec();
            Ok(WindowPart {
                window: f.window,
                positions: positions.into_iter().map(|p| p as usize).collect(),
                raw: floats("raw")?,
                base_raw: floats("base_raw")?,
                reference_raw: floats("reference_raw")?,
                method: f.method,
                fast_path: f.fast_path,
                fallback_reason: f.fallback_reason,
                passes: f.passes,
                bases_computed: f.bases_computed,
            })
        })
        .collect::<Result<Vec<_>, JsError>>()?;
    Ok(IsmPart { index: fields.index, parts: fields.parts, windows })
}

fn ism_js(r: &IsmResult) -> Result<Object, JsError> {
    let l = r.bases.len();
    let o = Object::new();
    set(&o, "effects", f32s(&r.effects));
    set(&o, "shape", Array::of3(&JsValue::from(r.outputs as u32), &JsValue::from(l as u32), &JsValue::from(4u32)));
    set(&o, "reference", to_js(&r.reference)?);
    set(&o, "importance", f32s(&attribution::ism_importance(r)));
    set(&o, "bases", String::from_utf8_lossy(&r.bases).into_owned());
    set(&o, "window_start", r.window_start as f64);
    set(&o, "fitting", to_js(&r.fitting)?);
    set(&o, "method", to_js(&r.method)?);
    if let Some(path) = r.fast_path {
        set(&o, "fast_path", to_js(&path)?);
    }
    if let Some(reason) = &r.fallback_reason {
        set(&o, "fallback_reason", reason.clone());
    }
    set(&o, "strands", to_js(&r.strands)?);
    set(&o, "passes", r.passes as f64);
    set(&o, "bases_computed", r.bases_computed as f64);
    if let Some(s) = &r.segments {
        set(&o, "segments", to_js(s)?);
    }
    Ok(o)
}

/// A parsed motif file (MEME or JASPAR, recognised from its content).
#[wasm_bindgen]
pub struct MotifSet {
    set: CoreMotifSet,
}

#[wasm_bindgen]
impl MotifSet {
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<MotifSet, JsError> {
        Ok(MotifSet { set: motifs::parse_motifs(bytes).map_err(err)? })
    }

    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.set.len()
    }

    /// Motif hits in `bases` (plain sequence) at `pThreshold` (default 1e-4), each with the mean
    /// of `attribution` (one value per base, e.g. a row of `perPosition` or `importance`) under it.
    #[wasm_bindgen(unchecked_return_type = "MotifHighlight[]")]
    pub fn highlights(
        &self,
        bases: &str,
        p_threshold: Option<f64>,
        attribution: Option<Float32Array>,
    ) -> Result<JsValue, JsError> {
        let a = attribution.map(|a| a.to_vec());
        let hits =
            motifs::highlight(&self.set, bases.as_bytes(), p_threshold.unwrap_or(1e-4), a.as_deref()).map_err(err)?;
        to_js(&hits)
    }
}
