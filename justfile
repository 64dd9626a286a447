# Regula's tasks. Run through ./just on a fresh machine: it installs `just` first.
set shell := ["bash", "-euo", "pipefail", "-c"]

export ORT_DYLIB_PATH := justfile_directory() / ".cache/onnxruntime/cpu-1.31.1/libonnxruntime.so"
wasm_bindgen_version := `grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p'`
port := env_var_or_default("REGULA_PORT", "8080")
wasm_pack_version := "0.15.1"

# List the recipes.
default:
    @just --list

# Set up what is missing, build the browser app and serve it on localhost.
serve: setup-web web
    @scripts/check-models.sh
    @[ ! -f web/dist/regula.html ] || echo "Single-file build (save it, open it from disk): web/dist/regula.html"
    @echo "Serving web/ on http://localhost:{{port}}/ (Ctrl-C to stop)"
    if command -v node >/dev/null; then node web/tests/server.mjs web {{port}}; else cd web && python3 -m http.server {{port}} --bind 127.0.0.1; fi

# Run every test: Rust (native), the wasm crate in Node, the web app in headless Chromium, the npm package, the Snakemake workflow.
test: test-rust test-node test-web test-package test-workflow
    @echo "All test suites passed."

# The patched tract crates in vendor/ are crates.io's plus their patches, and tract-linalg's own tests of its wasm GEMM kernels pass on the patched copy (in Node's WASI); formatting (rustfmt.toml) and clippy, then Rust unit and integration tests of every crate, and the core crate's wasm32 build.
test-rust: setup-test
    vendor/update.sh --check
    vendor/test-wasm-kernels.sh
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings
    cargo test --workspace --all-targets
    cargo build -p regula-core --target wasm32-unknown-unknown

# The wasm crate's tests compiled to wasm32 and run in Node (wasm-bindgen-test).
test-node: setup-test
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p regula-wasm --target wasm32-unknown-unknown --test node

# What the tests need: the ONNX Runtime library, the wasm32 target, wasm-bindgen-cli, wasm-pack.
setup-test: ort wasm-target wasm-bindgen-cli wasm-pack

# What the web app needs: the wasm32 target, wasm-bindgen at the Cargo.lock version, wasm-pack.
setup-web: wasm-target wasm-bindgen-cli wasm-pack

# ONNX Runtime shared library from the official PyPI wheel (ort loads it at run time).
ort:
    @scripts/provision-ort.sh cpu >/dev/null

# Same, with the CUDA provider (onnxruntime-gpu wheel, 255 MB).
ort-gpu:
    @scripts/provision-ort.sh gpu

wasm-target:
    @rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# Its own lockfile pins a since-yanked crate, so an unlocked install of the same version is the fallback.
# wasm-bindgen-cli at exactly the wasm-bindgen version of Cargo.lock.
wasm-bindgen-cli:
    @if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen {{wasm_bindgen_version}}" ]; then \
        echo "Installing wasm-bindgen-cli {{wasm_bindgen_version}} (once, about 5 minutes)..."; \
        cargo install --locked --quiet wasm-bindgen-cli --version {{wasm_bindgen_version}} \
          || cargo install --quiet wasm-bindgen-cli --version {{wasm_bindgen_version}}; \
    fi

# wasm-pack from crates.io (builds the npm package; it runs the wasm-bindgen above and downloads nothing).
wasm-pack:
    @if [ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack {{wasm_pack_version}}" ]; then \
        echo "Installing wasm-pack {{wasm_pack_version}} (once, about 20 minutes on 2 cores)..."; \
        cargo install --locked --quiet wasm-pack --version {{wasm_pack_version}}; \
    fi

# The npm package (web/pkg, built by wasm-pack): `npm pack`, installed offline into a fresh Node project, predicts as native regula-train.
test-package: setup-test web
    cargo build --release -p regula-train
    node --test wasm/tests/package.test.mjs

# Build the web app: wasm package (SIMD, and relaxed SIMD beside it) into web/pkg, model index + copies of models/ into web/models, web/dist/regula.html.
web:
    scripts/build-web.sh

# Browser end-to-end tests (Debian's headless Chromium via playwright-core) against the native trainer's numbers.
test-web: setup-test setup-web web
    @[ -x /usr/bin/chromium ] || (apt-get update -qq && apt-get install -y -qq chromium)
    @[ -d web/tests/node_modules/playwright-core ] || (cd web/tests && npm ci --no-audit --no-fund --loglevel=error)
    cargo build --release -p regula-train
    cd web/tests && node --test --test-concurrency=1 e2e.test.mjs

# Snakemake (pinned in workflow/requirements.txt, from PyPI) in .cache/workflow-venv; quick when already there.
workflow-setup:
    @scripts/workflow-setup.sh >/dev/null

# The variant-scoring workflow (workflow/Snakefile, settings in workflow/config.yaml) with N cores; KEY=VALUE pairs override the config.
workflow cores="2" *config: ort workflow-setup
    cargo build --release -p regula-train
    bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/regula-train"; \
        .cache/workflow-venv/bin/snakemake -s workflow/Snakefile --cores {{cores}} --config regula_train="$bin" {{config}}

# The workflow on the chr22 test slice with --cores 2: the merged VCF equals one unsharded run, record for record (about a minute).
test-workflow: ort workflow-setup
    cargo build --release -p regula-train
    workflow/test.sh .cache/workflow-venv/bin/snakemake "$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/regula-train"

# Run each fuzz target for a while (needs cargo-fuzz; nightly features via RUSTC_BOOTSTRAP).
fuzz seconds="60":
    @command -v cargo-fuzz >/dev/null || cargo install --locked --quiet cargo-fuzz || cargo install --quiet cargo-fuzz
    cd core/fuzz && for t in $(RUSTC_BOOTSTRAP=1 cargo fuzz list); do \
        mkdir -p "corpus/$t" "corpus-seed/$t"; printf '%-10s ' "$t"; \
        RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "corpus/$t" "corpus-seed/$t" -- -max_total_time={{seconds}} -rss_limit_mb=2048 2>&1 | grep -E '^(Done|#[0-9]+ +DONE)|ERROR|panicked' ; \
    done

# A model whose training table is derived from the data first has a prepare.py that writes it.
# Train a shipped model from its recipe, models/NAME/train.toml (reads ../shared/data; seeded).
train name: ort
    cargo build --release -p regula-train
    [ ! -f models/{{name}}/prepare.py ] || python3 models/{{name}}/prepare.py
    target/release/regula-train fit --config models/{{name}}/train.toml --force

# Zero-shot CAGI5 variant effects of an MPRA model, written into its card: the HepG2 elements (F9, LDLR, SORT1), and the others apart as a cross-cell-type test.
cagi5 name: ort
    cargo build --release -p regula-train
    python3 bench/cagi5/zero_shot.py --model models/{{name}} --cagi5 ../shared/data/cagi5 --out bench/results/cagi5-{{name}}.json --card models/{{name}}/MODEL_CARD.md

# The shipped HepG2 lentiMPRA CNN, distilled from models/hepg2-legnet (which must be there), and its CAGI5 evaluation (about 10 minutes).
train-hepg2-mpra: (train "hepg2-mpra") (cagi5 "hepg2-mpra")

# The HepG2 lentiMPRA LegNet (kernels 5 / 3; the teacher of hepg2-mpra) and its CAGI5 evaluation (about 25 minutes on 2 cores).
train-hepg2-legnet: (train "hepg2-legnet") (cagi5 "hepg2-legnet")

# hepg2-legnet's recipe without squeeze-excitation: as accurate, and its scans are incremental (about 21 minutes on 2 cores).
train-hepg2-legnet-fast: (train "hepg2-legnet-fast") (cagi5 "hepg2-legnet-fast")
    python3 bench/tried/tried.py bench/tried/hepg2.json --card models/hepg2-legnet-fast/MODEL_CARD.md

# hepg2-mpra is distilled from hepg2-legnet: both, in order.
train-hepg2: train-hepg2-legnet train-hepg2-mpra

# The WTC11 LegNet (the smaller published variant: kernels 5 / 3) and its CAGI5 evaluation (about 12 minutes on 2 quiet cores).
train-wtc11-legnet: (train "wtc11-legnet") (cagi5 "wtc11-legnet")

# The shipped WTC11 lentiMPRA CNN, distilled from models/wtc11-legnet (which must be there), and its CAGI5 evaluation (about 12 minutes).
train-wtc11-mpra: (train "wtc11-mpra") (cagi5 "wtc11-mpra")

# Two more teachers for wtc11-legnet-fast: wtc11-legnet's recipe with seeds 2 and 3 on its split, into target/wtc11-teachers/ (kept there; about 12 minutes each on 2 quiet cores).
wtc11-teachers: ort
    cargo build --release -p regula-train
    for s in 2 3; do \
        [ -f target/wtc11-teachers/seed$s/model.onnx ] || target/release/regula-train fit --config models/wtc11-legnet/train.toml \
            --seed $s --split-seed 1 --out target/wtc11-teachers/seed$s --name wtc11-s$s; \
    done

# wtc11-legnet's recipe without squeeze-excitation, distilled from three LegNets with it (wtc11-legnet and wtc11-teachers): its scans are incremental (about 50 minutes on 2 cores, 25 once the teachers are there).
train-wtc11-legnet-fast: wtc11-teachers (train "wtc11-legnet-fast") (cagi5 "wtc11-legnet-fast")
    python3 bench/tried/tried.py bench/tried/wtc11.json --card models/wtc11-legnet-fast/MODEL_CARD.md

# wtc11-legnet's recipe (with squeeze-excitation) distilled from the same three LegNets as wtc11-legnet-fast: the best validation number of the WTC11-only models (about 50 minutes on 2 cores, 25 once the teachers are there).
train-wtc11-legnet-student: wtc11-teachers (train "wtc11-legnet-student") (cagi5 "wtc11-legnet-student")
    python3 bench/tried/tried.py bench/tried/wtc11.json --card models/wtc11-legnet-student/MODEL_CARD.md

# wtc11-mpra is distilled from wtc11-legnet: both, in order.
train-wtc11: train-wtc11-legnet train-wtc11-mpra

# One LegNet for HepG2 and WTC11 (an output each, on the rows of both tables, built by its prepare.py; about an hour on 2 cores), its CAGI5 evaluation at the HepG2 output, and the comparison with the single-task LegNets.
train-lentimpra-joint: (train "lentimpra-joint")
    python3 bench/cagi5/zero_shot.py --model models/lentimpra-joint --target hepg2 --cagi5 ../shared/data/cagi5 \
        --out bench/results/cagi5-lentimpra-joint.json --card models/lentimpra-joint/MODEL_CARD.md
    {{just_executable()}} compare-joint

# lentimpra-joint's recipe without squeeze-excitation (joint validation Pearson 0.6660 against 0.6675): its scans are incremental (about 35 minutes on 2 cores); its CAGI5 evaluation at the HepG2 output and its numbers on the single-task models' rows (bench/results/joint-fast.json).
train-lentimpra-joint-fast: (train "lentimpra-joint-fast")
    python3 bench/cagi5/zero_shot.py --model models/lentimpra-joint-fast --target hepg2 --cagi5 ../shared/data/cagi5 \
        --out bench/results/cagi5-lentimpra-joint-fast.json --card models/lentimpra-joint-fast/MODEL_CARD.md
    python3 bench/joint/compare.py --joint models/lentimpra-joint-fast --out bench/results/joint-fast.json
    python3 bench/tried/tried.py bench/tried/hepg2.json bench/tried/wtc11.json --card models/lentimpra-joint-fast/MODEL_CARD.md

# The mean of lentimpra-joint-fast and its recipe trained with seed 2 (into target/joint-fast-s2, about 20 minutes on 2 cores), as one graph whose members share one pool, so its scans stay incremental (`regula-train ensemble`): the best joint validation Pearson (0.6715); its CAGI5 evaluation at the HepG2 output and its numbers on the single-task models' rows (bench/results/joint-fast-ensemble.json).
train-lentimpra-joint-fast-ensemble: ort
    cargo build --release -p regula-train
    python3 models/lentimpra-joint-fast/prepare.py
    [ -f target/joint-fast-s2/model.onnx ] || target/release/regula-train fit --config models/lentimpra-joint-fast/train.toml \
        --seed 2 --out target/joint-fast-s2 --name lentimpra-joint-fast-s2
    target/release/regula-train ensemble --member models/lentimpra-joint-fast --member target/joint-fast-s2 \
        --out models/lentimpra-joint-fast-ensemble --name lentimpra-joint-fast-ensemble --force
    cp models/lentimpra-joint-fast/prepare.py models/lentimpra-joint-fast-ensemble/
    python3 bench/cagi5/zero_shot.py --model models/lentimpra-joint-fast-ensemble --target hepg2 --cagi5 ../shared/data/cagi5 \
        --out bench/results/cagi5-lentimpra-joint-fast-ensemble.json --card models/lentimpra-joint-fast-ensemble/MODEL_CARD.md
    python3 bench/joint/compare.py --joint models/lentimpra-joint-fast-ensemble --out bench/results/joint-fast-ensemble.json
    python3 bench/tried/tried.py bench/tried/hepg2.json bench/tried/wtc11.json --card models/lentimpra-joint-fast-ensemble/MODEL_CARD.md

# The joint HepG2 + WTC11 model against each single-task LegNet on that model's own validation and test rows, per row class; its row in the HepG2 and WTC11 cards' What was tried.
compare-joint: ort
    cargo build --release -p regula-train
    python3 bench/joint/compare.py --joint models/lentimpra-joint --out bench/results/joint.json --tried bench/tried
    python3 bench/tried/tried.py bench/tried/hepg2.json --card models/hepg2-legnet/MODEL_CARD.md --card models/hepg2-mpra/MODEL_CARD.md --card models/hepg2-legnet-fast/MODEL_CARD.md
    python3 bench/tried/tried.py bench/tried/wtc11.json --card models/wtc11-legnet/MODEL_CARD.md --card models/wtc11-mpra/MODEL_CARD.md --card models/wtc11-legnet-fast/MODEL_CARD.md --card models/wtc11-legnet-student/MODEL_CARD.md
    python3 bench/tried/tried.py bench/tried/hepg2.json bench/tried/wtc11.json --card models/lentimpra-joint/MODEL_CARD.md --card models/lentimpra-joint-fast/MODEL_CARD.md
    python3 bench/render.py bench/results > BENCHMARKS.md.tmp && mv BENCHMARKS.md.tmp BENCHMARKS.md

# The shipped TATA promoter classifier (GUE prom_300_tata): LegNet 5 / 3, about 16 minutes.
train-promoter-tata: (train "promoter-tata")
    python3 bench/tried/tried.py bench/tried/tata.json --card models/promoter-tata/MODEL_CARD.md

# promoter-tata's recipe without squeeze-excitation: as accurate on the validation rows, and its scans are incremental (about 16 minutes).
train-promoter-tata-fast: (train "promoter-tata-fast")
    python3 bench/tried/tried.py bench/tried/tata.json --card models/promoter-tata-fast/MODEL_CARD.md

# The shipped two-branch (promoter + distal) demonstration model, on constructed lentiMPRA pairs.
train-dual-branch-demo: (train "dual-branch-demo")
    python3 models/dual-branch-demo/ablation.py

# Every shipped model: evaluate reproduces its manifest's metrics (needs ../shared), files ≤ 5 MB, card complete.
verify-models: ort
    cargo build --release -p regula-train
    python3 scripts/verify-models.py

# Parts: browser training reference variants workflow ism package browser-genome (default: all; about an hour). Not run by CI.
# Benchmarks against the peers (PyTorch, onnxruntime-web) on this machine; rewrites BENCHMARKS.md.
bench *parts: ort setup-web
    bench/run.sh {{parts}}

# On a machine with an NVIDIA GPU (≤ 8 minutes): legnet trained 50 steps on CPU and CUDA from the
# same weights (final losses within 1e-3), and ORT CUDA vs PyTorch CUDA training throughput.
gpu-check:
    bench/training/gpu_check.sh

# score-variants on N SNVs (default a million) against a 50 Mb chromosome built from ../shared's chr22 slice, into an
# annotated, bgzipped, indexed VCF: peak memory (target ≤ 300 MB) and variants/s, rendered into BENCHMARKS.md. Minutes on 2 cores.
bench-variants-1m n="1000000": ort
    cargo build --release -p regula-train
    python3 bench/variants_1m.py make target/bench-variants-1m {{n}}
    bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/regula-train"; \
        /usr/bin/time -v "$bin" score-variants --model models/hepg2-mpra --reference target/bench-variants-1m/chr22x50.fa \
        --vcf target/bench-variants-1m/variants.vcf --threads 2 --out target/bench-variants-1m/scores.vcf.gz --force 2> target/bench-variants-1m/time.txt \
        || { cat target/bench-variants-1m/time.txt; exit 1; }
    python3 bench/variants_1m.py report target/bench-variants-1m {{n}}
    python3 bench/render.py bench/results > BENCHMARKS.md.tmp && mv BENCHMARKS.md.tmp BENCHMARKS.md
