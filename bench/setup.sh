#!/usr/bin/env bash
# Installs the peers `just bench` compares against, once, into .cache/ and bench/browser/:
# PyTorch (CPU use; the PyPI wheel, about 5 GB with its CUDA libraries) in a virtual environment,
# onnxruntime-web and playwright-core from npm, Debian's chromium. Prints the Python to use.
# BENCH_PYTHON=/path/to/python (with torch) skips the PyTorch install.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
torch_version=2.15.0
if [ -z "${BENCH_PYTHON:-}" ]; then
  venv=.cache/bench-venv
  if ! "$venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
    echo "Installing PyTorch $torch_version from PyPI into $venv (once; about 5 GB)..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "torch==$torch_version" numpy >&2
  fi
  BENCH_PYTHON=$root/$venv/bin/python
fi
[ -x /usr/bin/chromium ] || (apt-get update -qq && apt-get install -y -qq chromium) >&2
[ -d bench/browser/node_modules/onnxruntime-web ] || (cd bench/browser && npm ci --no-audit --no-fund --loglevel=error) >&2
echo "$BENCH_PYTHON"
