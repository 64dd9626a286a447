#!/usr/bin/env python3
"""Native saturation mutagenesis: `regula-train ism` (ONNX Runtime, CPU) on a 1 kb sequence of hg19
with the 1 kb reference CNN (`infer/tests/fixtures/reference1000`), fast path against one full
forward pass per substitution (`--method naive`, what native ISM was before the shared inference
layer), and against an earlier regula-train binary when `--before` names one. Wall time of the
whole command (loading the model, 3,000 substitutions, writing the TSV); runs interleaved, medians.

    bench/ism/native_ism.py --binary target/release/regula-train --threads 2 --runs 3 --out RESULT.json
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from files import write_json  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def model_folder(tmp):
    """The reference CNN fixture as a model folder (manifest.json beside its graph)."""
    src = os.path.join(ROOT, "infer/tests/fixtures")
    dest = os.path.join(tmp, "reference1000")
    os.makedirs(dest)
    manifest = json.load(open(os.path.join(src, "reference1000.manifest.json")))
    shutil.copy(os.path.join(src, manifest["model_file"]), dest)
    json.dump(manifest, open(os.path.join(dest, "manifest.json"), "w"))
    return dest


def sequence(tmp, length):
    """The first `length` bases without N of the hg19 slice in tests/data."""
    lines = open(os.path.join(ROOT, "tests/data/hg19_chr22_20000001_20002400.fa")).read().split("\n")
    seq = "".join(l.strip() for l in lines[1:]).upper()
    seq = "".join(b for b in seq if b in "ACGT")[:length]
    path = os.path.join(tmp, "seq.fa")
    open(path, "w").write(f">hg19_chr22_20000001_1kb\n{seq}\n")
    return path


def timed(cmd, env):
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start, out.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, "target/release/regula-train"))
    p.add_argument("--before", help="an earlier regula-train binary to time on the same input")
    p.add_argument("--before-label", default="earlier binary")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    env = dict(os.environ)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        model, fasta = model_folder(tmp), sequence(tmp, 1000)
        common = ["ism", "--model", model, "--input", fasta, "--threads", str(a.threads)]
        variants = {"fast": [a.binary] + common + ["--method", "fast"], "naive": [a.binary] + common + ["--method", "naive"]}
        if a.before:
            variants["before"] = [a.before] + common
        seconds = {k: [] for k in variants}
        outputs = {}
        for _ in range(a.runs):
            for k, cmd in variants.items():
                s, out = timed(cmd, env)
                seconds[k].append(s)
                outputs[k] = out
        # The methods must agree: same rows, effects within the TSV's 6 decimals (± 2e-6).
        rows = {k: [l.split("\t") for l in v.decode().strip().split("\n")[1:]] for k, v in outputs.items()}
        worst = 0.0
        for k in rows:
            assert len(rows[k]) == len(rows["fast"]) == 3000, (k, len(rows[k]))
            for x, y in zip(rows[k], rows["fast"]):
                assert x[:5] == y[:5], (k, x, y)
                worst = max(worst, abs(float(x[6]) - float(y[6])))
    medians = {k: statistics.median(v) for k, v in seconds.items()}
    # A shipped 230 bp model, whose windows span the input: the fast method runs incremental.
    shipped = {}
    model_dir = os.path.join(ROOT, "models/hepg2-mpra")
    if os.path.isdir(model_dir):
        rows = open(os.path.join(ROOT, "tests/data/lentimpra_hepg2_head30.tsv")).read().split("\n")[1:11]
        with tempfile.TemporaryDirectory() as tmp:
            fasta = os.path.join(tmp, "ten.fa")
            with open(fasta, "w") as f:
                for i, r in enumerate(rows):
                    f.write(f">s{i}\n{r.split(chr(9))[1]}\n")
            runs = {m: [] for m in ("fast", "windowed", "naive")}
            for _ in range(a.runs):
                for m in runs:
                    s, _ = timed([a.binary, "ism", "--model", model_dir, "--input", fasta, "--threads", str(a.threads), "--method", m], env)
                    runs[m].append(s)
        shipped = {"model": "hepg2-mpra (230 bp, 3 conv blocks)", "sequences": 10, "seconds": runs,
                   "median_seconds": {m: statistics.median(v) for m, v in runs.items()}}
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "model": "reference CNN (infer/tests/fixtures/reference1000, 1,000 bp input)",
        "length": 1000,
        "substitutions": 3000,
        "threads": a.threads,
        "seconds": seconds,
        "median_seconds": medians,
        "speedup_vs_naive": medians["naive"] / medians["fast"],
        "max_effect_difference": worst,
        # Other work on the machine changes the ratio: the fixed start-up cost (about 40 ms) weighs
        # more when the machine is idle, the naive passes suffer more when it is loaded.
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "shipped": shipped,
    }
    if a.before:
        result["before_label"] = a.before_label
        result["speedup_vs_before"] = medians["before"] / medians["fast"]
    write_json(a.out, result)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
