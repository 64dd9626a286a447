//! Training data: reading rows, transforming targets, splitting.

pub mod dataset;
pub mod genome;
pub mod split;
pub mod targets;
