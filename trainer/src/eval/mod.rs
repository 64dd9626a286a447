//! Evaluation: metrics per task and overall, for regression and binary classification, and the
//! report (JSON + a static HTML page with SVG plots).

pub mod metrics;
pub mod report;
pub mod svg;
