#!/usr/bin/env python3
"""Adds the models of a browser-bench run over a few models (`run.mjs --models DIR`, e.g. a model
shipped after the main run) to another run's JSON: their rows of parts "throughput", "ism" and
"pool" (`throughput`, `ism`, `appScans`) replace or join that run's, and `remeasured[MODEL]`
records why, when, at which commit and load, which BENCHMARKS.md prints beside the table
(bench/render.py).

    python3 bench/browser/merge_run.py RUN.json INTO.json --why "shipped after this run; measured alone" \
        [--app-default ID]

--app-default records that the app now opens with another model (scripts/web-index.mjs), one of
those added.
"""
import argparse
import json

# The parts whose rows are per model.
PARTS = ("throughput", "ism", "appScans")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", help="the JSON of the run over the added models")
    ap.add_argument("into", help="the JSON to add them to (rewritten)")
    ap.add_argument("--why", required=True, help="why these models were measured apart")
    ap.add_argument("--app-default", help="the model the app now opens with, if it changed")
    args = ap.parse_args()
    run, into = json.load(open(args.run)), json.load(open(args.into))
    env = run["environment"]
    models = sorted({r["model"] for part in PARTS for r in run.get(part, []) if r["model"] != "reference1000"})
    if not models:
        raise SystemExit(f"{args.run}: no model rows in parts throughput, ism or pool")
    for part in PARTS:
        rows = [r for r in into.get(part, []) if r["model"] not in models]
        added = [r for r in run.get(part, []) if r["model"] in models]
        if added:
            into[part] = sorted(rows + added, key=lambda r: (r["model"] == "reference1000", r["model"]))
    if args.app_default:
        if args.app_default not in models:
            raise SystemExit(f"--app-default {args.app_default}: not one of the added models ({', '.join(models)})")
        into["appDefault"] = args.app_default
    for m in models:
        into.setdefault("remeasured", {})[m] = {
            "why": args.why, "date": env["date"], "loadAverageAtStart": env["loadAverageAtStart"], "gitCommit": env["gitCommit"],
        }
    with open(args.into, "w") as f:
        json.dump(into, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"{args.into}: {', '.join(models)} from {args.run}")


if __name__ == "__main__":
    main()
