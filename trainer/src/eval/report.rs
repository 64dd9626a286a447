//! The training report: what happened each epoch and how well the model does, as JSON (for
//! tools) and as one static HTML page with SVG plots (for people).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::metrics::TaskMetrics;
use super::svg::{Series, bar_chart, line_chart, scatter};

/// One epoch of training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: usize,
    pub train_loss: f64,
    pub valid_loss: f64,
    /// The early-stopping metric on the validation set.
    pub valid_metric: f64,
    pub learning_rate: f64,
    /// Wall time of the epoch, validation included.
    pub seconds: f64,
    /// Wall time of the training steps alone (what throughput is computed from).
    #[serde(default)]
    pub train_seconds: f64,
}

/// Predicted and measured values of one task on one split, in measured units.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Predictions {
    pub measured: Vec<f64>,
    pub predicted: Vec<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub model: String,
    /// Name of the early-stopping metric, e.g. `pearson`.
    pub metric: String,
    pub history: Vec<EpochRecord>,
    /// split → task (and `overall`) → metric → value.
    pub metrics: BTreeMap<String, BTreeMap<String, TaskMetrics>>,
    /// split → task → values, for the scatter plots.
    pub predictions: BTreeMap<String, BTreeMap<String, Predictions>>,
    /// Free-form facts shown at the top: data, split, architecture, machine.
    pub facts: Vec<(String, String)>,
    /// Rows left out under `--skip-bad`: line, id and reason.
    #[serde(default)]
    pub skipped: Vec<(usize, String, String)>,
    /// split → target → rows it was scored on, for the splits where a target is measured on
    /// fewer rows than the split has (`--mask-missing`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub target_rows: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Report {
    /// Records a split's metrics and, for targets measured on fewer than its `rows`, their row
    /// counts.
    pub fn add(
        &mut self,
        split: &str,
        rows: usize,
        metrics: BTreeMap<String, TaskMetrics>,
        values: &BTreeMap<String, Predictions>,
    ) {
        if !crate::fit::scoring::target_rows(rows, values).is_empty() {
            let counts = values.iter().map(|(t, p)| (t.clone(), p.measured.len())).collect();
            self.target_rows.insert(split.to_string(), counts);
        }
        self.metrics.insert(split.to_string(), metrics);
    }

    /// Writes `report.json` and `report.html` into `dir`, atomically.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).expect("a report always serialises");
        crate::atomic::write(&dir.join("report.json"), &json)?;
        crate::atomic::write(&dir.join("report.html"), self.html().as_bytes())
    }

    pub fn html(&self) -> String {
        let esc = |t: &str| t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let mut h = String::new();
        let _ = write!(
            h,
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Regula report: {m}</title>\
             <style>body{{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:auto;padding:1rem}}\
             table{{border-collapse:collapse}}td,th{{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:right}}\
             th:first-child,td:first-child{{text-align:left}}.plots{{display:flex;flex-wrap:wrap;gap:1rem}}</style></head>\
             <body><h1>Regula training report: {m}</h1><table>",
            m = esc(&self.model)
        );
        for (k, v) in &self.facts {
            let _ = write!(h, "<tr><th>{}</th><td style=\"text-align:left\">{}</td></tr>", esc(k), esc(v));
        }
        h += "</table><h2>Metrics</h2>";
        for (split, tasks) in &self.metrics {
            let names: Vec<&String> =
                tasks.values().flat_map(|m| m.keys()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            // Targets measured on fewer rows than the split has show their own count.
            let counts = self.target_rows.get(split);
            let _ = write!(h, "<h3>{}</h3><table><tr><th>task</th>", esc(split));
            if counts.is_some() {
                h += "<th>rows</th>";
            }
            names.iter().for_each(|n| h += &format!("<th>{}</th>", esc(n)));
            h += "</tr>";
            for (task, m) in tasks {
                let _ = write!(h, "<tr><td>{}</td>", esc(task));
                if let Some(counts) = counts {
                    let _ = write!(h, "<td>{}</td>", counts.get(task).map_or("—".to_string(), ToString::to_string));
                }
                for n in &names {
                    let _ = write!(h, "<td>{}</td>", m.get(*n).map_or("—".into(), |v| format!("{v:.4}")));
                }
                h += "</tr>";
            }
            h += "</table>";
        }
        h += "<h2>Plots</h2><div class=\"plots\">";
        let epochs =
            |f: fn(&EpochRecord) -> f64| self.history.iter().map(|e| (e.epoch as f64, f(e))).collect::<Vec<_>>();
        if !self.history.is_empty() {
            h += &line_chart(
                "loss per epoch",
                "epoch",
                "loss",
                &[
                    Series { name: "train", points: epochs(|e| e.train_loss) },
                    Series { name: "validation", points: epochs(|e| e.valid_loss) },
                ],
            );
            h += &line_chart(
                &format!("validation {}", self.metric),
                "epoch",
                &self.metric,
                &[Series { name: &self.metric, points: epochs(|e| e.valid_metric) }],
            );
        }
        for (split, tasks) in &self.predictions {
            for (task, p) in tasks {
                h += &scatter(&format!("{task} ({split})"), &p.measured, &p.predicted);
            }
        }
        for (split, tasks) in &self.metrics {
            let bars: Vec<(String, f64)> = tasks
                .iter()
                .filter(|(t, _)| *t != "overall" || tasks.len() == 1)
                .filter_map(|(t, m)| m.get(&self.metric).map(|v| (t.clone(), *v)))
                .collect();
            if !bars.is_empty() {
                h += &bar_chart(&format!("{} per task ({split})", self.metric), &self.metric, &bars);
            }
        }
        h += "</div>";
        if !self.skipped.is_empty() {
            let _ = write!(
                h,
                "<h2>Rows left out ({})</h2><table><tr><th>line</th><th>id</th><th>reason</th></tr>",
                self.skipped.len()
            );
            for (line, id, reason) in &self.skipped {
                let _ = write!(
                    h,
                    "<tr><td>{line}</td><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
                    esc(id),
                    esc(reason)
                );
            }
            h += "</table>";
        }
        h + "</body></html>"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_json_that_reads_back_and_html_with_every_plot() {
        let mut r = Report { model: "demo".into(), metric: "pearson".into(), ..Default::default() };
        r.history = (1..=3)
            .map(|e| EpochRecord {
                epoch: e,
                train_loss: 1.0 / e as f64,
                valid_loss: 1.2 / e as f64,
                valid_metric: 0.2 * e as f64,
                learning_rate: 1e-3,
                seconds: 1.0,
                train_seconds: 0.8,
            })
            .collect();
        let m = TaskMetrics::from([("pearson".to_string(), 0.6)]);
        r.metrics.insert("validation".into(), BTreeMap::from([("HepG2".to_string(), m)]));
        r.predictions.insert(
            "validation".into(),
            BTreeMap::from([(
                "HepG2".to_string(),
                Predictions { measured: vec![1.0, 2.0], predicted: vec![1.1, 1.9] },
            )]),
        );
        r.skipped = vec![(7, "b<1>".into(), "target 'y' is missing (NaN)".into())];
        let dir = tempfile::tempdir().unwrap();
        r.write(dir.path()).unwrap();
        let back: Report = serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
        assert_eq!(back, r);
        let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
        // Two line charts, one scatter, one bar chart.
        assert_eq!(html.matches("<svg").count(), 4);
        assert!(html.contains("<td>0.6000</td>"));
        assert!(html.contains("Rows left out (1)") && html.contains("<td>b&lt;1&gt;</td>"));
    }
}
