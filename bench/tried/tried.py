#!/usr/bin/env python3
"""The "What was tried" section of a model card (issue 13: keep the evidence of the search in the
card), from the runs recorded in bench/tried/RUNS.json: every candidate trained on the same
three-way split, its validation number (which chose it) and its test number (which chose nothing),
in the records' "metric" (default pearson).

    python3 bench/tried/tried.py bench/tried/hepg2.json --card models/hepg2-mpra/MODEL_CARD.md
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from files import write_card_section  # noqa: E402

SECTION = "## What was tried"


def num(v) -> str:
    """A metric to 4 decimals, or "—" for a run that has none (e.g. trained without a test part)."""
    return "—" if v is None else f"{v:.4f}"


def section(runs: dict, model: str) -> str:
    metric = runs.get("metric", "pearson")  # the runs' `validation_METRIC` and `test_METRIC` keys
    lines = [SECTION, "", runs["about"], "",
             f"| candidate | recipe | weights | validation {metric} | **test** {metric} | epochs (best) | training time | shipped as |",
             "|---|---|---|---|---|---|---|---|"]
    for r in runs["runs"]:
        shipped = f"**{r['shipped_as']}**" if r.get("shipped_as") == model else (r.get("shipped_as") or "—")
        lines.append(f"| {r['candidate']} | {r['recipe']} | {r['parameters']:,} | {num(r.get(f'validation_{metric}'))} | {num(r.get(f'test_{metric}'))} | "
                     f"{r['epochs_run']} ({r['best_epoch']}) | {r['minutes']:.0f} min | {shipped} |")
    lines += ["", runs["conclusion"], ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs")
    ap.add_argument("--card", required=True, action="append")
    a = ap.parse_args()
    runs = json.load(open(a.runs))
    for card in a.card:
        model = os.path.basename(os.path.dirname(os.path.abspath(card)))
        write_card_section(card, SECTION, section(runs, model))


if __name__ == "__main__":
    main()
