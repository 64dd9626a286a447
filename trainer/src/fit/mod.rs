//! `fit`: a whole training run — data, split, targets, model, epochs with schedule, augmentation,
//! early stopping and checkpoints, then evaluation and export.

pub mod batches;
pub mod checkpoint;
pub mod distill;
pub mod error;
pub mod join;
pub mod model;
pub mod plan;
pub mod run;
pub mod schedule;
pub mod scoring;
pub mod split_table;
pub mod validate;

pub use error::FitError;
pub use run::{FitOutcome, fit, fit_until};
