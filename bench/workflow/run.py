#!/usr/bin/env python3
"""The Snakemake workflow (workflow/Snakefile) with 1 and with 2 cores against one unsharded
`score-variants` run on the same VCF: wall time of each, and the per-shard times each shard's log
records (bash's `time`; what a cluster's time follows from: the longest shard, plus the queue).

N SNVs, sorted, evenly spaced over the 1 Mb hg19 chr22 slice of ../shared (REF from it, ALT the
next letter of ACGT), in shards of --shard-records records (or, with --shard-records 0, of
--shard-size bases); model hepg2-mpra; one thread per shard
job. The runs alternate (workflow 1 core, workflow 2 cores, unsharded) so each sees the same load.
The VCF is bgzipped and tabix-indexed (`regula-train merge-vcf` writes it), as a cohort's VCF is,
so each shard reads only its region; `--vcf-format plain` gives every shard the whole plain VCF.

    bench/workflow/run.py --snakemake .cache/workflow-venv/bin/snakemake --regula-train target/release/regula-train \
        --reference ../shared/data/genome/hg19_chr22_20-21Mb.fa --variants 100000 --shard-records 10000 --runs 2 --out RESULT.json
"""
import argparse
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from files import write_json  # noqa: E402
from variants.score_variants import read_fasta  # noqa: E402


def write_vcf(path, record, seq, n, margin):
    chrom, span = record.rsplit(":", 1)
    offset = int(span.split("-")[0]) - 1
    first, last = margin, len(seq) - margin
    with open(path, "w") as f:
        f.write("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for i in range(n):
            p = first + (last - first) * i // n
            ref = seq[p] if seq[p] in "ACGT" else "A"
            alt = "ACGT"[("ACGT".index(ref) + 1) % 4]
            f.write(f"{chrom}\t{offset + p + 1}\tw{i + 1}\t{ref}\t{alt}\t.\t.\t.\n")


def timeline(work, out, start, end):
    """A finished workflow run's parts, from its files' modification times (wall clock)."""
    plan = os.stat(os.path.join(work, "shards.bed")).st_mtime
    last = max(os.stat(p).st_mtime for p in glob.glob(os.path.join(work, "scored", "*.vcf.gz")))
    merged = max(os.stat(out).st_mtime, os.stat(out + ".tbi").st_mtime)
    return {"start_and_plan": plan - start, "shards": last - plan, "merge": merged - last, "exit": end - merged}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--snakemake", required=True)
    ap.add_argument("--regula-train", required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "hepg2-mpra"))
    ap.add_argument("--variants", type=int, default=100_000)
    ap.add_argument("--shard-size", type=int, default=100_000)
    ap.add_argument("--shard-records", type=int, default=0)
    ap.add_argument("--taper", type=int, default=4, help="workflow/config.yaml's taper: the last shard cut into this many")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--vcf-format", choices=["indexed", "plain"], default="indexed")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    bin_ = os.path.abspath(args.regula_train)
    reference, model = os.path.abspath(args.reference), os.path.abspath(args.model)
    record, seq = read_fasta(reference)
    times = {"workflow_1_core": [], "workflow_2_cores": [], "unsharded_2_threads": []}
    loads = []
    shard_seconds = []
    parts = {"workflow_1_core": [], "workflow_2_cores": []}
    with tempfile.TemporaryDirectory() as tmp:
        vcf = os.path.join(tmp, "variants.vcf")
        write_vcf(vcf, record, seq, args.variants, 1000)
        if args.vcf_format == "indexed":
            subprocess.run([bin_, "merge-vcf", "--out", vcf + ".gz", vcf], check=True)
            vcf += ".gz"
        for run in range(args.runs):
            for cores in (1, 2):
                work = os.path.join(tmp, f"work-{cores}-{run}")
                out = os.path.join(tmp, f"merged-{cores}-{run}.vcf.gz")
                t0, wall0 = time.perf_counter(), time.time()
                subprocess.run([args.snakemake, "-s", os.path.join(ROOT, "workflow", "Snakefile"), "--cores", str(cores),
                                "--directory", tmp, "--quiet", "all", "--config", f"vcf={vcf}", f"reference={reference}",
                                f"model={model}", f"out={out}", f"work={work}", f"shard_size={args.shard_size}", f"shard_records={args.shard_records}", f"taper={args.taper}", "threads=1",
                                f"regula_train={bin_}"], check=True, stderr=subprocess.DEVNULL)
                s = time.perf_counter() - t0
                key = f"workflow_{cores}_core{'s' if cores > 1 else ''}"
                times[key].append(round(s, 2))
                parts[key].append(timeline(work, out, wall0, time.time()))
                for path in sorted(glob.glob(os.path.join(work, "logs", "*.log"))):
                    logged = re.findall(r"^shard time: ([\d.]+) s wall", open(path).read(), re.M)
                    shard_seconds.append(float(logged[-1]))
                print(f"run {run + 1}: workflow, --cores {cores}: {s:.1f} s")
            one = os.path.join(tmp, f"one-{run}.vcf.gz")
            t0 = time.perf_counter()
            subprocess.run([bin_, "score-variants", "--model", model, "--vcf", vcf, "--reference", reference, "--threads", "2",
                            "--out", one], check=True)
            s = time.perf_counter() - t0
            times["unsharded_2_threads"].append(round(s, 2))
            loads.append(round(os.getloadavg()[0], 2))
            print(f"run {run + 1}: one score-variants run, 2 threads: {s:.1f} s; load {loads[-1]}")
        shards = len(glob.glob(os.path.join(tmp, "work-1-0", "scored", "*.vcf.gz")))
    med = {k: statistics.median(v) for k, v in times.items()}
    write_json(args.out, {
        "variants": args.variants,
        "vcf_format": "bgzipped, tabix-indexed" if args.vcf_format == "indexed" else "plain",
        "shard_size": args.shard_size,
        "shard_records": args.shard_records,
        "taper": args.taper,
        "shards": shards,
        "model": os.path.basename(model),
        "seconds": times,
        "median_seconds": {k: round(v, 2) for k, v in med.items()},
        "variants_per_second": {k: round(args.variants / v, 1) for k, v in med.items()},
        "speedup_2_vs_1_core": round(med["workflow_1_core"] / med["workflow_2_cores"], 2),
        # Where each workflow run's time went (from file times): Snakemake's start through the shard
        # plan, the shards, the merge after the last shard, and Snakemake's exit after the merge.
        "parts_seconds": {k: {p: round(statistics.median(r[p] for r in v), 2) for p in v[0]} for k, v in parts.items()},
        "shard_seconds": {"median": round(statistics.median(shard_seconds), 2), "max": round(max(shard_seconds), 2), "n": len(shard_seconds)},
        "load_average": loads,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_at_end": os.getloadavg(),
    })


if __name__ == "__main__":
    main()
