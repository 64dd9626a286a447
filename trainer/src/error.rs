use std::path::PathBuf;

/// Everything that can go wrong while building, training or exporting a model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An op was applied to values whose dtypes or shapes it cannot take.
    #[error("{op}: {message}")]
    Graph { op: String, message: String },
    /// A backward rule was asked for a case it does not implement.
    #[error("no gradient for {op}: {message}")]
    NoGradient { op: String, message: String },
    #[error(
        "ONNX Runtime shared library not found at {}: run scripts/provision-ort.sh (it prints the path) or set ORT_DYLIB_PATH",
        path.display()
    )]
    OrtLibraryMissing { path: PathBuf },
    #[error("could not load ONNX Runtime from {}: {message}", path.display())]
    OrtLoad { path: PathBuf, message: String },
    #[error(
        "CUDA device {device} was requested, but the loaded ONNX Runtime library has no CUDA execution provider; \
         run scripts/provision-ort.sh gpu and point ORT_DYLIB_PATH at the libonnxruntime.so it prints"
    )]
    CudaUnavailable { device: i32 },
    #[error("ONNX Runtime: {context}: {source}")]
    Ort { context: String, source: ort::Error },
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn graph_err(op: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Graph { op: op.into(), message: message.into() }
}

pub(crate) trait OrtContext<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: Into<ort::Error>> OrtContext<T> for std::result::Result<T, E> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::Ort { context: context(), source: e.into() })
    }
}
