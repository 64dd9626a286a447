#!/usr/bin/env python3
"""What an ensemble adds and what it costs (issue 13): the test metrics of each member and of
their mean (`regula-train ensemble`), from the model folders' manifests, beside the size of the
ONNX files and the browser's cost (inference and full saturation scan in headless Chromium, from
one `bench/browser/run.mjs --only ism,throughput` run over the ensemble and its first member).

    python3 bench/ensemble/summarise.py --ensemble DIR --member DIR --member DIR \
        --browser RUN.json [--student DIR] --out bench/results/ensemble-NAME.json

--student: a model distilled from the same members (`fit --teacher A,B`), set beside them.
--cagi5 NAME=JSON (repeatable): a model's zero-shot CAGI5 results (bench/cagi5/zero_shot.py).
--about TEXT: what the members are, when more than seeds of one recipe (e.g. students of one teacher).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from files import write_json  # noqa: E402


def summary(folder):
    m = json.load(open(os.path.join(folder, "manifest.json")))
    metrics = {split: v["per_target"]["overall"] for split, v in m["metrics"].items() if ":" not in split}
    rows = {split: v["rows"] for split, v in m["metrics"].items() if ":" not in split}
    classes = {split: v["per_target"]["overall"] for split, v in m["metrics"].items() if ":" in split}
    return {
        "name": m["name"],
        "seed": m["training"]["seed"],
        "parameters": m["training"]["parameters"],
        "onnx_bytes": os.path.getsize(os.path.join(folder, m["model_file"])),
        "training_minutes": round((m["training"].get("seconds") or 0) / 60, 1),
        "split": m["training"]["split"],
        "rows": rows,
        "metrics": metrics,
        "by_class": classes,
    }


def cagi5_hepg2(path):
    """Pearson r per HepG2 element (F9, LDLR, SORT1: the cell line the models were trained in) of
    a bench/cagi5/zero_shot.py result."""
    return {e["element"]: e["tile_mean"]["pearson"] for e in json.load(open(path))["elements"]
            if e.get("cell_line", "HepG2") == "HepG2"}


def browser(run, name):
    ism = next((r for r in run.get("ism", []) if r["model"] == name), None)
    tp = next((r for r in run.get("throughput", []) if r["model"] == name), None)
    return {
        "scan_ms": ism["fast"]["medianMs"] if ism else None,
        "scan_method": ism["method"] if ism else None,
        "sequences_per_second": tp["regula"]["seqPerS"] if tp else None,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ensemble", required=True)
    ap.add_argument("--member", action="append", required=True)
    ap.add_argument("--student")
    ap.add_argument("--browser", required=True)
    ap.add_argument("--cagi5", action="append", default=[])
    ap.add_argument("--about")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cagi5 = {}
    for pair in args.cagi5:
        name, path = pair.split("=", 1)
        cagi5[name] = cagi5_hepg2(path)
    run = json.load(open(args.browser))
    ensemble = summary(args.ensemble)
    members = [summary(m) for m in args.member]
    if any(m["split"] != ensemble["split"] for m in members):
        sys.exit("the members' split differs from the ensemble's")
    env = run["environment"]
    out = {
        "ensemble": ensemble,
        "members": members,
        "student": summary(args.student) if args.student else None,
        "about": args.about,
        "browser": {
            "date": env.get("date") or env.get("startedAt"),
            "load_average_at_start": env.get("loadAverageAtStart"),
            "chromium": env.get("chromium"),
            "what": "full saturation scan of a 230 bp element (690 substitutions, one worker) and inference throughput, "
                    "median of 2 runs after warm-up; the ensemble and its first member in the same run",
            "ensemble": browser(run, ensemble["name"]),
            "member": browser(run, members[0]["name"]),
        },
    }
    for model in [ensemble, *members, out["student"]]:
        if model is not None:
            model["cagi5_pearson"] = cagi5.get(model["name"])
    write_json(args.out, out)
    e, m0 = out["browser"]["ensemble"], out["browser"]["member"]
    print(f"test pearson: members {[round(m['metrics']['test']['pearson'], 4) for m in members]}, "
          f"ensemble {ensemble['metrics']['test']['pearson']:.4f}; scan {m0['scan_ms']} -> {e['scan_ms']} ms")


if __name__ == "__main__":
    main()
