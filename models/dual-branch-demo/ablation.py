#!/usr/bin/env python3
"""Does the dual-branch demo use both branches? Evaluates the trained model on its test pairs
(its validation pairs where the split has no test part) as they are, with the distal sequences
shuffled among the pairs, and with the promoters shuffled; and gives the ceiling of a perfect
one-branch predictor (the Pearson r between one element's measured activity and the pair's
target). Writes the card's "Does it use both
branches?" section. Run from the repository root after training:

    python3 models/dual-branch-demo/ablation.py [--regula-train target/release/regula-train]
"""
import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../bench"))
from files import write_card_section  # noqa: E402

MODEL = "models/dual-branch-demo"
PAIRS = "target/dual-branch-demo/pairs.tsv"
SECTION = "## Does it use both branches?"
DATA_SECTION = "## The data: constructed pairs"
DATA_TEXT = """
No data set at hand measures promoters together with their distal enhancers (the DeepCBA design's
task: expression from a promoter and the sequences that contact it), so this model is trained on a
constructed task, and is a demonstration of the design, not a model of real enhancer–promoter pairs.
`models/dual-branch-demo/prepare.py` pairs each lentiMPRA HepG2 promoter element (`ENSG*`, 1,236
elements in both orientations = 2,472 rows) with three candidate-enhancer elements
(`DNasePeakNoPromoter*`), each enhancer element used in one pair only (7,416 pairs; deterministic,
by SHA-256 of the ids). The target is the sum of the two elements' measured log2 activities: the
log of their product, the multiplicative way enhancer and promoter activities were found to combine
in ExP-STARR-seq (Bergman et al. 2022, Nature 604:742). Both elements were measured separately, each
between the lentiMPRA adapters; the pair was never measured. The split keeps every pair of one
promoter element on one side. What the data is not: no distances, no chromatin contacts, no
native genomic context, one cell line (HepG2), 230 bp per branch. `./just train-dual-branch-demo`
writes the pair table (target/dual-branch-demo/pairs.tsv) and trains on it.
""".strip("\n")


def pearson(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    return sxy / (sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in y)) ** 0.5


def shuffled(values):
    """A fixed derangement-like permutation: order by hash, shift by one."""
    order = sorted(range(len(values)), key=lambda i: hashlib.sha256(str(i).encode()).digest())
    out = list(values)
    for a, b in zip(order, order[1:] + order[:1]):
        out[a] = values[b]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regula-train", default="target/release/regula-train")
    a = ap.parse_args()
    exe = a.regula_train
    split = subprocess.run([exe, "split", "--config", f"{MODEL}/config.toml"], check=True, capture_output=True, text=True).stdout
    rows = list(csv.DictReader(split.splitlines(), delimiter="\t"))
    # the test pairs, which chose nothing (a recipe without a test part: the validation pairs)
    part = "test" if any(r["set"] == "test" for r in rows) else "valid"
    held_out = [r for r in rows if r["set"] == part]
    with open(PAIRS) as f:
        pairs = {r["pair_id"]: r for r in csv.DictReader(f, delimiter="\t")}
    y = [float(r["activity"]) for r in held_out]
    ceilings = {
        "promoter alone": pearson([float(pairs[r["id"]]["promoter_activity"]) for r in held_out], y),
        "distal alone": pearson([float(pairs[r["id"]]["distal_activity"]) for r in held_out], y),
    }
    promoters, distals = [r["sequence"] for r in held_out], [r["partner"] for r in held_out]
    variants = {
        "as paired": (promoters, distals),
        "distal sequences shuffled among the pairs": (promoters, shuffled(distals)),
        "promoter sequences shuffled among the pairs": (shuffled(promoters), distals),
    }
    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (p, d) in variants.items():
            path = os.path.join(tmp, "pairs.tsv")
            with open(path, "w", newline="") as f:
                w = csv.writer(f, delimiter="\t", lineterminator="\n")
                w.writerow(["pair_id", "promoter", "distal", "activity"])
                for r, ps, ds in zip(held_out, p, d):
                    w.writerow([r["id"], ps, ds, r["activity"]])
            out = subprocess.run([exe, "evaluate", "--model", MODEL, "--data", path, "--rows", "all"], check=True, capture_output=True, text=True).stdout
            m = json.loads(out)
            scores[name] = next(iter(m.values()))["per_target"]["overall"]["pearson"]
    lines = [
        SECTION,
        "",
        f"On the {len(held_out)} {'test pairs (rows that chose nothing)' if part == 'test' else 'validation pairs'} (`models/dual-branch-demo/ablation.py`): Pearson r of the model's prediction",
        "with the target when the pairs are intact and when one branch's sequences are shuffled among the pairs (so",
        "that branch carries no information about the target), and the r a perfect one-branch predictor would reach",
        "(the measured activity of that element alone against the target).",
        "",
        "| input | Pearson r |",
        "|---|---|",
    ]
    lines += [f"| model, {k} | {v:.3f} |" for k, v in scores.items()]
    lines += [f"| ceiling: perfect predictor of the {k} | {v:.3f} |" for k, v in ceilings.items()]
    card = f"{MODEL}/MODEL_CARD.md"
    write_card_section(card, DATA_SECTION, f"{DATA_SECTION}\n\n{DATA_TEXT}\n")
    write_card_section(card, SECTION, "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
