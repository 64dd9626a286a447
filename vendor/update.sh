#!/usr/bin/env bash
# Re-creates vendor/tract-data, vendor/tract-core, vendor/tract-onnx and vendor/tract-nnef, the
# tract crates that the root Cargo.toml patches ([patch.crates-io]) to shrink the wasm package:
# each is the crates.io release, unpacked from its .crate file (cargo's download cache, or fetched
# from static.crates.io) after checking the file's SHA-256 (the checksum crates.io published,
# which Cargo.lock held before the patch), keeping Cargo.toml, the licences, src/ (and
# tract-nnef's stdlib.nnef), then applying vendor/CRATE.patch. What the patches change and why:
# vendor/README.md.
#
#   vendor/update.sh           # rewrite the four directories
#   vendor/update.sh --check   # exit 1 if they differ from crates.io + the patches
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=0.23.9
declare -A sha256=(
  [tract-data]=27082b8906ef417d17a7da29beb6d9b42fdf5bb22bd83b7007f43039747a5121
  [tract-core]=bb76580817f14ceb9f054d3732c1d09575940e88fa5bbfc85c3eae34482bb089
  [tract-onnx]=43727ce75fcd18908927e6e1b47d043fe5606d8b85c8ea6aa36481406d37b24a
  [tract-nnef]=3bdfc2f17d10eaf04d27f7a2d7b45e3dc41ffd0bc6c1e48d87636d7e960d441d
)
check=0
[ "${1:-}" = --check ] && check=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for crate in tract-data tract-core tract-onnx tract-nnef; do
  file="$crate-$version.crate"
  cached=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$file" 2>/dev/null | head -1 || true)
  if [ -n "$cached" ]; then
    cp "$cached" "$tmp/$file"
  else
    curl -sSfL "https://static.crates.io/crates/$crate/$file" -o "$tmp/$file"
  fi
  echo "${sha256[$crate]}  $tmp/$file" | sha256sum -c --quiet - || {
    echo "vendor/update.sh: $file does not have the SHA-256 crates.io published" >&2
    exit 1
  }
  tar -xzf "$tmp/$file" -C "$tmp"
  out="$tmp/out/$crate"
  mkdir -p "$out"
  for f in Cargo.toml LICENSE LICENSE-APACHE LICENSE-MIT src stdlib.nnef; do
    [ -e "$tmp/$crate-$version/$f" ] && cp -r "$tmp/$crate-$version/$f" "$out/"
  done
  (cd "$out" && patch -s -p1 --no-backup-if-mismatch < "$root/vendor/$crate.patch")
  if [ "$check" = 1 ]; then
    if ! diff -r "$out" "$root/vendor/$crate" >/dev/null; then
      echo "vendor/$crate differs from $crate $version + vendor/$crate.patch (vendor/update.sh rewrites it)" >&2
      status=1
    fi
  else
    rm -rf "${root:?}/vendor/$crate"
    cp -r "$out" "$root/vendor/$crate"
    echo "vendor/$crate: $crate $version + vendor/$crate.patch"
  fi
done
exit $status
