//! What can stop a training run: the error every `fit` step returns.

use crate::data::dataset::DataError;
use crate::data::split::SplitError;
use crate::data::targets::TargetError;

#[derive(Debug, thiserror::Error)]
pub enum FitError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Split(#[from] SplitError),
    #[error(transparent)]
    Targets(#[from] TargetError),
    #[error(transparent)]
    Engine(#[from] crate::Error),
    #[error("writing {path}: {message}")]
    Write { path: String, message: String },
    #[error("cannot resume: {0}")]
    Resume(String),
}
