#!/usr/bin/env python3
"""Native scoring throughput: `regula-train score-variants` (ONNX Runtime, CPU) on N single-
nucleotide variants of a reference FASTA, variants/s (wall time of the whole command: reading
the genome and the VCF, the reference and alternate window of each variant, writing the TSV),
for every shipped model that reads one sequence; and, with --before, an earlier regula-train
binary on the same VCF, its runs interleaved with the new ones so both see the same load.

The variants are deterministic (an LCG): positions drawn uniformly from the record, away from
its ends, REF read from the genome (N positions skipped), ALT one of the three other bases.

    bench/variants/score_variants.py --models models --reference ../shared/data/genome/hg19_chr22_20-21Mb.fa \
        --variants 100000 --runs 3 --threads 2 [--before OLD_BINARY --before-model hepg2-mpra] --out RESULT.json
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from files import write_json  # noqa: E402


def read_fasta(path):
    name, chunks = None, []
    with open(path) as f:
        for line in f:
            if line.startswith(">"):
                if name is not None:
                    break
                name = line[1:].split()[0]
            else:
                chunks.append(line.strip())
    return name, "".join(chunks).upper()


def write_vcf(path, record, seq, n, margin):
    # Record names like `22:20000001-21000000` place the sequence on the chromosome.
    chrom, offset = record, 0
    if ":" in record:
        chrom, span = record.rsplit(":", 1)
        offset = int(span.split("-")[0]) - 1
    state = 20261121
    positions = set()
    with open(path, "w") as f:
        f.write("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        while len(positions) < n:
            state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
            i = margin + (state >> 33) % (len(seq) - 2 * margin)
            ref = seq[i]
            if ref not in "ACGT" or i in positions:
                continue
            positions.add(i)
            alt = [b for b in "ACGT" if b != ref][(state >> 20) % 3]
            f.write(f"{chrom}\t{offset + i + 1}\tv{len(positions)}\t{ref}\t{alt}\t.\t.\t.\n")
    return chrom


def shipped(models):
    """Model folders with a manifest, by name; those reading two sequences are listed apart."""
    one, two = [], []
    for name in sorted(os.listdir(models)):
        path = os.path.join(models, name, "manifest.json")
        if os.path.exists(path):
            m = json.load(open(path))
            (one if len(m["inputs"]) == 1 else two).append((name, m))
    return one, two


def time_run(binary, model, vcf, reference, threads, out):
    if os.path.exists(out):
        os.remove(out)
    t0 = time.perf_counter()
    subprocess.run([binary, "score-variants", "--model", model, "--vcf", vcf, "--reference", reference,
                    "--threads", str(threads), "--rc-average", "false", "--out", out], check=True)
    seconds = time.perf_counter() - t0
    with open(out) as f:
        rows = [line.split("\t") for line in f][1:]
    return seconds, sum(1 for r in rows if r[-1].strip() == "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="models")
    ap.add_argument("--reference", required=True)
    ap.add_argument("--variants", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--regula-train", default="target/release/regula-train")
    ap.add_argument("--before", help="an earlier regula-train binary, run interleaved on --before-model")
    ap.add_argument("--before-label", default="before")
    ap.add_argument("--before-model", default="hepg2-mpra")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    record, seq = read_fasta(args.reference)
    one, two = shipped(args.models)
    result = {
        "variants": args.variants,
        "threads": args.threads,
        "strands": "forward only (--rc-average false)",
        "reference": os.path.basename(args.reference),
        "load_average_at_start": os.getloadavg(),
        "models": [],
        "not_scored": [{"model": n, "why": "reads a promoter and a distal partner (two sequences), while VCF variants on a reference are scored with one-sequence models"} for n, _ in two],
        "command": f"regula-train score-variants --model MODEL --vcf VCF --reference {args.reference} --threads {args.threads} --rc-average false --out scores.tsv",
    }
    with tempfile.TemporaryDirectory() as tmp:
        vcf = os.path.join(tmp, "variants.vcf")
        margin = max(m["inputs"][0]["length"] for _, m in one)
        write_vcf(vcf, record, seq, args.variants, margin)
        out = os.path.join(tmp, "scores.tsv")
        for name, manifest in one:
            model = os.path.join(args.models, name)
            row = {"model": name, "window": manifest["inputs"][0]["length"], "seconds": [], "load_average": []}
            before = args.before and name == args.before_model
            if before:
                row["before"] = {"label": args.before_label, "seconds": []}
            for run in range(args.runs):
                if before:
                    s, _ = time_run(args.before, model, vcf, args.reference, args.threads, out)
                    row["before"]["seconds"].append(round(s, 2))
                    print(f"{name} {args.before_label} run {run + 1}: {args.variants / s:,.0f} variants/s")
                s, scored = time_run(args.regula_train, model, vcf, args.reference, args.threads, out)
                row["seconds"].append(round(s, 2))
                row["load_average"].append(round(os.getloadavg()[0], 2))
                row["scored"] = scored
                print(f"{name} run {run + 1}: {args.variants} variants in {s:.1f} s ({args.variants / s:,.0f} variants/s); {scored} scored; load {os.getloadavg()[0]:.1f}")
            row["median_seconds"] = round(statistics.median(row["seconds"]), 2)
            row["variants_per_second"] = round(args.variants / row["median_seconds"], 1)
            if before:
                b = row["before"]
                b["median_seconds"] = round(statistics.median(b["seconds"]), 2)
                b["variants_per_second"] = round(args.variants / b["median_seconds"], 1)
                row["speedup_vs_before"] = round(b["median_seconds"] / row["median_seconds"], 2)
            result["models"].append(row)
    result.update(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load_average_at_end=os.getloadavg())
    write_json(args.out, result)


if __name__ == "__main__":
    main()
