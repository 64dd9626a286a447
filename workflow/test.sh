#!/usr/bin/env bash
# The workflow's test (`./just test-workflow`, part of `./just test`): the mixed test VCF on the
# 20 kb chr22 slice, cut into 5 kb shards, and again into shards of 40 records, and scored with
# --cores 2 by Snakemake, merged, must equal one unsharded `score-variants` run record for record
# (header included), and the merged VCF's index must answer a region query as the records say.
# Then its first 6 records one per shard: the first shard's only record cannot be scored (its
# window runs off the slice), which must not fail the workflow.
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

# workflow DIR VCF KEY=VALUE...: the Snakefile with --cores 2 on VCF, its output and shards in DIR
workflow() {
  local dir=$1 input=$2
  shift 2
  mkdir -p "$dir"
  "$snakemake" -s "$root/workflow/Snakefile" --cores 2 --directory "$dir" --quiet all \
    --config vcf="$input" reference="$reference" model="$model" out="$dir/merged.vcf.gz" work="$dir/work" \
      "$@" threads=1 regula_train="$bin" 2> "$dir/snakemake.log" \
    || { cat "$dir/snakemake.log"; return 1; }
}

"$bin" score-variants --model "$model" --vcf "$vcf" --reference "$reference" --threads 1 --out "$tmp/one.vcf.gz" 2> /dev/null
status=0
for shards in "shard_size=5000 shard_records=0" "shard_size=0 shard_records=40"; do
  run=$tmp/${shards// /_}
  # shellcheck disable=SC2086 # two KEY=VALUE words
  workflow "$run" "$vcf" $shards || exit 1
  "$bin" score-variants --model "$model" --vcf "$run/merged.vcf.gz" --reference "$reference" --threads 1 \
    --region chr22:20100001-20105000 --out "$run/region.vcf" 2> /dev/null
  cp "$tmp/one.vcf.gz" "$run/one.vcf.gz"
  echo "workflow ($shards):"
  python3 - "$run" <<'PY' || status=1
import gzip, os, sys
tmp = sys.argv[1]
read = lambda p: (gzip.open if p.endswith(".gz") else open)(os.path.join(tmp, p), "rt").read().splitlines()
merged, one, region = read("merged.vcf.gz"), read("one.vcf.gz"), read("region.vcf")
shards = len([f for f in os.listdir(os.path.join(tmp, "work", "scored")) if f.endswith(".vcf.gz")])
records = [l for l in merged if not l.startswith("#")]
failures = []
if shards < 2:
    failures.append(f"{shards} shard: the test needs several")
logs = [os.path.join(tmp, "work", "logs", f"{i:05d}.log") for i in range(shards)]
untimed = [os.path.basename(p) for p in logs if not os.path.exists(p) or "shard time: " not in open(p).read()]
if untimed:
    failures.append(f"shard logs without their time: {', '.join(untimed)}")
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
print(f"workflow: {len(records)} records in {shards} shards" + ("" if failures else " merged equal one run"))
print(f"workflow: {1 - bool(failures)} passed, {int(bool(failures))} failed")
sys.exit(bool(failures))
PY
done

# a shard of which nothing can be scored (score-variants exits 3) is a shard like any other
first6=$tmp/first6
mkdir -p "$first6"
python3 -c 'import gzip, sys
lines = gzip.open(sys.argv[1], "rt").read().splitlines(True)
head = [l for l in lines if l.startswith("#")]
sys.stdout.write("".join(head + [l for l in lines if not l.startswith("#")][:6]))' "$vcf" > "$first6/first6.vcf"
workflow "$first6" "$first6/first6.vcf" shard_size=0 shard_records=1 \
  || { echo "workflow test: a shard with nothing to score failed the workflow"; exit 1; }
"$bin" score-variants --model "$model" --vcf "$first6/first6.vcf" --reference "$reference" --threads 1 \
  --out "$first6/one.vcf.gz" 2> /dev/null
if [ "$(zcat "$first6/merged.vcf.gz")" = "$(zcat "$first6/one.vcf.gz")" ] && zcat "$first6/merged.vcf.gz" | grep -v '^#' | head -1 | grep -q '_unscored='; then
  echo "workflow (6 shards of 1 record, the first unscorable): merged equal one run"
else
  echo "workflow test: 6 shards of 1 record: the merged VCF differs from one run, or its first record is scored"
  status=1
fi
exit $status
