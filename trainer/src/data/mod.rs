//! Training data: reading rows, transforming targets, splitting.

pub mod split;
