//! One training table from several single-target runs (`regula-train join-tables`): the rows of
//! each run's table, one target column per run (empty where a sequence was not measured), and a
//! `split` column (train / valid / test) consistent with every run's own split, for a multi-target
//! model trained with `--mask-missing --split-column split`.
//!
//! Each run's rows and split are those of `regula-train split` for its config. Rows are grouped
//! across runs: each run's own groups (its `group_pattern`, e.g. both orientations of an element)
//! and every row whose element (the sequence between the adapters all rows share) is another
//! row's, in either orientation. A group takes the most held-out part of its members (test, then
//! validation, then training), so every row a run tested on is a test row of the joint table,
//! and no test element is trained on, in either orientation, by either target.

use std::collections::{BTreeMap, HashMap};

use super::error::FitError;
use super::plan::{Plan, SplitPlan};
use super::run::{canonical_element, load_and_split, shared_flanks};
use crate::data::dataset::Dataset;
use crate::data::split::{Grouping, Split, SplitStrategy};

/// Parts, from the least held out.
const PARTS: [&str; 3] = ["train", "valid", "test"];

/// One run to join: its name (the target column it becomes) and its resolved options.
pub struct Run {
    pub name: String,
    pub plan: Plan,
}

/// The joined table and what joining did.
#[derive(Debug)]
pub struct Joined {
    /// Tab-separated: `id`, `sequence`, one target column per run, `split`, then one `NAME_id`
    /// column per run (the row's id in that run's table; empty where it has none).
    pub table: String,
    pub rows: usize,
    /// Rows measured by more than one run, merged into one.
    pub merged: usize,
    /// Per run: rows, and rows whose joint part differs from the run's own.
    pub moves: Vec<Moves>,
}

/// One run's rows and how many of them moved part, by (from, to).
#[derive(Debug)]
pub struct Moves {
    pub run: String,
    pub rows: usize,
    pub moved: BTreeMap<(&'static str, &'static str), usize>,
}

impl Joined {
    /// What joining did, in words.
    pub fn summary(&self) -> String {
        let mut text =
            format!("{} rows ({} measured in more than one table, merged into one row each)\n", self.rows, self.merged);
        for Moves { run, rows, moved: moves } in &self.moves {
            let moved: usize = moves.values().sum();
            let how: Vec<String> = moves.iter().map(|((from, to), n)| format!("{n} {from} → {to}")).collect();
            text += &format!(
                "{run}: {rows} rows, {moved} moved part{}\n",
                if how.is_empty() { String::new() } else { format!(" ({})", how.join(", ")) }
            );
        }
        text
    }
}

/// Union–find over row nodes.
struct Groups(Vec<usize>);

impl Groups {
    fn find(&mut self, mut a: usize) -> usize {
        while self.0[a] != a {
            self.0[a] = self.0[self.0[a]];
            a = self.0[a];
        }
        a
    }
    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b)] = a.min(b);
        }
    }
}

/// Joins `runs` (at least two, single-branch regression tables) into one table.
pub fn join(runs: &[Run]) -> Result<Joined, FitError> {
    if runs.len() < 2 {
        return Err(FitError::Usage("join-tables needs at least two configs".into()));
    }
    let mut names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(FitError::Usage(format!("two configs are named '{}'; name the target columns with --names", w[0])));
    }
    let mut loaded: Vec<(Dataset, Split)> = Vec::with_capacity(runs.len());
    for run in runs {
        let (data, split) = load_and_split(&run.plan)?;
        let what = |problem: &str| FitError::Usage(format!("{} ({}): {problem}", run.name, describe(&run.plan)));
        if data.lengths().len() != 1 {
            return Err(what("join-tables joins single-sequence tables; this one has a partner column"));
        }
        if data.target_names.len() != 1 {
            return Err(what(&format!(
                "join-tables joins single-target runs; this one has {} targets ({})",
                data.target_names.len(),
                data.target_names.join(", ")
            )));
        }
        loaded.push((data, split));
    }
    // The element of a row: its sequence without the adapters every row of every table shares.
    let flanks: Vec<_> = loaded.iter().map(|(d, _)| shared_flanks(d)).collect();
    let (left, right) = match flanks.first() {
        Some(Some(f)) if flanks.iter().all(|g| g.as_ref() == Some(f)) => (f.left.len(), f.right.len()),
        _ => (0, 0),
    };
    let element = |s: &[u8]| canonical_element(s, left, right);

    // Nodes: every row of every run, run by run.
    let offsets: Vec<usize> = loaded
        .iter()
        .scan(0, |at, (d, _)| {
            let here = *at;
            *at += d.examples.len();
            Some(here)
        })
        .collect();
    let total: usize = loaded.iter().map(|(d, _)| d.examples.len()).sum();
    let mut groups = Groups((0..total).collect());
    let mut by_element: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut part = vec![0usize; total];
    for (r, ((data, split), run)) in loaded.iter().zip(runs).enumerate() {
        let grouping = grouping_of(&run.plan);
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for (p, rows) in [&split.train, &split.valid, &split.test].into_iter().enumerate() {
            for &i in rows {
                part[offsets[r] + i] = p;
            }
        }
        for (i, e) in data.examples.iter().enumerate() {
            let node = offsets[r] + i;
            if let Some(g) = grouping {
                let first = *by_key.entry(g.key(&e.id).into_owned()).or_insert(node);
                groups.union(first, node);
            }
            let first = *by_element.entry(element(&e.sequences[0])).or_insert(node);
            groups.union(first, node);
        }
    }
    let mut group_part: HashMap<usize, usize> = HashMap::new();
    for (node, &p) in part.iter().enumerate() {
        let joint = group_part.entry(groups.find(node)).or_insert(0);
        *joint = (*joint).max(p);
    }

    // Output rows: one per distinct sequence, in the order first seen.
    struct Row {
        id: String,
        sequence: String,
        targets: Vec<Option<f64>>,
        ids: Vec<Option<String>>,
        part: usize,
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut row_of_sequence: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut moves = Vec::with_capacity(runs.len());
    let mut merged = 0;
    for (r, ((data, _), run)) in loaded.iter().zip(runs).enumerate() {
        let mut moved: BTreeMap<(&'static str, &'static str), usize> = BTreeMap::new();
        for (i, e) in data.examples.iter().enumerate() {
            let node = offsets[r] + i;
            let joint = group_part[&groups.find(node)];
            if joint != part[node] {
                *moved.entry((PARTS[part[node]], PARTS[joint])).or_default() += 1;
            }
            let sequence = e.sequences[0].to_ascii_uppercase();
            let at = match row_of_sequence.get(&sequence) {
                Some(&at) => {
                    if let Some(other) = &rows[at].ids[r] {
                        return Err(FitError::Usage(format!(
                            "{}: rows '{other}' and '{}' have the same sequence; one table must measure a sequence once",
                            run.name, e.id
                        )));
                    }
                    merged += 1;
                    at
                }
                None => {
                    row_of_sequence.insert(sequence.clone(), rows.len());
                    rows.push(Row {
                        id: e.id.clone(),
                        sequence: String::from_utf8_lossy(&sequence).into_owned(),
                        targets: vec![None; runs.len()],
                        ids: vec![None; runs.len()],
                        part: joint,
                    });
                    rows.len() - 1
                }
            };
            // Members of one group share a part, and rows of one sequence share a group.
            debug_assert_eq!(rows[at].part, joint);
            rows[at].targets[r] = Some(e.targets[0]);
            rows[at].ids[r] = Some(e.id.clone());
        }
        moves.push(Moves { run: run.name.clone(), rows: data.examples.len(), moved });
    }
    let mut first_of_id: HashMap<&str, &str> = HashMap::new();
    for row in &rows {
        if let Some(other) = first_of_id.insert(&row.id, &row.sequence)
            && other != row.sequence
        {
            return Err(FitError::Usage(format!(
                "id '{}' names different sequences in two tables; ids must be unique across the joined tables",
                row.id
            )));
        }
    }

    let mut header = vec!["id".to_string(), "sequence".to_string()];
    header.extend(runs.iter().map(|r| r.name.clone()));
    header.push("split".into());
    header.extend(runs.iter().map(|r| format!("{}_id", r.name)));
    let mut table = header.join("\t") + "\n";
    for row in &rows {
        let mut fields = vec![row.id.clone(), row.sequence.clone()];
        fields.extend(row.targets.iter().map(|t| t.map_or(String::new(), |v| v.to_string())));
        fields.push(PARTS[row.part].to_string());
        fields.extend(row.ids.iter().map(|i| i.clone().unwrap_or_default()));
        table += &fields.join("\t");
        table.push('\n');
    }
    Ok(Joined { table, rows: rows.len(), merged, moves })
}

/// The grouping of a run's random, k-fold or given split (chromosome and column splits have none
/// of their own beyond the rows).
fn grouping_of(plan: &Plan) -> Option<&Grouping> {
    match &plan.split {
        SplitPlan::Once(SplitStrategy::Random { grouping, .. })
        | SplitPlan::Fold { grouping, .. }
        | SplitPlan::Given { grouping, .. } => Some(grouping),
        SplitPlan::Once(_) => None,
    }
}

fn describe(plan: &Plan) -> String {
    match &plan.source {
        crate::data::dataset::Source::Table { path, .. } => path.display().to_string(),
        crate::data::dataset::Source::Fasta { targets, .. } => targets.display().to_string(),
        crate::data::dataset::Source::Genome { tss, .. } => tss.display().to_string(),
    }
}
