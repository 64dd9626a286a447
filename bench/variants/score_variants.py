#!/usr/bin/env python3
"""Native scoring throughput: `regula-train score-variants` (ONNX Runtime, CPU) on N single-
nucleotide variants of a reference FASTA, variants/s (wall time of the whole command: reading
the genome and the VCF, one reference and one alternate window per variant, writing the TSV).

The variants are deterministic (an LCG): positions drawn uniformly from the record, away from
its ends, REF read from the genome (N positions skipped), ALT one of the three other bases.

    bench/variants/score_variants.py --model models/hepg2-mpra \
        --reference ../shared/data/genome/hg19_chr22_20-21Mb.fa --variants 100000 --runs 3 --out RESULT.json
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--reference", required=True)
    ap.add_argument("--variants", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--regula-train", default="target/release/regula-train")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    record, seq = read_fasta(args.reference)
    length = json.load(open(os.path.join(args.model, "manifest.json")))["inputs"][0]["length"]
    seconds, scored = [], None
    with tempfile.TemporaryDirectory() as tmp:
        vcf = os.path.join(tmp, "variants.vcf")
        write_vcf(vcf, record, seq, args.variants, length)
        out = os.path.join(tmp, "scores.tsv")
        for run in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run([args.regula_train, "score-variants", "--model", args.model, "--vcf", vcf, "--reference", args.reference,
                            "--threads", str(args.threads), "--out", out], check=True)
            seconds.append(time.perf_counter() - t0)
            with open(out) as f:
                rows = [line.split("\t") for line in f][1:]
            scored = sum(1 for r in rows if r[-1].strip() == "")
            print(f"run {run + 1}: {args.variants} variants in {seconds[-1]:.1f} s ({args.variants / seconds[-1]:,.0f} variants/s); {scored} scored")
    med = statistics.median(seconds)
    result = {
        "model": os.path.basename(os.path.normpath(args.model)),
        "window": length,
        "variants": args.variants,
        "scored": scored,
        "threads": args.threads,
        "strands": "forward only (no --rc-average)",
        "seconds": [round(s, 2) for s in seconds],
        "median_seconds": round(med, 2),
        "variants_per_second": round(args.variants / med, 1),
        "command": f"regula-train score-variants --model {args.model} --vcf VCF --reference {args.reference} --threads {args.threads}",
    }
    result.update(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load_average_at_end=os.getloadavg())
    write_json(args.out, result)


if __name__ == "__main__":
    main()
