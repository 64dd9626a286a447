#!/usr/bin/env python3
"""Training throughput of the reference CNN and of `legnet`: regula-train (ONNX Runtime CPU) vs
PyTorch CPU, same architecture, loss, optimizer, batch, length and threads; runs interleaved so
both see the same machine. samples/s = forward + loss + backward + AdamW update, timed steps
after warm-up; peak resident memory of each run from GNU time (/usr/bin/time).

    bench/training/throughput.py --python PYTHON_WITH_TORCH --out RESULT.json [--rounds 3]
        [--threads 2] [--steps 1000] [--no-spin] [--models cnn,legnet]
        [--legnet-batches 1024,128]

The reference CNN times 1,000 steps of batch 32 (3-5 s a run). Until 2026-12-01 it timed 100
(0.3-0.5 s), and on a 2-core virtual machine shared with other tenants such short runs swung by
half: regula-train's runs of one binary on an otherwise idle AMD EPYC read 6,195 to 10,216
samples/s that day and PyTorch's 5,537 to 8,103, each run steady within itself while the host's
load came and went.

legnet: the published sizes (stem 64 kernel 11, stages 80/96/112/128 kernel 9), gradient-norm
clipping at 1 as in its recipe, at each of `--legnet-batches`: the recipe's 1024 (what
`just train-*-legnet` trains with; about 7 GB per process, one process at a time) and a small
batch of 128 (where per-step costs weigh most). Each batch times max(3, 768 / batch) steps after
max(1, 256 / batch) warm-up steps.

Both processes run with glibc's malloc kept from handing freed memory back to the system
(`KEEP_HEAP`: no mmap'd chunks, no trimming). PyTorch frees and allocates each step's activations
anew, and glibc serves every block over 32 MB by mmap and returns it on free, so each step
faults all of them in again: at batch 1024, 16.8 million page faults and 32 s of system time in
a 37 s run, 125 samples/s instead of 317. A PyTorch user training on CPU is told to fix that
(jemalloc, tcmalloc or these settings); the baseline should be PyTorch at its best. ONNX Runtime
keeps its own arena and runs at the same speed either way.

--no-spin stops idle worker threads from spinning in both runtimes (ORT allow_spinning=0,
OpenMP OMP_WAIT_POLICY=PASSIVE): on a machine shared with other work, spinning threads starve
each other; on an idle machine the defaults are the fair comparison.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from files import write_json  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RATE = re.compile(r": ([0-9.]+) samples/s")
TIME = "/usr/bin/time"  # GNU time: peak resident memory of each run
KEEP_HEAP = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(10**12)}


def run(cmd, env=None):
    """samples/s, the output line, and the process's peak resident memory in MiB (GNU time's %M)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        line = subprocess.run([TIME, "-f", "%M", "-o", rss.name, *cmd], check=True, capture_output=True, text=True, env=env,
                              cwd=ROOT).stdout.strip().splitlines()[-1]
        peak_mib = int(rss.read().strip().splitlines()[-1]) / 1024
    print(f"{line} (peak RSS {peak_mib:,.0f} MiB, load {os.getloadavg()[0]:.1f})", flush=True)
    return float(RATE.search(line).group(1)), line, peak_mib


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--no-spin", action="store_true")
    ap.add_argument("--models", default="cnn,legnet")
    ap.add_argument("--legnet-batches", default="1024,128")
    ap.add_argument("--regula-bin", help="a prebuilt bench_train example (default: build it)")
    a = ap.parse_args()
    if a.regula_bin:
        bench_bin = a.regula_bin
    else:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "regula-train", "--example", "bench_train"], check=True, cwd=ROOT)
        meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], check=True, capture_output=True,
                              text=True, cwd=ROOT).stdout
        bench_bin = os.path.join(json.loads(meta)["target_directory"], "release/examples/bench_train")
    env = dict(os.environ, **KEEP_HEAP, **({"OMP_WAIT_POLICY": "PASSIVE"} if a.no_spin else {}))
    ours_env = dict(os.environ, **KEEP_HEAP)
    models = a.models.split(",")
    result = {"threads": a.threads, "spinning": not a.no_spin, "malloc": KEEP_HEAP, "load_average_at_start": os.getloadavg()}

    def compare(extra, batch, steps, warmup):
        common = ["--threads", str(a.threads), "--steps", str(steps), "--warmup", str(warmup), "--batch", str(batch), *extra]
        ours_cmd = [bench_bin, *common] + (["--no-spin"] if a.no_spin else [])
        theirs_cmd = [a.python, os.path.join(ROOT, "bench/reference/bench_train.py"), *common]
        ours, theirs, lines, loads = [], [], [], []
        peaks = {"regula": [], "pytorch": []}
        for _ in range(a.rounds):
            for who, rates, cmd, e in (("regula", ours, ours_cmd, ours_env), ("pytorch", theirs, theirs_cmd, env)):
                rate, line, peak = run(cmd, e)
                rates.append(rate)
                lines.append(line)
                peaks[who].append(peak)
                loads.append(os.getloadavg()[0])
        mo, mt = statistics.median(ours), statistics.median(theirs)
        return {
            "batch": batch, "length": 230, "steps": steps, "warmup": warmup,
            "regula_samples_per_s": ours, "pytorch_samples_per_s": theirs,
            "regula_median": mo, "pytorch_median": mt, "ratio": mo / mt, "lines": lines,
            # Peak resident memory of each whole process (MiB): runtime, graph or model, batch, activations.
            "regula_peak_rss_mib": peaks["regula"], "pytorch_peak_rss_mib": peaks["pytorch"],
            # 1-minute load average after each run, in run order (Regula, PyTorch, Regula, ...).
            "load_average_1min_after_each_run": loads,
        }

    if "cnn" in models:
        result.update(compare([], 32, a.steps, a.warmup))
        result["model"] = "reference CNN (Cnn::reference(230, 1)): conv 4→64 k15, BN, ReLU, max-pool 4, conv 64→64 k5, BN, ReLU, global average pool, dense 64→1; MSE; AdamW lr 1e-3, weight decay 0.01"
        print(f"cnn median samples/s: regula-train {result['regula_median']:.1f}, pytorch {result['pytorch_median']:.1f}, ratio {result['ratio']:.2f}x")
    if "legnet" in models:
        result["legnet"] = []
        for batch in (int(b) for b in a.legnet_batches.split(",")):
            lg = compare(["--model", "legnet", "--stem-kernel", "11", "--kernel", "9", "--clip", "1.0"], batch,
                         max(3, 768 // batch), max(1, 256 // batch))
            lg["model"] = "legnet, published sizes (LegNet::published(230, 1): stem 64 k11, stages 80/96/112/128 k9, expansion 4, SE reduction 4; 1,322,465 weights); MSE; AdamW lr 1e-3, weight decay 0.01; gradient norm clipped at 1"
            lg["recipe_batch"] = batch == 1024
            result["legnet"].append(lg)
            print(f"legnet batch {batch} median samples/s: regula-train {lg['regula_median']:.1f}, pytorch {lg['pytorch_median']:.1f}, ratio {lg['ratio']:.2f}x")
    result.update(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load_average_at_end=os.getloadavg())
    write_json(a.out, result)


if __name__ == "__main__":
    main()
