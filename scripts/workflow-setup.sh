#!/usr/bin/env bash
# Snakemake for workflow/, in .cache/workflow-venv at the versions of workflow/requirements.txt
# (from PyPI); quick when it is already there. Prints the snakemake binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.cache/workflow-venv
stamp=$venv/.requirements
if [ -x "$venv/bin/snakemake" ] && cmp -s workflow/requirements.txt "$stamp"; then
  echo "$venv/bin/snakemake"
  exit 0
fi
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Snakemake 9 needs Python 3.11 or newer; this python3 is $(python3 --version 2>&1)" >&2; exit 1; }
echo "Installing Snakemake $(sed -n 's/^snakemake==//p' workflow/requirements.txt) into $venv (once, about 30 seconds)..." >&2
rm -rf "$venv"
# Debian's python3 makes virtual environments only with its python3-venv package.
if ! python3 -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r workflow/requirements.txt >&2
cp workflow/requirements.txt "$stamp"
echo "$venv/bin/snakemake"
