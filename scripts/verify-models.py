#!/usr/bin/env python3
"""Checks every shipped model against issue 7's acceptance, with the data in ../shared:
- `regula-train evaluate` re-derives the validation split from the model's config.toml and
  reproduces the metrics in its manifest.json (to 1e-6);
- model.onnx and model.attribution.onnx are at most 5 MB each;
- the card names data and licence, split, architecture, parameters, training time and machine,
  validation metrics and known limits.
Exit status 1 if any model fails. Run by `just verify-models`.
"""
import json
import os
import subprocess
import sys

MAX_BYTES = 5_000_000
CARD_NEEDS = ["| data |", "licence", "| split |", "| architecture |", "| parameters |", "| training time |", "## Metrics", "## Known limits"]


def close(a, b, tol=1e-6):
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(close(a[k], b[k], tol) for k in a)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= tol * max(1.0, abs(a), abs(b))
    return a == b


def main():
    binary = os.environ.get("REGULA_TRAIN", "target/release/regula-train")
    failed = False
    for name in sorted(os.listdir("models")):
        d = os.path.join("models", name)
        if not os.path.isfile(os.path.join(d, "manifest.json")):
            continue
        problems = []
        manifest = json.load(open(os.path.join(d, "manifest.json")))
        if os.path.isfile(os.path.join(d, "prepare.py")):
            subprocess.run([sys.executable, os.path.join(d, "prepare.py")], check=True, stdout=subprocess.DEVNULL)
        run = subprocess.run([binary, "evaluate", "--model", d], capture_output=True, text=True)
        if run.returncode != 0:
            problems.append(f"evaluate failed: {run.stderr.strip()}")
        elif not close(json.loads(run.stdout), manifest["metrics"]):
            problems.append(f"evaluate gives {run.stdout.strip()}, the manifest says {json.dumps(manifest['metrics'])}")
        for f in [manifest["model_file"]] + [g["file"] for g in manifest.get("graphs", {}).values()]:
            size = os.path.getsize(os.path.join(d, f))
            if size > MAX_BYTES:
                problems.append(f"{f} is {size:,} bytes (limit {MAX_BYTES:,})")
        card = open(os.path.join(d, "MODEL_CARD.md")).read()
        problems += [f"MODEL_CARD.md lacks '{n}'" for n in CARD_NEEDS if n not in card]
        sizes = ", ".join(f"{f} {os.path.getsize(os.path.join(d, f)) / 1e6:.2f} MB" for f in os.listdir(d) if f.endswith(".onnx"))
        if problems:
            failed = True
            print(f"{name}: FAILED\n  " + "\n  ".join(problems))
        else:
            val = manifest["metrics"].get("validation", {}).get("per_target", {}).get("overall", {})
            print(f"{name}: ok — evaluate reproduces the manifest ({', '.join(f'{k} {v:.4f}' for k, v in sorted(val.items()))}); {sizes}; card complete")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
