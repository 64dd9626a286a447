#!/usr/bin/env python3
"""`just bench-variants-1m`: score-variants on a million SNVs against a whole-chromosome-sized
reference, into an annotated, bgzipped, indexed VCF, for memory and speed (issues 15 and 17).

    python3 bench/variants_1m.py make DIR N     # DIR/chr22x50.fa (50 Mb) and DIR/variants.vcf (N SNVs)
    python3 bench/variants_1m.py report DIR N   # DIR/time.txt (/usr/bin/time -v), DIR/scores.vcf.gz
                                                #   -> bench/results/variants_1m.json (bench/render.py renders it)

The reference is the 1 Mb hg19 chr22 slice of ../shared/data/genome repeated 50 times as one
record `chr22` (60-base lines, no index: the CLI indexes it in one streaming pass). The SNVs are
evenly spaced from base 1,001 to 1,000 before the end, REF read from the reference, ALT the next
letter of ACGT (A for N), sorted as a VCF usually is.
"""
import gzip
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SLICE = os.path.join(HERE, "..", "..", "shared", "data", "genome", "hg19_chr22_20-21Mb.fa")
REPEATS = 50


def make(out, n):
    os.makedirs(out, exist_ok=True)
    piece = "".join(l.strip() for l in open(SLICE) if not l.startswith(">")).upper()
    chrom = piece * REPEATS
    with open(os.path.join(out, "chr22x50.fa"), "w") as f:
        f.write(">chr22 hg19 chr22:20,000,001-21,000,000 repeated 50 times\n")
        for i in range(0, len(chrom), 60):
            f.write(chrom[i : i + 60] + "\n")
    first, last = 1001, len(chrom) - 1000
    step = (last - first) / (n - 1)
    with open(os.path.join(out, "variants.vcf"), "w") as f:
        f.write("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for i in range(n):
            pos = first + int(i * step)
            ref = chrom[pos - 1]
            alt = "ACGT"[("ACGT".index(ref) + 1) % 4] if ref in "ACGT" else "A"
            f.write(f"chr22\t{pos}\tv{i + 1}\t{ref}\t{alt}\t.\t.\t.\n")
    print(f"{out}/chr22x50.fa: {len(chrom):,} bp; {out}/variants.vcf: {n:,} SNVs")
    json.dump(os.getloadavg(), open(os.path.join(out, "load_start.json"), "w"))


def report(out, n):
    text = open(os.path.join(out, "time.txt")).read()
    field = lambda name: re.search(rf"{re.escape(name)}: (.+)", text).group(1).strip()
    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    peak_mb = int(field("Maximum resident set size (kbytes)")) / 1024
    records = unscored = 0
    with gzip.open(os.path.join(out, "scores.vcf.gz"), "rt") as f:
        for line in f:
            if not line.startswith("#"):
                records += 1
                unscored += "_unscored=" in line
    machine = os.popen("nproc").read().strip()
    path = os.path.join(HERE, "results", "variants_1m.json")
    previous = json.load(open(path)) if os.path.exists(path) else None
    if previous:
        previous.pop("previous", None)
    result = {
        "variants": n,
        "output": "annotated VCF, bgzipped, with its tabix index",
        "records": records,
        "records_unscored": unscored,
        "threads": 2,
        "seconds": round(seconds, 1),
        "variants_per_second": round(n / seconds, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "user_seconds": float(field("User time (seconds)")),
        "cpu_percent": int(field("Percent of CPU this job got").rstrip("%")),
        "cores": int(machine),
        "load_average_at_start": json.load(open(os.path.join(out, "load_start.json"))),
        "load_average_at_end": os.getloadavg(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "previous": previous,
    }
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    json.dump(result, open(path, "w"), indent=1)
    print(json.dumps(result))


if __name__ == "__main__":
    {"make": make, "report": report}[sys.argv[1]](sys.argv[2], int(sys.argv[3]))
