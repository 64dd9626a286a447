//! The model card written beside every exported model: what it was trained on, how it was
//! split and trained, how well it does, under which licence, and its known limits.

use std::fmt::Write;

use regula_core::manifest::Manifest;

/// Markdown model card of `manifest`; `limits` is the trainer's own statement of what the model
/// does not cover (cell type, length, species), which no program can know.
pub fn render(manifest: &Manifest, limits: Option<&str>, command: &str) -> String {
    let t = &manifest.training;
    let mut md = format!("# Model card: {}\n\n{}\n\n", manifest.name, manifest.description);
    md += "| | |\n|---|---|\n";
    let mut row = |k: &str, v: String| {
        let _ = writeln!(md, "| {k} | {} |", v.replace('|', "\\|").replace('\n', " "));
    };
    for d in &t.data {
        row("data", format!("{} ({} rows; licence: {})", d.source, d.rows, d.licence));
    }
    row("split", t.split.clone());
    row("architecture", t.architecture.clone());
    row("parameters", t.parameters.to_string());
    let inputs: Vec<String> = manifest.inputs.iter().map(|i| format!("{} bp", i.length)).collect();
    row("input", format!("{} one-hot (A, C, G, T; N = 0.25)", inputs.join(" + ")));
    if let Some(f) = &manifest.inputs[0].flanks {
        row("flanks", format!("{} … {} (shorter sequences are padded with them)", f.left, f.right));
    }
    row("default length policy", describe_policy(&manifest.inputs[0].default_length_policy));
    row("strands", describe_strands(manifest.strands).into());
    let targets: Vec<String> = manifest.targets.iter().map(|t| format!("{} ({})", t.name, t.unit)).collect();
    row("targets", targets.join(", "));
    row("epochs run", format!("{} (seed {})", t.epochs, t.seed));
    if let (Some(machine), Some(seconds)) = (&t.machine, t.seconds) {
        row("training time", format!("{:.1} min on {machine}", seconds / 60.0));
    }
    row("licence", manifest.licence.clone());
    md += &format!("\nReproduce with `{command}`.\n\n## Metrics\n\n");
    match manifest.metrics.get("test") {
        Some(test) => {
            let _ = writeln!(
                md,
                "**The test metrics are the number to quote**: the {} test rows chose nothing, neither the epoch nor \
                 any setting. The validation rows chose the epoch (early stopping), which flatters their metrics.\n",
                test.rows
            );
        }
        None => md += NO_TEST_ROWS,
    }
    if manifest.metrics.keys().any(|k| k.contains(": ")) {
        md += "Sections named `SPLIT: CLASS` hold the same split's rows of one class, read from the row ids \
               (promoters `ENSG*`, candidate enhancers `DNasePeakNoPromoter*`, controls); a class with fewer than 3 \
               rows in a split gets no section (two points give a correlation of ±1 whatever the model).\n\n";
    }
    for (split, m) in &manifest.metrics {
        let _ = writeln!(md, "### {split} ({} rows)\n", m.rows);
        let names: Vec<&String> = m
            .per_target
            .values()
            .flat_map(|v| v.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        // A target measured on fewer rows than the split has (`--mask-missing`): each row says
        // how many it was scored on, `overall` (a mean over targets) none.
        let partial = !m.target_rows.is_empty();
        let rows_head = if partial { "rows | " } else { "" };
        let _ =
            writeln!(md, "| task | {rows_head}{} |", names.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(" | "));
        let _ = writeln!(md, "|---|{}", "---|".repeat(names.len() + usize::from(partial)));
        for (task, values) in &m.per_target {
            let mut cells: Vec<String> =
                names.iter().map(|n| values.get(*n).map_or("—".into(), |v| format!("{v:.4}"))).collect();
            if partial {
                let n = match m.target_rows.get(task) {
                    Some(n) => n.to_string(),
                    None if task == "overall" => "—".into(),
                    None => m.rows.to_string(),
                };
                cells.insert(0, n);
            }
            let _ = writeln!(md, "| {task} | {} |", cells.join(" | "));
        }
        md += "\n";
    }
    md += &how_to_read(manifest);
    md += "## Known limits\n\n";
    md += limits
        .unwrap_or("Not stated by the trainer of this model: it is only known to work on data like its training data.");
    md += "\n";
    md
}

/// What a card says of a model trained without a test part.
pub const NO_TEST_ROWS: &str = "### Test rows\n\n**None: no metric here comes from rows that chose nothing.** This model was \
trained with a split into training and validation rows only, and the validation rows chose the epoch (early \
stopping), so their metrics flatter the model; on data nobody tuned on it may score lower. Retrain with a test \
part (`--test-fraction`) to get such a number.\n\n";

/// The card's "How to read a prediction": what a value means, where it falls, what a longer
/// sequence and a variant's effect are.
pub fn how_to_read(manifest: &regula_core::manifest::Manifest) -> String {
    use regula_core::manifest::OutputKind;
    let mut md = String::from("## How to read a prediction\n\n");
    for t in &manifest.targets {
        let what = match manifest.output.kind {
            OutputKind::Classification => {
                format!("a probability from 0 to 1 that `{}` is 1 ({})", t.name, t.unit)
            }
            OutputKind::Regression => format!("an estimate of {} in {}", t.name, t.unit),
        };
        let _ = write!(md, "- **{}**: {what}.", t.name);
        if let Some(q) = &t.prediction_quantiles {
            let median = q.values.get(q.values.len() / 2).copied().unwrap_or(f64::NAN);
            let _ = write!(
                md,
                " The app places each prediction among the model's own predictions on its {} {} rows (from {:.3} to {:.3}, median {median:.3}) and says above what share of them it lies.",
                q.rows,
                q.split,
                q.values.first().copied().unwrap_or(f64::NAN),
                q.values.last().copied().unwrap_or(f64::NAN)
            );
        }
        md += "\n";
    }
    let _ = writeln!(
        md,
        "- **Other lengths**: {}.\n- **A variant's effect** is the prediction with the variant minus without it, in the same units (for a log-scale target, a log fold change), averaged over the model windows that contain the variant; a variant the model does not read (outside a cropped window) has no effect to show, never 0.\n- **How far to trust it**: the metrics above are correlations over many elements; a single prediction can be far off. Quote the test metrics when there are any.\n",
        describe_policy(&manifest.inputs[0].default_length_policy)
    );
    md
}

/// A length policy in words, for the card's table.
/// What a prediction reads, as the card's table says it.
pub fn describe_strands(strands: regula_core::manifest::Strands) -> &'static str {
    match strands {
        regula_core::manifest::Strands::Both => {
            "each prediction is the mean of the model's outputs for the sequence and for its reverse complement (each \
             segment turned in place, flanks and padding with it): the metrics below, and what `regula-train`, the \
             browser and the npm package compute unless told otherwise (`--rc-average false`, `reverseComplement: \
             false`)"
        }
        regula_core::manifest::Strands::Forward => "each prediction reads the sequence as given (the forward strand)",
    }
}

pub fn describe_policy(policy: &regula_core::length::LengthPolicy) -> String {
    use regula_core::length::{LengthPolicy::*, Padding};
    let padding = |p: &Padding| match p {
        Padding::N => "N",
        Padding::Flanks { .. } => "the flanks",
    };
    match policy {
        Exact => "`exact`: other lengths are refused".into(),
        Pad { padding: p } => format!("`pad`: shorter sequences are padded with {}; longer ones refused", padding(p)),
        Crop => "`crop`: longer sequences are cropped around their centre; shorter ones refused".into(),
        PadOrCrop { padding: p } => {
            format!(
                "`pad_or_crop`: shorter sequences padded with {}, longer ones cropped around their centre",
                padding(p)
            )
        }
        Tile { stride, padding: p } => format!(
            "`tile`, stride {stride}: longer sequences are read in model-length windows {stride} bp apart (prediction: their mean; a variant's effect: the mean over the windows that hold it); shorter ones padded with {}",
            padding(p)
        ),
        FlankedTiles { stride, left, right } => format!(
            "`flanked_tiles`, stride {stride}: a sequence other than a whole construct is read in tiles {stride} bp apart, each between the flanks ({} + {} bp), as the model saw its training constructs (prediction: the mean over tiles; a variant's effect: the mean over the tiles that hold it); shorter sequences are padded with the flanks",
            left.len(),
            right.len()
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_card_states_data_split_metrics_licence_and_limits() {
        let manifest =
            regula_core::manifest::Manifest::from_json(include_str!("../../tests/data/manifest_example.json")).unwrap();
        let card = super::render(&manifest, Some("HepG2 only."), "just train-x");
        for needle in [
            "# Model card: hepg2-mpra",
            "| split |",
            "| licence | CC BY 4.0 |",
            "### validation (10 rows)",
            "| HepG2 | 0.7000 |",
            "## Known limits\n\nHepG2 only.",
            "`just train-x`",
        ] {
            assert!(card.contains(needle), "missing {needle:?} in\n{card}");
        }
        assert!(!card.contains("number to quote"), "no test rows, no test number:\n{card}");
    }

    #[test]
    fn the_card_says_how_to_read_a_prediction() {
        let mut manifest =
            regula_core::manifest::Manifest::from_json(include_str!("../../tests/data/manifest_example.json")).unwrap();
        manifest.targets[0].unit = "log2 RNA/DNA, lentiMPRA HepG2".into();
        manifest.targets[0].prediction_quantiles =
            regula_core::manifest::PredictionQuantiles::of("test", &[-1.0, 0.0, 0.5, 2.0], 5);
        let card = super::render(&manifest, None, "just train-x");
        let section = &card[card.find("## How to read a prediction").expect("the section")..];
        assert!(
            section.contains(&format!("an estimate of {} in log2 RNA/DNA, lentiMPRA HepG2", manifest.targets[0].name))
        );
        assert!(section.contains("on its 4 test rows (from -1.000 to 2.000, median 0.250)"), "{section}");
        assert!(section.contains("never 0"));
        // Without a test part the card says that no number comes from rows that chose nothing.
        assert!(card.contains("### Test rows\n\n**None: no metric here comes from rows that chose nothing.**"));
    }

    #[test]
    fn the_card_says_which_number_is_the_test_number_and_shows_row_classes() {
        let mut manifest =
            regula_core::manifest::Manifest::from_json(include_str!("../../tests/data/manifest_example.json")).unwrap();
        let validation = manifest.metrics["validation"].clone();
        manifest.metrics.insert("test".into(), regula_core::manifest::SplitMetrics { rows: 12, ..validation.clone() });
        manifest
            .metrics
            .insert("test: promoters (ENSG*)".into(), regula_core::manifest::SplitMetrics { rows: 4, ..validation });
        let card = super::render(&manifest, None, "just train-x");
        for needle in [
            "**The test metrics are the number to quote**: the 12 test rows chose nothing",
            "### test (12 rows)",
            "### test: promoters (ENSG*) (4 rows)",
            "promoters `ENSG*`",
        ] {
            assert!(card.contains(needle), "missing {needle:?} in\n{card}");
        }
    }
}
