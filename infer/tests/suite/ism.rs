//! Fast saturation mutagenesis equals the naive one-variant-at-a-time result within 1e-5 on the
//! shipped test models: random and real sequences, every position (first and last bases
//! included), single- and multi-output models, with `N`s.

use super::common::{self, lentimpra, max_abs_diff, model, random_dna};
use regula_core::length::LengthPolicy;
use regula_infer::geometry::Field;
use regula_infer::ism::{IsmRun, Method, saturation_mutagenesis};
use regula_infer::runtime::Backend;

const TOL: f32 = 1e-5;

fn check(b: &dyn Backend, name: &str, seqs: &[Vec<u8>]) {
    let m = model(b, name);
    assert!(m.split.is_some(), "{name}: {:?}", m.split_error);
    for (i, s) in seqs.iter().enumerate() {
        let fast = saturation_mutagenesis(&m, s, &LengthPolicy::Exact, Method::Fast).unwrap();
        let naive = saturation_mutagenesis(&m, s, &LengthPolicy::Exact, Method::Naive).unwrap();
        assert_eq!(fast.method, Method::Fast);
        let d = max_abs_diff(&fast.effects, &naive.effects);
        let scale = naive.effects.iter().fold(0.0f32, |a, &b| a.max(b.abs()));
        eprintln!(
            "{name} seq {i}: fast vs naive max |diff| {d:.2e} (largest effect {scale:.3}); trunk bases {} vs {}",
            fast.bases_computed, naive.bases_computed
        );
        assert!(d <= TOL, "{name} seq {i}: fast and naive differ by {d}");
        assert!(scale > 1e-3, "effects are not trivially zero");
        // Edges: the first and last bases have real effects that agree.
        let l = s.len();
        for k in 0..m.outputs {
            for p in [0, 1, l - 2, l - 1] {
                for b in 0..4 {
                    let j = k * l * 4 + p * 4 + b;
                    assert!(
                        (fast.effects[j] - naive.effects[j]).abs() <= TOL,
                        "{name} target {k} position {p} base {b}"
                    );
                }
            }
        }
        assert_eq!(fast.reference, naive.reference);
    }
}

pub fn fast_equals_naive_single_output_real_and_random(b: &dyn Backend) {
    let real = lentimpra();
    let mut with_n = random_dna(230, 7);
    with_n[0] = b'N';
    with_n[100] = b'N';
    with_n[229] = b'n';
    check(b, "mpra1", &[real[0].clone(), real[17].clone(), random_dna(230, 1), with_n]);
}

pub fn fast_equals_naive_multi_output_real_and_random(b: &dyn Backend) {
    let real = lentimpra();
    check(b, "mpra3", &[real[3].clone(), random_dna(230, 2), random_dna(230, 3)]);
}

pub fn receptive_fields_come_from_the_graph(b: &dyn Backend) {
    // conv k11 same (pad 5), max-pool 4, conv k5 dilation 2 same (pad 4).
    let f = model(b, "mpra1").split.unwrap().field;
    assert_eq!(f, Field::INPUT.slide(11, 1, 1, 5).slide(4, 4, 1, 0).slide(5, 1, 2, 4));
    // conv k9 (pad 4), pool 3, conv k3 d2 (pad 2), pool 2, conv k4 (pads 1, 2).
    let f = model(b, "mpra3").split.unwrap().field;
    assert_eq!(
        f,
        Field::INPUT.slide(9, 1, 1, 4).slide(3, 3, 1, 0).slide(3, 1, 2, 2).slide(2, 2, 1, 0).slide(4, 1, 1, 1)
    );
    assert_eq!(model(b, "reference1000").split.unwrap().field, Field { stride: 4, lo: -15, hi: 18 });
}

pub fn reference_cnn_fast_matches_naive_at_edges_and_samples_random_and_hg19(b: &dyn Backend) {
    // The 1,000 bp benchmark model: full fast ISM against naive passes at the edges and a sample
    // of interior positions (a full naive ISM is 3,000 passes of the whole model).
    let m = model(b, "reference1000");
    let fasta =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/hg19_chr22_20000001_20002400.fa")).unwrap();
    let hg19 = regula_core::sequence::parse_sequences(&fasta).unwrap().remove(0).sequence;
    for s in [random_dna(1000, 11), hg19[700..1700].to_vec()] {
        check_reference_cnn_at_samples(&m, &s);
    }
}

fn check_reference_cnn_at_samples(m: &regula_infer::model::Model, s: &[u8]) {
    let fast = saturation_mutagenesis(m, s, &LengthPolicy::Exact, Method::Fast).unwrap();
    let x = m.encode(s);
    let reference = m.forward(&x, 1).unwrap();
    let positions = [0usize, 1, 2, 3, 4, 5, 17, 250, 501, 502, 503, 777, 994, 995, 996, 997, 998, 999];
    let mut worst = 0.0f32;
    for &p in &positions {
        for b in 0..4 {
            if regula_core::encode::channel(s[p]) == Some(b) {
                continue;
            }
            let mut xm = x.clone();
            for c in 0..4 {
                xm[c * 1000 + p] = if c == b { 1.0 } else { 0.0 };
            }
            let alt = m.forward(&xm, 1).unwrap()[0];
            let d = (alt - reference[0] - fast.effects[p * 4 + b]).abs();
            worst = worst.max(d);
        }
    }
    eprintln!("reference1000: fast vs naive at {} positions: max |diff| {worst:.2e}", positions.len());
    assert!(worst <= TOL, "{worst}");
    // The fast scheme reads a small fraction of the bases the naive one does.
    assert!(fast.bases_computed * 8 < 3000 * 1000, "{}", fast.bases_computed);
}

pub fn chunks_report_progress_and_cancel(b: &dyn Backend) {
    let m = model(b, "mpra1");
    let s = random_dna(230, 5);
    let mut seen = Vec::new();
    let r = IsmRun::new(&m, &s, &LengthPolicy::Exact, Method::Fast).unwrap().run_to_end(&m, 50, |d, t| {
        seen.push((d, t));
        true
    });
    assert!(r.is_ok());
    assert_eq!(seen, vec![(50, 230), (100, 230), (150, 230), (200, 230), (230, 230)]);
    let r = IsmRun::new(&m, &s, &LengthPolicy::Exact, Method::Fast).unwrap().run_to_end(&m, 50, |d, _| d < 100);
    assert_eq!(r.unwrap_err().to_string(), "cancelled");
    let whole = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Fast).unwrap();
    let mut run = IsmRun::new(&m, &s, &LengthPolicy::Exact, Method::Fast).unwrap();
    while !run.step(&m, 7).unwrap() {}
    // Chunking changes only tract's batch sizes, hence at most rounding.
    assert!(max_abs_diff(&run.finish(&m).unwrap().effects, &whole.effects) <= 1e-6);
}

pub fn short_sequences_are_padded_and_long_ones_tiled(b: &dyn Backend) {
    let m = model(b, "mpra1");
    let s = random_dna(200, 9);
    let r = saturation_mutagenesis(&m, &s, &m.manifest.inputs[0].default_length_policy.clone(), Method::Fast).unwrap();
    assert_eq!((r.window_start, r.bases.len()), (-15, 230));
    // A 500 bp sequence in 4 tiles: each substitution's effect is the mean, over the tiles that
    // contain it, of alt − ref in that tile, against predicting those tiles directly: at the
    // ends, in overlaps and in a region only one window covers.
    let long = random_dna(500, 9);
    let policy = LengthPolicy::Tile { stride: 100, padding: regula_core::length::Padding::N };
    let fast = saturation_mutagenesis(&m, &long, &policy, Method::Fast).unwrap();
    assert_eq!((fast.bases.len(), fast.window_start, fast.method), (500, 0, Method::Fast));
    assert_eq!(fast.fitting, regula_core::length::Fitting::Tiled { windows: 4, stride: 100 });
    let base = regula_infer::predict::predict(&m, &[("ref".into(), long.clone())], &policy).unwrap()[0].values[0];
    assert!((fast.reference[0] - base).abs() < 1e-6);
    let (tiles, _) = regula_core::length::fit(&long, 230, &policy).unwrap();
    let one = |seq: &[u8]| {
        regula_infer::predict::predict(&m, &[("w".into(), seq.to_vec())], &LengthPolicy::Exact).unwrap()[0].values[0]
    };
    let mut worst = 0.0f64;
    for p in [0usize, 1, 99, 100, 150, 229, 230, 269, 270, 350, 498, 499] {
        let containing: Vec<_> = tiles.iter().filter(|w| (w.start..w.start + 230).contains(&(p as isize))).collect();
        assert!(!containing.is_empty());
        for b in 0..4 {
            if regula_core::encode::channel(long[p]) == Some(b) {
                continue;
            }
            let brute: f64 = containing
                .iter()
                .map(|w| {
                    let mut alt = w.bases.clone();
                    alt[p - w.start as usize] = b"ACGT"[b];
                    one(&alt) - one(&w.bases)
                })
                .sum::<f64>()
                / containing.len() as f64;
            worst = worst.max((brute - fast.effects[p * 4 + b] as f64).abs());
        }
    }
    eprintln!("tiled ISM vs the windows predicted one by one: max |diff| {worst:.2e}");
    assert!(worst <= 1e-5, "{worst}");
    let naive = saturation_mutagenesis(&m, &long, &policy, Method::Naive).unwrap();
    assert!(max_abs_diff(&fast.effects, &naive.effects) <= 1e-5);
}

/// A graph's first input and its outputs.
type GraphIo = (String, Vec<String>);
type RunLog = std::rc::Rc<std::cell::RefCell<Vec<GraphIo>>>;

/// Counts the rows and input values each kind of graph is run on, and logs each run of a split
/// graph as its (first input, outputs).
struct Counting<'a> {
    inner: &'a dyn Backend,
    split: std::rc::Rc<std::cell::Cell<(usize, usize)>>,
    whole: std::rc::Rc<std::cell::Cell<(usize, usize)>>,
    split_runs: RunLog,
}

impl<'a> Counting<'a> {
    fn new(inner: &'a dyn Backend) -> Self {
        Counting { inner, split: Default::default(), whole: Default::default(), split_runs: Default::default() }
    }
}

struct CountingGraph {
    inner: Box<dyn regula_infer::runtime::Graph>,
    count: std::rc::Rc<std::cell::Cell<(usize, usize)>>,
    /// This graph's (first input, outputs) and the log its runs go to (split graphs only).
    io: Option<(GraphIo, RunLog)>,
}

impl regula_infer::runtime::Graph for CountingGraph {
    fn run(
        &self,
        x: &[f32],
        n: usize,
        sample: &[usize],
    ) -> regula_infer::error::Result<Vec<regula_infer::runtime::HostTensor>> {
        let (rows, values) = self.count.get();
        self.count.set((rows + n, values + x.len()));
        if let Some((io, log)) = &self.io {
            log.borrow_mut().push(io.clone());
        }
        self.inner.run(x, n, sample)
    }
}

impl Backend for Counting<'_> {
    fn graph(
        &self,
        proto: regula_infer::proto::ModelProto,
        many: bool,
    ) -> regula_infer::Result<Box<dyn regula_infer::runtime::Graph>> {
        let count = if many { self.split.clone() } else { self.whole.clone() };
        let io = many.then(|| {
            let g = proto.graph.as_ref().expect("a graph");
            let input = g.input.first().map_or(String::new(), |i| i.name.clone());
            ((input, g.output.iter().map(|o| o.name.clone()).collect()), self.split_runs.clone())
        });
        Ok(Box::new(CountingGraph { inner: self.inner.graph(proto, many)?, count, io }))
    }

    fn name(&self) -> &'static str {
        "counting"
    }
}

pub fn fast_mutagenesis_runs_the_whole_model_once_and_the_trunk_on_windows(b: &dyn Backend) {
    let counting = Counting::new(b);
    let (split, whole) = (counting.split.clone(), counting.whole.clone());
    let mut m = regula_infer::model::Model::load(
        &common::bytes("reference1000.onnx"),
        &common::text("reference1000.manifest.json"),
        None,
        &counting,
    )
    .unwrap();
    m.fast_path = Some(regula_infer::ism::FastPath::Windowed);
    let s = random_dna(1000, 4);
    whole.set((0, 0));
    split.set((0, 0));
    let r = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Fast).unwrap();
    assert_eq!(r.method, Method::Fast);
    assert_eq!(whole.get(), (1, 4000), "one full pass: the reference");
    let (rows, values) = split.get();
    eprintln!(
        "reference1000 fast ISM: trunk/head rows {rows}, input values {values} (naive: 3,000 rows, 12,000,000 values)"
    );
    // 3,000 substitution windows plus their head rows, the reference trunk and head, and the
    // self-check windows; the values the trunk reads are a small fraction of naive's.
    assert!((6000..6020).contains(&rows), "{rows}");
    assert!(values < 12_000_000 / 10, "{values}");
}

pub fn self_check_catches_a_wrong_receptive_field(b: &dyn Backend) {
    let m = model(b, "mpra1");
    let field = m.split.as_ref().unwrap().field;
    let seq: Vec<u8> = (0..230).map(|i| b"ACGT"[(i * 7 + i / 3) % 4]).collect();
    assert_eq!(regula_infer::ism::self_check_with_field(&m, &seq, field), Ok(()));
    // A field that is too narrow on the right: windows miss bases their outputs read.
    let narrow = Field { hi: field.hi - 6, ..field };
    let e = regula_infer::ism::self_check_with_field(&m, &seq, narrow).unwrap_err();
    assert!(e.starts_with("fast mutagenesis self-check: the trunk on window "), "{e}");
}

/// An MPRA construct's adapters (the lentiMPRA flanks).
const LEFT: &str = "AGGACCGGATCAACT";
const RIGHT: &str = "CATTGCGTGAACCGA";

pub fn flanked_tiles_read_each_tile_as_a_construct(b: &dyn Backend) {
    let m = model(b, "mpra1");
    let s = random_dna(450, 13);
    let policy = LengthPolicy::FlankedTiles { stride: 60, left: LEFT.into(), right: RIGHT.into() };
    let one = |tile: &[u8]| {
        let construct = [LEFT.as_bytes(), tile, RIGHT.as_bytes()].concat();
        regula_infer::predict::predict(&m, &[("w".into(), construct)], &LengthPolicy::Exact).unwrap()[0].values[0]
    };
    // Tiles of 200 bp at 0, 60, 120, 180, 240 and 250; the prediction is their mean.
    let starts = [0usize, 60, 120, 180, 240, 250];
    let p = regula_infer::predict::predict(&m, &[("s".into(), s.clone())], &policy).unwrap().remove(0);
    let mean = starts.iter().map(|&t| one(&s[t..t + 200])).sum::<f64>() / 6.0;
    assert!((p.values[0] - mean).abs() < 1e-6, "{} vs {mean}", p.values[0]);
    // Mutagenesis: each base's effect is the mean over the tiles that hold it, flanks never mutated.
    let r = saturation_mutagenesis(&m, &s, &policy, Method::Fast).unwrap();
    assert_eq!(r.bases.len(), 450);
    let mut worst = 0.0f64;
    for pos in [0usize, 59, 60, 199, 200, 245, 449] {
        let holding: Vec<usize> = starts.iter().copied().filter(|&t| (t..t + 200).contains(&pos)).collect();
        for base in (0..4).filter(|&x| regula_core::encode::channel(s[pos]) != Some(x)) {
            let brute = holding
                .iter()
                .map(|&t| {
                    let mut alt = s[t..t + 200].to_vec();
                    alt[pos - t] = b"ACGT"[base];
                    one(&alt) - one(&s[t..t + 200])
                })
                .sum::<f64>()
                / holding.len() as f64;
            worst = worst.max((brute - r.effects[pos * 4 + base] as f64).abs());
        }
    }
    eprintln!("flanked tiles: ISM vs the constructs predicted one by one: max |diff| {worst:.2e}");
    assert!(worst <= 1e-5, "{worst}");
    // A variant: the same definition.
    let v = format!("246 {}>{}\n", s[245] as char, if s[245] == b'A' { 'C' } else { 'A' });
    let scored = regula_infer::variants::score_variants(&m, &s, &v, &Default::default(), &policy, false).unwrap();
    assert_eq!(scored.scores[0].windows, 4, "tiles at 120, 180, 240 and 250 hold position 245");
    let base = if s[245] == b'A' { 1 } else { 0 };
    assert!((scored.scores[0].difference[0] - r.effects[245 * 4 + base] as f64).abs() < 1e-5);
}

pub fn short_inputs_use_incremental_mutagenesis_which_reads_less_and_equals_naive(b: &dyn Backend) {
    // 230 bp models: a substitution's window spans the input, so the trunk is recomputed stage by
    // stage over the outputs that change instead.
    for name in ["mpra1", "mpra3"] {
        let m = model(b, name);
        assert!(
            m.split.as_ref().unwrap().stages.is_ok(),
            "{name}: {:?}",
            m.split.as_ref().unwrap().stages.as_ref().err()
        );
        let s = lentimpra()[5].clone();
        let fast = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Fast).unwrap();
        let naive = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Naive).unwrap();
        assert_eq!(fast.fast_path, Some(regula_infer::ism::FastPath::Incremental), "{name}");
        let d = max_abs_diff(&fast.effects, &naive.effects);
        eprintln!(
            "{name} incremental vs naive: max |diff| {d:.2e}; input positions read {} vs {}",
            fast.bases_computed, naive.bases_computed
        );
        assert!(d <= TOL, "{name}: {d}");
        assert!(
            fast.bases_computed * 2 < naive.bases_computed,
            "{name}: {} vs {}",
            fast.bases_computed,
            naive.bases_computed
        );
    }
    // Either path can be asked for, and both equal naive on the 1 kb reference CNN.
    let mut m = model(b, "reference1000");
    let s = random_dna(1000, 3);
    let naive = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Naive).unwrap();
    for path in [regula_infer::ism::FastPath::Windowed, regula_infer::ism::FastPath::Incremental] {
        m.fast_path = Some(path);
        let r = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Fast).unwrap();
        assert_eq!(r.fast_path, Some(path));
        let d = max_abs_diff(&r.effects, &naive.effects);
        assert!(d <= TOL, "{path:?}: {d}");
    }
}

pub fn a_legnet_without_squeeze_excitation_scans_incrementally_through_its_joins(b: &dyn Backend) {
    // Each LegNet block's output is concatenated to its input: the trunk is a DAG, cut into
    // sliding stages and joins (legnet1: stem, then per stage expand, depthwise, project, the
    // concatenation, the local conv and the pool).
    let m = model(b, "legnet1");
    let split = m.split.as_ref().unwrap_or_else(|| panic!("{:?}", m.split_error));
    let stages = split.stages.as_ref().unwrap_or_else(|e| panic!("{e}"));
    let joins: Vec<usize> = stages.iter().map(|(s, _)| s.inputs.len()).filter(|&n| n > 1).collect();
    assert_eq!(joins, [2, 2], "one concatenation per LegNet stage");
    assert_eq!(stages.len(), 1 + 2 * 6 + 1, "and the mapper's 1×1 conv before the pool");
    // The depthwise convolutions run as their taps (Slice, Mul, Add).
    let grouped = |n: &regula_infer::proto::NodeProto| n.attribute.iter().any(|a| a.name == "group" && a.i > 1);
    let stage_nodes = || stages.iter().flat_map(|(s, _)| s.graph.graph.as_ref().unwrap().node.iter());
    assert_eq!(stage_nodes().filter(|n| n.op_type == "Conv" && grouped(n)).count(), 0);
    assert_eq!(stage_nodes().filter(|n| n.name.ends_with("_slice") && n.name.contains("_tap")).count(), 3 + 4);
    for s in lentimpra().iter().take(3) {
        let fast = saturation_mutagenesis(&m, s, &LengthPolicy::Exact, Method::Fast).unwrap();
        let naive = saturation_mutagenesis(&m, s, &LengthPolicy::Exact, Method::Naive).unwrap();
        assert_eq!(fast.fast_path, Some(regula_infer::ism::FastPath::Incremental), "{:?}", fast.fallback_reason);
        let d = max_abs_diff(&fast.effects, &naive.effects);
        let scale = naive.effects.iter().fold(0f32, |a, &e| a.max(e.abs()));
        eprintln!(
            "legnet1 incremental vs naive: max |diff| {d:.2e} (largest effect {scale:.2e}); input positions read {} vs {}",
            fast.bases_computed, naive.bases_computed
        );
        assert!(d <= TOL, "{d}");
        assert!(scale > 100.0 * TOL, "effects too small to tell paths apart: {scale}");
    }
}

pub fn a_scan_shared_by_parts_and_merged_equals_the_whole_scan(b: &dyn Backend) {
    // Parts, as workers would run them, merged: bit for bit the whole scan, for a model window
    // and a tiled sequence (whose parts cut across tiles), on one strand or both (where two
    // parts take a strand each and prepare only their own).
    let m = model(b, "mpra3");
    for (s, policy) in [
        (lentimpra()[7].clone(), LengthPolicy::Exact),
        (random_dna(520, 17), LengthPolicy::Tile { stride: 100, padding: regula_core::length::Padding::N }),
    ] {
        for rc in [false, true] {
            let item = [s.clone()];
            let policies = std::slice::from_ref(&policy);
            let whole = IsmRun::with_strands(&m, &s, &policy, Method::Fast, rc).unwrap();
            let work = whole.progress().1;
            let whole = whole.run_to_end(&m, 40, |_, _| true).unwrap();
            for n in [2, 3] {
                let mut steps = 0;
                let mut parts = Vec::new();
                for i in 0..n {
                    let mut run = IsmRun::part_of(&m, &item, policies, Method::Fast, rc, (i, n)).unwrap();
                    steps += run.progress().1;
                    while !run.step(&m, 40).unwrap() {}
                    parts.push(run.finish_part((i, n)).unwrap());
                }
                assert_eq!(steps, work, "the parts share the work");
                if rc && n == 2 && policy == LengthPolicy::Exact {
                    // a strand each: the forward window in one part, its reverse in the other
                    assert_eq!(parts.iter().map(|p| p.windows.len()).collect::<Vec<_>>(), [1, 1]);
                    assert_eq!((parts[0].windows[0].window, parts[1].windows[0].window), (0, 1));
                }
                let merged = IsmRun::merge(&m, &item, policies, Method::Fast, rc, parts.clone()).unwrap();
                assert_eq!(merged.reference, whole.reference, "{policy:?} rc {rc} in {n}");
                assert!(
                    merged.effects == whole.effects,
                    "{policy:?} rc {rc} in {n}: {}",
                    max_abs_diff(&merged.effects, &whole.effects)
                );
                assert_eq!((merged.passes, merged.strands, merged.method), (whole.passes, whole.strands, whole.method));
                // a part missing, or given twice, is an error that says so
                let err =
                    IsmRun::merge(&m, &item, policies, Method::Fast, rc, parts[1..].to_vec()).unwrap_err().to_string();
                assert!(err.contains("part 0 of") && err.contains("missing") || err.contains("each once"), "{err}");
                let twice = [parts.clone(), vec![parts[0].clone()]].concat();
                let err = IsmRun::merge(&m, &item, policies, Method::Fast, rc, twice).unwrap_err().to_string();
                assert!(
                    err.ends_with(&format!("the parts of a shared scan are 0 to {} of {n}, each once", n - 1)),
                    "{err}"
                );
            }
        }
    }
}

pub fn an_incremental_scan_runs_the_trunk_once_stage_by_stage(b: &dyn Backend) {
    // The stages' reference activations hold the trunk output, so the start of an incremental
    // scan does not run the whole trunk graph besides them; the whole model runs for the
    // reference and for the three self-check substitutions only.
    let counting = Counting::new(b);
    let m = regula_infer::model::Model::load(
        &common::bytes("legnet1.onnx"),
        &common::text("legnet1.manifest.json"),
        None,
        &counting,
    )
    .unwrap();
    let split = m.split.as_ref().unwrap_or_else(|| panic!("{:?}", m.split_error));
    let (input, output) = (split.trunk_input.clone(), split.trunk_output.clone());
    let s = random_dna(m.length, 11);
    counting.whole.set((0, 0));
    counting.split_runs.borrow_mut().clear();
    let r = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Fast).unwrap();
    assert_eq!(r.fast_path, Some(regula_infer::ism::FastPath::Incremental));
    assert_eq!(counting.whole.get().0, 1 + 3, "the reference and the self-check's three substitutions");
    let runs = counting.split_runs.borrow();
    let whole_trunk = runs.iter().filter(|(i, o)| *i == input && o.contains(&output)).count();
    assert_eq!(whole_trunk, 0, "the whole trunk graph ran {whole_trunk} times");
    assert!(runs.iter().any(|(_, o)| o.contains(&output)), "a stage computes the trunk output");
    let naive = saturation_mutagenesis(&m, &s, &LengthPolicy::Exact, Method::Naive).unwrap();
    assert!(max_abs_diff(&r.effects, &naive.effects) <= TOL);
}

pub fn a_strand_averaged_scan_is_the_difference_of_strand_averaged_predictions(b: &dyn Backend) {
    // A model whose manifest says `strands: both` is read on both strands by every predictor;
    // a scan's reference and each effect must then be what two predictions give, for an input
    // that is padded unevenly (so the reverse strand's window is the forward window turned over,
    // padding with it, as the trainer's strand-averaged evaluation reads it).
    use regula_core::length::Padding;
    use regula_infer::predict::{predict_averaged, reverse_input};
    let m = model(b, "mpra3");
    let s = random_dna(m.length - 7, 41);
    let policy = LengthPolicy::Pad { padding: Padding::N };
    let item = vec![("s".to_string(), vec![s.clone()])];
    let both = predict_averaged(&m, item.clone(), std::slice::from_ref(&policy), true).unwrap();
    // by hand: the mean raw output of the fitted window and of its reverse input
    let (windows, _) = regula_core::length::fit(&s, m.length, &policy).unwrap();
    let x = m.encode(&windows[0].bases);
    let mut pair = x.clone();
    pair.extend(reverse_input(&m, &x));
    let raw = m.forward(&pair, 2).unwrap();
    for k in 0..m.outputs {
        let want = m.manifest.reported_value(k, (raw[k] as f64 + raw[m.outputs + k] as f64) / 2.0);
        assert!((both[0].values[k] - want).abs() < 1e-5, "target {k}: {} vs {want}", both[0].values[k]);
    }
    let forward = predict_averaged(&m, item, std::slice::from_ref(&policy), false).unwrap();
    assert!((forward[0].values[0] - both[0].values[0]).abs() > 1e-4, "the strands must differ for this test to tell");
    let scan =
        IsmRun::with_strands(&m, &s, &policy, Method::Fast, true).unwrap().run_to_end(&m, 64, |_, _| true).unwrap();
    assert_eq!(scan.strands, regula_core::manifest::Strands::Both);
    for k in 0..m.outputs {
        assert!((scan.reference[k] - both[0].values[k]).abs() < 1e-5, "reference {k}");
    }
    let l = scan.bases.len();
    let start = scan.window_start;
    for (i, alt) in [(0usize, b'A'), (50, b'C'), (s.len() - 1, b'G'), (s.len() / 2, b'T')] {
        if s[i] == alt {
            continue;
        }
        let mut mutant = s.clone();
        mutant[i] = alt;
        let after =
            predict_averaged(&m, vec![("m".into(), vec![mutant])], std::slice::from_ref(&policy), true).unwrap();
        let p = (i as isize - start) as usize;
        let base = regula_core::encode::channel(alt).unwrap();
        for k in 0..m.outputs {
            let effect = scan.effects[k * l * 4 + p * 4 + base] as f64;
            let want = after[0].values[k] - both[0].values[k];
            assert!((effect - want).abs() < 1e-5, "position {i} {} target {k}: {effect} vs {want}", alt as char);
        }
    }
}
