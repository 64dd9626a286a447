//! Minimal SVG charts for the training report: line charts, scatter plots and bar charts,
//! written as plain strings so the report is one static HTML file with no scripts or fonts.

use std::fmt::Write;

const W: f64 = 420.0;
const H: f64 = 280.0;
const MARGIN: (f64, f64, f64, f64) = (48.0, 16.0, 36.0, 28.0); // left, right, bottom, top
const COLOURS: [&str; 6] = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#e53e3e", "#718096"];

/// One named series of (x, y) points.
pub struct Series<'a> {
    pub name: &'a str,
    pub points: Vec<(f64, f64)>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Finite range of values, widened when flat so the axis is never zero-length.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    match (lo.is_finite(), hi > lo) {
        (false, _) => (0.0, 1.0),
        (true, false) => (lo - 0.5, hi + 0.5),
        (true, true) => (lo, hi),
    }
}

struct Frame {
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    fn px(&self, x: f64) -> f64 {
        MARGIN.0 + (x - self.x.0) / (self.x.1 - self.x.0) * (W - MARGIN.0 - MARGIN.1)
    }
    fn py(&self, y: f64) -> f64 {
        H - MARGIN.2 - (y - self.y.0) / (self.y.1 - self.y.0) * (H - MARGIN.2 - MARGIN.3)
    }
}

fn open(title: &str, frame: &Frame, x_label: &str, y_label: &str) -> String {
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{t}" font-family="sans-serif" font-size="11">"#,
        t = escape(title)
    );
    let (l, b) = (MARGIN.0, H - MARGIN.2);
    let _ = write!(s, r##"<text x="{}" y="14" text-anchor="middle" font-size="13">{}</text>"##, W / 2.0, escape(title));
    let _ = write!(
        s,
        r##"<line x1="{l}" y1="{b}" x2="{}" y2="{b}" stroke="#333"/><line x1="{l}" y1="{b}" x2="{l}" y2="{}" stroke="#333"/>"##,
        W - MARGIN.1,
        MARGIN.3
    );
    for i in 0..=4 {
        let fx = frame.x.0 + (frame.x.1 - frame.x.0) * i as f64 / 4.0;
        let fy = frame.y.0 + (frame.y.1 - frame.y.0) * i as f64 / 4.0;
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555">{}</text>"##,
            frame.px(fx),
            b + 14.0,
            tick(fx)
        );
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#555">{}</text>"##,
            l - 4.0,
            frame.py(fy) + 4.0,
            tick(fy)
        );
    }
    let _ = write!(
        s,
        r##"<text x="{}" y="{}" text-anchor="middle">{}</text>"##,
        (l + W - MARGIN.1) / 2.0,
        H - 4.0,
        escape(x_label)
    );
    let _ = write!(
        s,
        r##"<text transform="translate(12 {}) rotate(-90)" text-anchor="middle">{}</text>"##,
        (MARGIN.3 + b) / 2.0,
        escape(y_label)
    );
    s
}

fn tick(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e4 || v.abs() < 1e-2) { format!("{v:.1e}") } else { format!("{v:.2}") }
}

/// Lines through each series' points (e.g. loss per epoch), with a legend.
pub fn line_chart(title: &str, x_label: &str, y_label: &str, series: &[Series]) -> String {
    let frame = Frame {
        x: range(series.iter().flat_map(|s| s.points.iter().map(|p| p.0))),
        y: range(series.iter().flat_map(|s| s.points.iter().map(|p| p.1))),
    };
    let mut s = open(title, &frame, x_label, y_label);
    for (i, series) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points: Vec<String> = series
            .points
            .iter()
            .filter(|p| p.1.is_finite())
            .map(|&(x, y)| format!("{:.1},{:.1}", frame.px(x), frame.py(y)))
            .collect();
        let _ =
            write!(s, r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#, points.join(" "));
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" fill="{colour}">{}</text>"#,
            W - MARGIN.1 - 4.0,
            MARGIN.3 + 12.0 + 14.0 * i as f64,
            escape(series.name)
        );
    }
    s + "</svg>"
}

/// Predicted against measured, with the identity line and the Pearson r in the title.
pub fn scatter(title: &str, measured: &[f64], predicted: &[f64]) -> String {
    let both = range(measured.iter().chain(predicted).copied());
    let frame = Frame { x: both, y: both };
    let mut s = open(title, &frame, "measured", "predicted");
    let _ = write!(
        s,
        r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#aaa" stroke-dasharray="4 3"/>"##,
        frame.px(both.0),
        frame.py(both.0),
        frame.px(both.1),
        frame.py(both.1)
    );
    for (&m, &p) in measured.iter().zip(predicted) {
        if m.is_finite() && p.is_finite() {
            let _ = write!(
                s,
                r##"<circle cx="{:.1}" cy="{:.1}" r="2" fill="#2b6cb0" fill-opacity="0.45"/>"##,
                frame.px(m),
                frame.py(p)
            );
        }
    }
    s + "</svg>"
}

/// One bar per (label, value), e.g. a metric per task.
pub fn bar_chart(title: &str, y_label: &str, bars: &[(String, f64)]) -> String {
    let (lo, hi) = range(bars.iter().map(|b| b.1).chain([0.0]));
    // Headroom above the tallest bar for its label.
    let frame = Frame { x: (0.0, bars.len().max(1) as f64), y: (lo.min(0.0), hi + 0.12 * (hi - lo)) };
    let mut s = open(title, &frame, "", y_label);
    let width = (W - MARGIN.0 - MARGIN.1) / bars.len().max(1) as f64;
    for (i, (label, value)) in bars.iter().enumerate() {
        if !value.is_finite() {
            continue;
        }
        let (y0, y1) = (frame.py(0.0), frame.py(*value));
        let x = MARGIN.0 + width * i as f64 + width * 0.15;
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {value:.4}</title></rect>"#,
            y0.min(y1),
            width * 0.7,
            (y0 - y1).abs(),
            COLOURS[i % COLOURS.len()],
            escape(label)
        );
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10">{}</text>"#,
            x + width * 0.35,
            y1.min(y0) - 3.0,
            escape(label)
        );
    }
    s + "</svg>"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_well_formed_and_escape_text() {
        let line = line_chart(
            "loss <train>",
            "epoch",
            "loss",
            &[Series { name: "a&b", points: vec![(1.0, 2.0), (2.0, f64::NAN), (3.0, 1.0)] }],
        );
        assert!(line.starts_with("<svg") && line.ends_with("</svg>"));
        assert!(line.contains("loss &lt;train&gt;") && line.contains("a&amp;b"));
        // The NaN point is left out of the polyline: two points remain.
        let points = line.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(points.split(' ').count(), 2);
        let sc = scatter("HepG2", &[0.0, 1.0], &[0.5, 0.5]);
        assert_eq!(sc.matches("<circle").count(), 2);
        let bars = bar_chart("pearson", "r", &[("HepG2".into(), 0.7), ("K562".into(), -0.1)]);
        assert_eq!(bars.matches("<rect").count(), 2);
    }

    #[test]
    fn a_flat_series_still_gets_an_axis() {
        assert_eq!(range([2.0, 2.0].into_iter()), (1.5, 2.5));
        assert_eq!(range([f64::NAN].into_iter()), (0.0, 1.0));
    }
}
