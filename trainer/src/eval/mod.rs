//! Evaluation: metrics per task and overall, for regression and binary classification.

pub mod metrics;
