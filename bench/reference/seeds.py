#!/usr/bin/env python3
"""Regula and its PyTorch twin over several seeds of one recipe on one split (issue 12's parity
check, issue 13's baseline): each run's validation and test metrics, their mean and spread per
runtime, and the difference of the means, so that "the same validation Pearson within ±0.01" is
judged against the spread that the seed alone causes.

    python3 bench/reference/seeds.py --regula models/hepg2-legnet --regula RUN_SEED2 ... \
        --twin REFERENCE_SEED1.json --twin REFERENCE_SEED2.json \
        [--cagi5 regula-seed1=CAGI5.json --cagi5 twin-seed2=CAGI5.json] --out bench/results/seeds-NAME.json

--regula: model folders written by `regula-train fit` with the recipe's config and other --seed
(same --split-seed); --twin: results of bench/reference/reference.py on the split of
`regula-train split` (other --seed); --cagi5 LABEL=JSON: bench/cagi5/zero_shot.py results of
some of these runs (a twin saved with reference.py --save-model is scored like any model folder).
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from ensemble.summarise import cagi5_hepg2, summary  # noqa: E402
from files import write_json  # noqa: E402

SPLITS = ("validation", "test")


def twin_run(path):
    r = json.load(open(path))
    return {
        "seed": r["recipe"]["seed"],
        "name": f"{r['model']} twin",
        "epochs_run": r["epochs_run"],
        "best_epoch": r["best_epoch"],
        "metrics": {s: r["metrics"][s]["per_target"]["overall"] for s in SPLITS if s in r["metrics"]},
        "rows": {s: r["metrics"][s]["rows"] for s in SPLITS if s in r["metrics"]},
        "median_samples_per_s": r.get("median_samples_per_s"),
        "date": r.get("environment", {}).get("date"),
    }


def spread(runs, split, metric):
    values = [r["metrics"][split][metric] for r in runs if split in r["metrics"]]
    if not values:
        return None
    return {
        "values": values,
        "mean": statistics.fmean(values),
        "sd": statistics.stdev(values) if len(values) > 1 else None,
        "min": min(values),
        "max": max(values),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regula", action="append", required=True, help="a model folder (repeatable)")
    ap.add_argument("--twin", action="append", required=True, help="a reference.py result JSON (repeatable)")
    ap.add_argument("--cagi5", action="append", default=[], help="LABEL=zero_shot.py JSON (repeatable)")
    ap.add_argument("--metric", default="pearson")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    regula = sorted((summary(d) for d in args.regula), key=lambda r: r["seed"])
    twin = sorted((twin_run(p) for p in args.twin), key=lambda r: r["seed"])
    splits = {r["split"] for r in regula}
    if len(splits) != 1:
        sys.exit(f"the Regula runs were trained on different splits: {sorted(splits)}")
    rows = {json.dumps(r["rows"], sort_keys=True) for r in regula + twin}
    if len(rows) != 1:
        sys.exit(f"the runs evaluate different numbers of rows: {sorted(rows)}")
    by_split = {}
    for split in SPLITS:
        ours, theirs = spread(regula, split, args.metric), spread(twin, split, args.metric)
        if ours and theirs:
            by_split[split] = {"regula": ours, "twin": theirs, "difference_of_means": ours["mean"] - theirs["mean"]}
    cagi5 = {}
    for pair in args.cagi5:
        label, path = pair.split("=", 1)
        cagi5[label] = cagi5_hepg2(path)
    write_json(args.out, {
        "model": regula[0]["name"],
        "split": regula[0]["split"],
        "rows": regula[0]["rows"],
        "metric": args.metric,
        "regula": regula,
        "twin": twin,
        "summary": by_split,
        "cagi5_hepg2_pearson": cagi5,
    })


if __name__ == "__main__":
    main()
