#!/usr/bin/env bash
# `just bench [PART...]`: Regula against the tools a user would otherwise pick, on this machine,
# then BENCHMARKS.md rendered from the raw results in bench/results/*.json. Parts (default: all):
#   browser    tract-wasm vs onnxruntime-web in headless Chromium: inference per shipped model,
#              saturation mutagenesis, attributions, cold start, package size
#   training   reference-CNN training throughput, regula-train (ORT CPU) vs PyTorch CPU
#   reference  each shipped model vs a PyTorch twin trained on the same split: validation metrics
#              and training throughput (the PyTorch models train to the end: the longest part)
#   variants   native score-variants throughput on 100,000 variants, every shipped model (and vs
#              BENCH_VARIANTS_BEFORE, an earlier regula-train binary, if set)
#   workflow   the Snakemake workflow with 1 and 2 cores vs one unsharded run, 1,000,000 and 100,000 variants
#   ism        native saturation mutagenesis of 1 kb (reference CNN): fast path vs one forward pass
#              per substitution (and vs BENCH_ISM_BEFORE, an earlier regula-train binary, if set)
#   package    the npm package (wasm-pack) per cargo profile, release and wasm-release: raw and gzip
#              sizes of the wasm with and without its name section, and of the npm tarball
#   browser-genome  the web app's genome variants: 10,000 SNVs against 1 Mb and 100 Mb references
#              (plain and bgzip) picked from disk, variants/s and memory, in headless Chromium
# Not run by CI. Set BENCH_PYTHON to a Python with torch to skip installing PyTorch, and
# BENCH_MODELS="a b" to run the reference part for those shipped models only.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
parts=${*:-browser training reference variants workflow ism package browser-genome}
python=$(bench/setup.sh)
results=bench/results
work=target/bench
mkdir -p "$results" "$work"
cargo build --release -q -p regula-train
bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/regula-train"
threads=2
python3 bench/machine.py $parts > "$results/machine.json"

for part in $parts; do
  echo "== $part"
  case $part in
    browser)
      RELAXED=1 wasm/build.sh "$work/pkg"
      node bench/browser/run.mjs --pkg "$work/pkg" --models models --out "$results/browser.json"
      ;;
    training)
      "$python" bench/training/throughput.py --python "$python" --threads "$threads" --rounds 3 --out "$results/training.json"
      ;;
    reference)
      keep_heap=(MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1000000000000)
      dirs=(models/*/)
      if [ -n "${BENCH_MODELS:-}" ]; then dirs=(); for m in $BENCH_MODELS; do dirs+=("models/$m/"); done; fi
      for dir in "${dirs[@]}"; do
        name=$(basename "$dir")
        [ ! -f "$dir/prepare.py" ] || python3 "$dir/prepare.py"
        target/release/regula-train split --config "$dir/train.toml" --to "$work/$name.split.tsv"
        # Regula's throughput on the same recipe (two epochs; its metrics are the shipped model's).
        # glibc's malloc kept from returning freed memory, for both (bench/training/throughput.py says why).
        env "${keep_heap[@]}" target/release/regula-train fit --config "$dir/train.toml" --epochs 2 --threads "$threads" --out "$work/regula-$name" --force --quiet >/dev/null
        cp "$work/regula-$name/report.json" "$results/regula-$name.report.json"
        env "${keep_heap[@]}" OMP_WAIT_POLICY=PASSIVE "$python" bench/reference/reference.py --model "$dir" --split "$work/$name.split.tsv" \
          --threads "$threads" --out "$results/reference-$name.json"
      done
      ;;
    variants)
      python3 bench/variants/score_variants.py --models models --reference ../shared/data/genome/hg19_chr22_20-21Mb.fa \
        --variants 100000 --runs 3 --threads "$threads" --regula-train "$bin" \
        ${BENCH_VARIANTS_BEFORE:+--before "$BENCH_VARIANTS_BEFORE" --before-label "${BENCH_VARIANTS_BEFORE_LABEL:-earlier binary}"} \
        --out "$results/variants.json"
      ;;
    workflow)
      snakemake=$(scripts/workflow-setup.sh)
      # 1,000,000 variants in 40 shards (about 16 minutes; more shards than cores, so the last round
      # waits for little) and 100,000 in 10
      for size in 1000000:25000 100000:10000; do
        n=${size%%:*}
        python3 bench/workflow/run.py --snakemake "$snakemake" --regula-train "$bin" \
          --reference ../shared/data/genome/hg19_chr22_20-21Mb.fa --variants "$n" --shard-records "${size##*:}" --runs 2 \
          --out "$results/workflow$([ "$n" = 1000000 ] || echo -100k).json"
      done
      ;;
    ism)
      python3 bench/ism/native_ism.py --binary target/release/regula-train --threads "$threads" --runs 3 \
        ${BENCH_ISM_BEFORE:+--before "$BENCH_ISM_BEFORE" --before-label "${BENCH_ISM_BEFORE_LABEL:-earlier binary}"} \
        --out "$results/ism-native.json"
      ;;
    package)
      node bench/package/sizes.mjs --work "$work" --out "$results/package.json"
      ;;
    browser-genome)
      scripts/build-web.sh
      node bench/browser/genome.mjs --out "$results/browser-genome.json"
      ;;
    *) echo "unknown part '$part' (browser, training, reference, variants, workflow, ism, package, browser-genome)" >&2; exit 2 ;;
  esac
done
python3 bench/render.py "$results" > BENCHMARKS.md.tmp && mv BENCHMARKS.md.tmp BENCHMARKS.md
echo "BENCHMARKS.md written from $results/."
