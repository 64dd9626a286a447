//! Errors the page shows: each says which model, sequence or variant it is about and what was
//! wrong.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "the model file is {size} bytes, more than the {limit}-byte limit of Regula's predictor (it must load in a browser tab)"
    )]
    TooLarge { size: usize, limit: usize },
    #[error("the model file is not a readable ONNX model: {0}")]
    NotOnnx(String),
    #[error("the model uses ONNX op{} {} that Regula's predictor does not allow (it must run in the browser too)", if .0.len() == 1 { "" } else { "s" }, .0.join(", "))]
    OpNotAllowed(Vec<String>),
    #[error(
        "the model uses element types that Regula's predictor does not allow (it must run in the browser too): {}; export it with float32 values and int64 shapes and indices",
        .0.join(", ")
    )]
    TypeNotAllowed(Vec<String>),
    #[error("the model does not match its manifest: {0}")]
    Mismatch(String),
    #[error("manifest: {0}")]
    Manifest(String),
    #[error("running the model failed: {0}")]
    Runtime(String),
    #[error("sequence {index} '{name}': {message}")]
    Sequence { index: usize, name: String, message: String },
    #[error("{0}")]
    Input(String),
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Unsupported(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn runtime(e: impl std::fmt::Display) -> Self {
        // tract's anyhow chains read best with their causes.
        Error::Runtime(e.to_string())
    }
}
