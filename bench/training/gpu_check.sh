#!/usr/bin/env bash
# `just gpu-check`: on a machine with an NVIDIA GPU, at most about 8 minutes.
#  1. legnet (published sizes, batch 256) trained 50 steps on the CPU and on CUDA from the same
#     initial weights and batches (trainer/examples/gpu_check.rs); fails if the final losses differ
#     by more than 1e-3 (relative);
#  2. its CUDA training throughput against PyTorch CUDA on the same model and batch
#     (bench/reference/bench_train.py --device cuda).
# Needs, already on the machine (a GPU machine here reaches no registry): the onnxruntime-gpu
# 1.31.1 library in .cache/onnxruntime/gpu-1.31.1 (`just ort-gpu`), the CUDA 13 runtime libraries
# it loads (cuBLAS, cuDNN 9, cuFFT, cuRAND, cudart: the PyPI nvidia-* wheels that come with the
# CUDA build of torch), and a Python with CUDA torch (BENCH_PYTHON, else .cache/bench-venv).
# Writes bench/results/gpu-check.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
python=${BENCH_PYTHON:-$root/.cache/bench-venv/bin/python}
lib=$root/.cache/onnxruntime/gpu-1.31.1/libonnxruntime.so
[ -f "$lib" ] || { echo "gpu-check: $lib is missing (run \`just ort-gpu\` where PyPI is reachable)" >&2; exit 2; }
"$python" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device visible to torch'" \
  || { echo "gpu-check: $python has no CUDA torch or sees no GPU" >&2; exit 2; }
# The CUDA libraries of the nvidia-* wheels, for ORT's CUDA provider.
nvidia=$("$python" -c "import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))")/nvidia
export LD_LIBRARY_PATH=$(find "$nvidia" -maxdepth 3 -type d -name lib | tr '\n' ':')$(dirname "$lib"):${LD_LIBRARY_PATH:-}
export ORT_DYLIB_PATH=$lib
cargo build --release -q -p regula-train --example gpu_check --example bench_train
mkdir -p bench/results
timeout 360 target/release/examples/gpu_check --steps 50 --batch 256 --timed 30 --out bench/results/gpu-check.json
timeout 100 "$python" bench/reference/bench_train.py --model legnet --device cuda --batch 256 --steps 30 --warmup 5 --clip 1.0 \
  | tee target/gpu-check-pytorch.txt
"$python" - <<'PY'
import json, re
r = json.load(open("bench/results/gpu-check.json"))
line = open("target/gpu-check-pytorch.txt").read().strip().splitlines()[-1]
r["pytorch_cuda_samples_per_s"] = float(re.search(r": ([0-9.]+) samples/s", line).group(1))
r["ratio_cuda"] = r["ort_cuda_samples_per_s"] / r["pytorch_cuda_samples_per_s"]
r["pytorch_line"] = line
json.dump(r, open("bench/results/gpu-check.json", "w"), indent=1)
print(f"ORT CUDA {r['ort_cuda_samples_per_s']:.0f} samples/s vs PyTorch CUDA {r['pytorch_cuda_samples_per_s']:.0f}: {r['ratio_cuda']:.2f}x; parity {'PASS' if r['pass'] else 'FAIL'}")
PY
