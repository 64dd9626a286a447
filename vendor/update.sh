#!/usr/bin/env bash
# Re-creates vendor/tract-data, vendor/tract-core, vendor/tract-onnx, vendor/tract-nnef and
# vendor/tract-linalg, the tract crates that the root Cargo.toml patches ([patch.crates-io]) to
# shrink the wasm package and speed it up:
# each is the crates.io release, unpacked from its .crate file (cargo's download cache, or fetched
# from static.crates.io) after checking the file's SHA-256 (the checksum crates.io published,
# which Cargo.lock held before the patch), keeping Cargo.toml, the licences, src/ (and
# tract-nnef's stdlib.nnef; tract-linalg's build.rs and the assembly templates it reads), then
# applying vendor/CRATE.patch. What the patches change and why:
# vendor/README.md.
#
#   vendor/update.sh           # rewrite the five directories
#   vendor/update.sh --check   # exit 1 if they differ from crates.io + the patches
#   vendor/update.sh --released CRATE DIR   # only unpack the checked release of CRATE into DIR/CRATE-VERSION
#   vendor/update.sh --write-patch CRATE    # after editing vendor/CRATE: rewrite vendor/CRATE.patch
#                                           # as the diff from the release to it
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=0.23.9
declare -A sha256=(
  [tract-data]=27082b8906ef417d17a7da29beb6d9b42fdf5bb22bd83b7007f43039747a5121
  [tract-core]=bb76580817f14ceb9f054d3732c1d09575940e88fa5bbfc85c3eae34482bb089
  [tract-onnx]=43727ce75fcd18908927e6e1b47d043fe5606d8b85c8ea6aa36481406d37b24a
  [tract-nnef]=3bdfc2f17d10eaf04d27f7a2d7b45e3dc41ffd0bc6c1e48d87636d7e960d441d
  [tract-linalg]=ca57ed3a2f6293e7866c6ceed7c6ca3413b4e083a892a00a79f5e9b607154982
)
# Unpacks crate $1's release into $2/$1-$version, after checking its SHA-256.
unpack() {
  local crate=$1 dir=$2 file="$1-$version.crate" cached
  cached=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$file" 2>/dev/null | head -1 || true)
  if [ -n "$cached" ]; then
    cp "$cached" "$dir/$file"
  else
    curl -sSfL "https://static.crates.io/crates/$crate/$file" -o "$dir/$file"
  fi
  echo "${sha256[$crate]}  $dir/$file" | sha256sum -c --quiet - || {
    echo "vendor/update.sh: $file does not have the SHA-256 crates.io published" >&2
    exit 1
  }
  tar -xzf "$dir/$file" -C "$dir"
  rm "$dir/$file"
}
# The files of a crate that vendor/ keeps, copied from directory $1 into $2.
keep() {
  for f in Cargo.toml LICENSE LICENSE-APACHE LICENSE-MIT src stdlib.nnef build.rs arm32 arm64 x86_64 riscv64; do
    [ -e "$1/$f" ] && cp -r "$1/$f" "$2/"
  done
  return 0
}
if [ "${1:-}" = --released ]; then
  unpack "$2" "$3"
  exit 0
fi
if [ "${1:-}" = --write-patch ]; then
  crate=$2
  [ -n "${sha256[$crate]:-}" ] || { echo "vendor/update.sh: no crate '$crate' in vendor/" >&2; exit 2; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  unpack "$crate" "$tmp"
  mkdir "$tmp/diff"
  keep "$tmp/$crate-$version" "$tmp/diff"
  # git's diff format, as the patches were made: a repository holding the release, then vendor/'s copy.
  (cd "$tmp/diff" && git init -q && git add -A && git -c user.name=vendor -c user.email=vendor@localhost commit -qm release \
    && find . -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} + && cp -r "$root/vendor/$crate/." . \
    && git add -A && git diff --cached) > "$root/vendor/$crate.patch"
  echo "vendor/$crate.patch: $crate $version → vendor/$crate"
  exit 0
fi
check=0
[ "${1:-}" = --check ] && check=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for crate in tract-data tract-core tract-onnx tract-nnef tract-linalg; do
  unpack "$crate" "$tmp"
  out="$tmp/out/$crate"
  mkdir -p "$out"
  keep "$tmp/$crate-$version" "$out"
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
