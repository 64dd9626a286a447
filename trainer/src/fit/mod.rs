//! `fit`: a whole training run — data, split, targets, model, epochs with schedule, augmentation,
//! early stopping and checkpoints, then evaluation and export.

pub mod batches;
pub mod checkpoint;
pub mod evaluate;
pub mod model;
pub mod plan;
pub mod run;
pub mod schedule;
pub mod split_table;
pub mod validate;

pub use run::{FitError, FitOutcome, fit, fit_until};
