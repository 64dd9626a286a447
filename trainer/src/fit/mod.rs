//! `fit`: a whole training run — data, split, targets, model, epochs with schedule, augmentation,
//! early stopping and checkpoints, then evaluation and export.

pub mod batches;
pub mod plan;
pub mod schedule;
