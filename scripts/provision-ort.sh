#!/usr/bin/env bash
# Puts the ONNX Runtime shared library from the official PyPI wheel into .cache/onnxruntime/
# (ort is built with `load-dynamic`, so nothing is downloaded at build time) and prints its path.
# Usage: scripts/provision-ort.sh [cpu|gpu]
set -euo pipefail
flavour=${1:-cpu}
version=1.31.1
root=$(cd "$(dirname "$0")/.." && pwd)
case "$flavour" in
  cpu) package=onnxruntime ;;
  gpu) package=onnxruntime-gpu ;;
  *) echo "provision-ort: unknown flavour '$flavour' (expected cpu or gpu)" >&2; exit 2 ;;
esac
dest="$root/.cache/onnxruntime/$flavour-$version"
lib="$dest/libonnxruntime.so"
if [ ! -f "$lib" ]; then
  python3 -m pip --version >/dev/null 2>&1 || { echo "provision-ort: python3 with pip is needed to fetch the $package wheel" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "provision-ort: fetching $package==$version from PyPI" >&2
  python3 -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
    --python-version 3.11 -d "$tmp" "$package==$version" >&2
  mkdir -p "$tmp/x" "$dest"
  python3 - "$tmp" <<'PY'
import sys, zipfile, glob, os
tmp = sys.argv[1]
wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if "/capi/libonnxruntime" in name and ".so" in name:
            z.extract(name, os.path.join(tmp, "x"))
PY
  for f in "$tmp"/x/onnxruntime/capi/libonnxruntime*; do
    base=$(basename "$f")
    case "$base" in
      libonnxruntime.so.*) cp "$f" "$dest/libonnxruntime.so" ;;
      *) cp "$f" "$dest/$base" ;;
    esac
  done
  ln -sf libonnxruntime.so "$dest/libonnxruntime.so.1"
fi
echo "$lib"
