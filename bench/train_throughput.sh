#!/usr/bin/env bash
# Training throughput of the reference CNN: regula-train (ONNX Runtime, CPU) vs PyTorch, same
# batch, length and threads, runs interleaved so both see the same machine load.
#   bench/train_throughput.sh [ROUNDS] [THREADS] [PYTHON]
# PYTHON must have torch (CPU use only). Prints one line per run and the median ratio.
# NO_SPIN=1 stops idle worker threads from spinning in both (ORT allow_spinning=0, OpenMP
# OMP_WAIT_POLICY=PASSIVE): on a machine shared with other jobs spinning threads starve each other.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
threads=${2:-2}
python=${3:-python3}
export ORT_DYLIB_PATH=${ORT_DYLIB_PATH:-$(scripts/provision-ort.sh)}
cargo build --release -q -p regula-train --example bench_train
ours_flags=() torch_env=()
if [[ ${NO_SPIN:-0} == 1 ]]; then ours_flags=(--no-spin); torch_env=(OMP_WAIT_POLICY=PASSIVE); fi
ours=() theirs=()
for _ in $(seq "$rounds"); do
  line=$(target/release/examples/bench_train --threads "$threads" --steps 100 --warmup 10 "${ours_flags[@]}")
  echo "$line"; ours+=("$(sed -E 's/.*: ([0-9.]+) samples.*/\1/' <<<"$line")")
  line=$(env "${torch_env[@]}" "$python" bench/reference/bench_train.py --threads "$threads" --steps 100 --warmup 10)
  echo "$line"; theirs+=("$(sed -E 's/.*: ([0-9.]+) samples.*/\1/' <<<"$line")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mo=$(median "${ours[@]}"); mt=$(median "${theirs[@]}")
echo "median samples/s: regula-train $mo, pytorch $mt, ratio $(awk -v a="$mo" -v b="$mt" 'BEGIN {printf "%.2f", a/b}')x (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
