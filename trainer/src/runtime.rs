//! ONNX Runtime: finding the shared library, sessions on CPU or CUDA, tensors in and out.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::memory::{AllocationDevice, AllocatorType, MemoryInfo, MemoryType};
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::{DynValue, Tensor};
use prost::Message;

use crate::error::{Error, OrtContext, Result};
use crate::onnx::proto::ModelProto;

/// Where sessions run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Device {
    #[default]
    Cpu,
    /// CUDA execution provider on GPU `n`.
    Cuda(i32),
}

impl FromStr for Device {
    type Err = Error;

    /// `cpu`, `cuda` (GPU 0) or `cuda:N`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            _ => s
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(Device::Cuda)
                .ok_or_else(|| Error::Invalid(format!("unknown device `{s}`: expected cpu, cuda or cuda:N"))),
        }
    }
}

impl Device {
    /// Memory of this device, for binding outputs that should stay there.
    pub fn memory_info(self) -> Result<MemoryInfo<'static>> {
        let (dev, id) = match self {
            Device::Cpu => (AllocationDevice::CPU, 0),
            Device::Cuda(n) => (AllocationDevice::CUDA, n),
        };
        MemoryInfo::new(dev, id, AllocatorType::Device, MemoryType::Default).ctx(|| format!("memory info for {self:?}"))
    }
}

/// How sessions are created.
#[derive(Clone, Copy, Debug)]
pub struct RuntimeConfig {
    pub device: Device,
    /// Intra-op threads; 0 lets ONNX Runtime choose.
    pub threads: usize,
    pub optimization: GraphOptimizationLevel,
    /// Whether idle intra-op threads spin waiting for work (ORT's default: lowest latency on
    /// an otherwise idle machine, wasted cycles on a shared one).
    pub spin: bool,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig { device: Device::Cpu, threads: 0, optimization: GraphOptimizationLevel::All, spin: true }
    }
}

/// The ONNX Runtime shared library: `ORT_DYLIB_PATH` if set, else the copy
/// `scripts/provision-ort.sh` puts in the workspace's `.cache`.
pub fn ort_library_path() -> Result<PathBuf> {
    let path = match std::env::var_os("ORT_DYLIB_PATH") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/onnxruntime/cpu-1.31.1/libonnxruntime.so"),
    };
    if path.is_file() { Ok(path) } else { Err(Error::OrtLibraryMissing { path }) }
}

/// The process-wide ONNX Runtime environment, loading the library on first use.
pub fn environment() -> Result<&'static Environment> {
    static ENV: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();
    let path = ort_library_path()?;
    ENV.get_or_init(|| {
        ort::init_from(&path).map_err(|e| e.to_string())?.with_name("regula-train").build().map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|message| Error::OrtLoad { path, message: message.clone() })
}

/// Fail with [`Error::CudaUnavailable`] unless the loaded library has the CUDA provider.
pub fn check_device(device: Device) -> Result<()> {
    match device {
        Device::Cpu => Ok(()),
        Device::Cuda(n) => {
            environment()?;
            let available = <ort::ep::CUDA as ort::ep::ExecutionProvider>::is_available()
                .ctx(|| "listing execution providers".into())?;
            if available { Ok(()) } else { Err(Error::CudaUnavailable { device: n }) }
        }
    }
}

/// A session for `model`.
pub fn session(model: &ModelProto, config: &RuntimeConfig) -> Result<Session> {
    let env = environment()?;
    check_device(config.device)?;
    let mut builder = Session::builder(env)
        .ctx(|| "creating session builder".into())?
        .with_optimization_level(config.optimization)
        .ctx(|| "setting optimization level".into())?;
    if config.threads > 0 {
        builder = builder.with_intra_threads(config.threads).ctx(|| format!("setting {} threads", config.threads))?;
    }
    if !config.spin {
        builder = builder
            .with_config_entry("session.intra_op.allow_spinning", "0")
            .ctx(|| "disabling thread spinning".into())?;
    }
    // The CPU memory arena stays on: without it a `legnet` train step (published sizes, batch 128,
    // 2 threads, idle machine) ran at 105 samples/s instead of 181, though its peak memory fell
    // (batch 256: 2.7 GB instead of 4.8 GB; a batch-1024 fit: 10 GB instead of at least 19 GB).
    // The memory pattern is what doubled it: ORT plans one block for all of a run's tensors on
    // the second run, while the arena keeps the first run's chunks, and plans another for every
    // new batch size (an epoch's last, partial batch). Without it (arena on) the same legnet
    // step at batch 256 peaks at 3.3 GB instead of 4.8 GB, flat over full and partial batches,
    // at the same speed (examples/bench_train, interleaved runs, 2026-11-29).
    builder = builder.with_memory_pattern(false).ctx(|| "disabling the memory pattern".into())?;
    if let Device::Cuda(n) = config.device {
        builder = with_cuda(builder, n)?;
    }
    builder.commit_from_memory(&model.encode_to_vec()).ctx(|| "loading the model into ONNX Runtime".into())
}

fn with_cuda(
    builder: ort::session::builder::SessionBuilder,
    device: i32,
) -> Result<ort::session::builder::SessionBuilder> {
    use ort::ep::CUDA;
    builder
        .with_execution_providers([CUDA::default().with_device_id(device).build().error_on_failure()])
        .ctx(|| format!("registering the CUDA execution provider on device {device}"))
}

/// An owned CPU tensor.
pub fn tensor_f32(shape: &[usize], data: Vec<f32>) -> Result<DynValue> {
    Ok(Tensor::from_array((shape.to_vec(), data)).ctx(|| format!("creating a {shape:?} tensor"))?.into_dyn())
}

pub fn tensor_f64(shape: &[usize], data: Vec<f64>) -> Result<DynValue> {
    Ok(Tensor::from_array((shape.to_vec(), data)).ctx(|| format!("creating a {shape:?} tensor"))?.into_dyn())
}

/// Shape and contents of a float tensor, copied to the CPU if it lives on a device.
pub fn to_host_f32(v: &DynValue) -> Result<(Vec<i64>, Vec<f32>)> {
    let t = v.view().downcast::<ort::value::DynTensorValueType>().ctx(|| "expected a tensor".into())?;
    if !t.memory_info().is_cpu_accessible() {
        let host = t.to(AllocationDevice::CPU, 0).ctx(|| "copying a tensor to the CPU".into())?;
        return to_host_f32(&host.into_dyn());
    }
    let (shape, data) = v.try_extract_tensor::<f32>().ctx(|| "reading an f32 tensor".into())?;
    Ok((shape.to_vec(), data.to_vec()))
}

pub fn to_host_f64(v: &DynValue) -> Result<(Vec<i64>, Vec<f64>)> {
    let (shape, data) = v.try_extract_tensor::<f64>().ctx(|| "reading an f64 tensor".into())?;
    Ok((shape.to_vec(), data.to_vec()))
}
