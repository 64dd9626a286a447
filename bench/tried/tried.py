#!/usr/bin/env python3
"""The "What was tried" section of a model card (issue 13: keep the evidence of the search in the
card), from the runs recorded in bench/tried/RUNS.json: every candidate trained on the same
three-way split, its validation number (which chose it) and its test number (which chose nothing),
in the records' "metric" (default pearson).

    python3 bench/tried/tried.py bench/tried/hepg2.json --card models/hepg2-mpra/MODEL_CARD.md
    python3 bench/tried/tried.py bench/tried/hepg2.json bench/tried/wtc11.json --card models/lentimpra-joint/MODEL_CARD.md
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


def section(runs: dict, model: str, heading: str = SECTION) -> str:
    metric = runs.get("metric", "pearson")  # the runs' `validation_METRIC` and `test_METRIC` keys
    lines = [heading, "", runs["about"], "",
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
    ap.add_argument("runs", nargs="+", help="one record, or several (a model of several tables): one table each")
    ap.add_argument("--card", required=True, action="append")
    a = ap.parse_args()
    records = [(os.path.splitext(os.path.basename(p))[0], json.load(open(p))) for p in a.runs]
    for card in a.card:
        model = os.path.basename(os.path.dirname(os.path.abspath(card)))
        if len(records) == 1:
            text = section(records[0][1], model)
        else:
            text = "\n".join([SECTION, ""] + [section(r, model, f"### On the {name} split") for name, r in records])
        write_card_section(card, SECTION, text)


if __name__ == "__main__":
    main()
