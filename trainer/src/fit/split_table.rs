//! The rows of a training run and the set each lands in, as a table: what another trainer (the
//! PyTorch reference in `bench/reference/`) reads to train on exactly the same split.

use super::error::FitError;
use super::plan::Plan;
use super::run::load_and_split;
use crate::data::dataset::Dataset;
use crate::data::split::Split;

/// Tab-separated table, one row per example in dataset order: `id`, `set` (train, valid, test, or
/// left_out: held out, but a training row has its sequence, so no metric reads it), `sequence`,
/// `partner` (dual-branch only) and the measured targets as read (before any log transform or
/// standardisation).
pub fn split_table(plan: &Plan) -> Result<String, FitError> {
    let (data, split) = load_and_split(plan)?;
    Ok(render(&data, &split))
}

fn render(data: &Dataset, split: &Split) -> String {
    let mut set = vec![""; data.examples.len()];
    let sets = [
        ("train", &split.train),
        ("valid", &split.valid),
        ("test", &split.test),
        ("left_out", &split.left_out.valid),
        ("left_out", &split.left_out.test),
    ];
    for (name, rows) in sets {
        for &r in rows {
            set[r] = name;
        }
    }
    let branches = data.lengths().len();
    let mut header = vec!["id", "set", "sequence"];
    if branches == 2 {
        header.push("partner");
    }
    header.extend(data.target_names.iter().map(String::as_str));
    let mut out = header.join("\t") + "\n";
    for (e, set) in data.examples.iter().zip(set) {
        // A row outside every set would be silently trained on by a reader.
        debug_assert!(!set.is_empty(), "row {} is in no set", e.id);
        let mut fields = vec![e.id.clone(), set.to_string()];
        fields.extend(e.sequences.iter().map(|s| String::from_utf8_lossy(s).into_owned()));
        // A missing target (`--mask-missing`) is an empty cell, as it was read.
        fields.extend(e.targets.iter().map(|t| if t.is_nan() { String::new() } else { t.to_string() }));
        out += &fields.join("\t");
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::dataset::Example;

    fn example(id: &str, seqs: &[&str], y: f64) -> Example {
        Example {
            id: id.into(),
            line: 0,
            sequences: seqs.iter().map(|s| s.as_bytes().to_vec()).collect(),
            targets: vec![y],
            chrom: None,
            split: None,
        }
    }

    #[test]
    fn every_row_is_listed_in_order_with_its_set_and_raw_target() {
        let data = Dataset {
            target_names: vec!["mean_value".into()],
            examples: vec![example("a", &["ACGT"], -0.5), example("b", &["GGCC"], 1.25), example("c", &["TTAA"], 2.0)],
            skipped: vec![],
        };
        let split = Split { train: vec![0, 2], valid: vec![1], test: vec![], ..Split::default() };
        assert_eq!(
            render(&data, &split),
            "id\tset\tsequence\tmean_value\na\ttrain\tACGT\t-0.5\nb\tvalid\tGGCC\t1.25\nc\ttrain\tTTAA\t2\n"
        );
    }

    #[test]
    fn a_dual_branch_row_carries_its_partner() {
        let data = Dataset {
            target_names: vec!["y".into()],
            examples: vec![example("p|e", &["AC", "GT"], 3.0)],
            skipped: vec![],
        };
        let split = Split { train: vec![], valid: vec![], test: vec![0], ..Split::default() };
        assert_eq!(render(&data, &split), "id\tset\tsequence\tpartner\ty\np|e\ttest\tAC\tGT\t3\n");
    }
}
