#!/usr/bin/env python3
"""Builds the training table of the `dual-branch-demo` model from lentiMPRA HepG2 measurements.

The data at hand has no measured promoter–enhancer pairs, so the pairs are constructed: each
promoter element (an `ENSG*` row, either orientation) is paired with three candidate-enhancer
elements (`DNasePeakNoPromoter*`), each enhancer element used in one pair only. The target is
the sum of the two measured log2 activities — the log of their product, i.e. the multiplicative
way enhancer and promoter activities were found to combine in ExP-STARR-seq (Bergman et al.
2022, Nature 604:742). It is a constructed target, not a measured activity of the pair.

Deterministic without a random generator: enhancers are ordered by the SHA-256 of their id.

    models/dual-branch-demo/prepare.py [SOURCE OUT]
    (default: ../shared/data/lentimpra/hepg2.tsv target/dual-branch-demo/pairs.tsv, from the
    repository root, where train.toml expects it)
"""
import csv
import hashlib
import os
import sys

PARTNERS_PER_PROMOTER = 3
REVERSED = "_Reversed:"


def main(source: str, out: str) -> None:
    with open(source, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    promoters = sorted((r for r in rows if r["seq_id"].startswith("ENSG")), key=lambda r: r["seq_id"])
    # Both orientations of an enhancer element; one of them is drawn, by a bit of the hash.
    by_element: dict[str, list[dict]] = {}
    for r in rows:
        if r["seq_id"].startswith("DNasePeakNoPromoter"):
            by_element.setdefault(r["seq_id"].replace(REVERSED, ""), []).append(r)
    digest = lambda s: hashlib.sha256(s.encode()).digest()
    elements = sorted(by_element, key=digest)
    needed = len(promoters) * PARTNERS_PER_PROMOTER
    if needed > len(elements):
        sys.exit(f"{source}: {len(elements)} enhancer elements, {needed} needed")
    tmp = out + ".tmp"
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["pair_id", "promoter", "distal", "promoter_activity", "distal_activity", "activity"])
        for i, p in enumerate(promoters):
            for k in range(PARTNERS_PER_PROMOTER):
                element = elements[i * PARTNERS_PER_PROMOTER + k]
                versions = sorted(by_element[element], key=lambda r: r["seq_id"])
                e = versions[digest(element)[0] % len(versions)]
                pa, ea = float(p["mean_value"]), float(e["mean_value"])
                w.writerow([f'{p["seq_id"]}|{e["seq_id"]}', p["seq"], e["seq"], p["mean_value"], e["mean_value"], f"{pa + ea:.6g}"])
    os.replace(tmp, out)
    print(f"{out}: {needed} pairs of {len(promoters)} promoter rows and {needed} enhancer elements")


if __name__ == "__main__":
    if len(sys.argv) not in (1, 3):
        sys.exit(__doc__)
    main(*(sys.argv[1:] or ["../shared/data/lentimpra/hepg2.tsv", "target/dual-branch-demo/pairs.tsv"]))
