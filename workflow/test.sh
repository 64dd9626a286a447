#!/usr/bin/env bash
# The workflow's test (`./just test-workflow`, part of `./just test`): the mixed test VCF on the
# 20 kb chr22 slice, cut into 5 kb shards and scored with --cores 2 by Snakemake, merged, must
# equal one unsharded `score-variants` run record for record (header included), and the merged
# VCF's index must answer a region query as the records say.
#   workflow/test.sh SNAKEMAKE REGULA_TRAIN
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
snakemake=$(realpath "$1")
bin=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vcf=$root/tests/data/variants_mixed_hg19_chr22_20095001_20115000.vcf.gz
reference=$root/tests/data/hg19_chr22_20095001_20115000.fa.bgz
model=$root/models/hepg2-mpra

"$snakemake" -s "$root/workflow/Snakefile" --cores 2 --directory "$tmp" --quiet all \
  --config vcf="$vcf" reference="$reference" model="$model" out="$tmp/merged.vcf.gz" work="$tmp/work" \
    shard_size=5000 threads=1 regula_train="$bin" 2> "$tmp/snakemake.log" \
  || { cat "$tmp/snakemake.log"; exit 1; }
"$bin" score-variants --model "$model" --vcf "$vcf" --reference "$reference" --threads 1 --out "$tmp/one.vcf.gz" 2> /dev/null
"$bin" score-variants --model "$model" --vcf "$tmp/merged.vcf.gz" --reference "$reference" --threads 1 \
  --region chr22:20100001-20105000 --out "$tmp/region.vcf" 2> /dev/null

python3 - "$tmp" <<'PY'
import gzip, os, sys
tmp = sys.argv[1]
read = lambda p: (gzip.open if p.endswith(".gz") else open)(os.path.join(tmp, p), "rt").read().splitlines()
merged, one, region = read("merged.vcf.gz"), read("one.vcf.gz"), read("region.vcf")
shards = len([f for f in os.listdir(os.path.join(tmp, "work", "scored")) if f.endswith(".vcf.gz")])
records = [l for l in merged if not l.startswith("#")]
failures = []
if shards < 2:
    failures.append(f"{shards} shard: the test needs several")
if not os.path.exists(os.path.join(tmp, "merged.vcf.gz.tbi")):
    failures.append("the merged VCF has no .tbi")
if merged != one:
    diff = next((i for i, (a, b) in enumerate(zip(merged, one)) if a != b), min(len(merged), len(one)))
    failures.append(f"merged and unsharded differ at line {diff + 1} ({len(merged)} vs {len(one)} lines)")
want = [l for l in records if 20100001 <= int(l.split("\t")[1]) <= 20105000]
if [l for l in region if not l.startswith("#")] != want or not want:
    failures.append("the region read through the merged VCF's index differs from its records")
for f in failures:
    print(f"workflow test: {f}")
print(f"workflow: {len(records)} records in {shards} shards merged equal one run")
print(f"workflow: {1 - bool(failures)} passed, {int(bool(failures))} failed")
sys.exit(bool(failures))
PY
