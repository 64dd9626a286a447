#!/usr/bin/env python3
"""Zero-shot variant effects of an MPRA model on the CAGI5 saturation-mutagenesis elements.

The CAGI5 elements are longer than the 200 bp the lentiMPRA models were trained on, so each
element is cut into 200 bp tiles (every STRIDE bases, plus one ending at the element's end).
A variant's predicted effect ("tile mean") is what the product computes for any long sequence:
`regula-train ism --length-policy flanked-tiles --stride STRIDE --rc-average` on the whole
element, i.e. the mean over the tiles that contain it of alt − ref, each tile read between the
model's lentiMPRA adapters, both strands averaged (the definition in `infer/src/variants.rs`).
For comparison, the effect in the one tile whose centre is nearest to it ("centred tile") comes
from `regula-train ism` on each tile alone; the tile mean of those per-tile effects must equal
the product's number (checked). Pearson and Spearman r against the measured effect, per element.

    bench/cagi5/zero_shot.py --model models/hepg2-mpra --cagi5 ../shared/data/cagi5 \
        --out bench/results/cagi5-hepg2-mpra.json [--elements F9,LDLR,SORT1] [--stride 10] \
        [--card models/hepg2-mpra/MODEL_CARD.md] [--target hepg2]

A model with several outputs (e.g. lentimpra-joint: hepg2, wtc11) is read at the one named by
--target; a single-output model needs none.

With --card, the card's "Zero-shot variant effects (CAGI5)" section is written (or replaced).
"""
import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from files import write_card_section as write_section, write_json  # noqa: E402
from stats import pearson, spearman  # noqa: E402

TILE = 200
# Variants whose measured effect the assay is sure of: train_release.tsv's `confidence` (0-1).
# Most of F9's are below it, i.e. within measurement noise (BENCHMARKS.md).
CONFIDENT = 0.1


def confident_scores(predicted, measured, keep):
    """Pearson r of the tile-mean effects over the confident variants alone, and how often
    the predicted effect has the measured one's sign there (a variant that raises or lowers
    expression). None where fewer than three are confident."""
    pairs = [(p, m) for p, m, k in zip(predicted, measured, keep) if k]
    if len(pairs) < 3:
        return {"variants": len(pairs), "pearson": None, "sign_agreement": None}
    p, m = zip(*pairs)
    signed = [(a, b) for a, b in pairs if b != 0]  # a measured 0 has no sign to agree with
    same = sum((a > 0) == (b > 0) for a, b in signed) / len(signed) if signed else None
    return {"variants": len(pairs), "pearson": pearson(list(p), list(m)), "sign_agreement": same}


def in_hepg2(element):
    """Whether an element of a report was measured in HepG2 cells (the cells of the target)."""
    return element.get("cell_line", "HepG2") == "HepG2"


def tile_starts(length, stride):
    if length <= TILE:  # one window: the element itself, padded with the model's flanks
        return [0]
    starts = list(range(0, length - TILE + 1, stride))
    if starts[-1] != length - TILE:
        starts.append(length - TILE)
    return starts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--cagi5", required=True, help="folder with train_release.tsv, reference_sequences.csv, replicate_correlation.tsv")
    ap.add_argument("--out", required=True)
    ap.add_argument("--elements", default="all",
                    help="comma-separated CAGI5 element names (train_release.tsv's `element`), or all: the HepG2 ones "
                         "(F9, LDLR, SORT1) and, reported apart, those measured in other cell types")
    ap.add_argument("--stride", type=int, default=10)
    ap.add_argument("--card", help="model card whose CAGI5 section to write")
    ap.add_argument("--regula-train", default="target/release/regula-train")
    ap.add_argument("--target", help="the output to score, for a model with several (default: its only one)")
    args = ap.parse_args()
    manifest = json.load(open(os.path.join(args.model, "manifest.json")))
    outputs = [t["name"] for t in manifest["targets"]]
    if args.target is None:
        if len(outputs) > 1:
            sys.exit(f"{args.model} has {len(outputs)} outputs ({', '.join(outputs)}): name one with --target")
        args.target = outputs[0]
    elif args.target not in outputs:
        sys.exit(f"--target {args.target}: {args.model} has the outputs {', '.join(outputs)}")

    refs = {r["regulatory_element"]: r for r in csv.DictReader(open(os.path.join(args.cagi5, "reference_sequences.csv")))}
    with open(os.path.join(args.cagi5, "train_release.tsv")) as f:
        variants = list(csv.DictReader(f, delimiter="\t"))
    with open(os.path.join(args.cagi5, "replicate_correlation.tsv")) as f:
        # "TERT (GBM)" is element TERT-GBM, "MYC (rs6983267)" is MYCrs6983267
        ceiling = {}
        for r in csv.DictReader(f, delimiter="\t"):
            name, value = r["Name"], float(r["Replicate correlation"])
            ceiling[name] = ceiling[name.replace(" (", "-").rstrip(")")] = ceiling[name.replace(" (", "").rstrip(")")] = value
    # element -> (its reference sequence's name, the cell type it was measured in)
    with open(os.path.join(args.cagi5, "elements.tsv")) as f:
        where = {r["elem"]: (r["region"], r["cell_line"]) for r in csv.DictReader(f, delimiter="\t")}
    names = sorted({v["element"] for v in variants}, key=lambda e: (where.get(e, ("", ""))[1] != "HepG2", e)) \
        if args.elements == "all" else args.elements.split(",")

    results = []
    for element in names:
        region, cell_line = where.get(element, (element, None))
        rows = [v for v in variants if v["element"] == element]

        def mismatch(ref):
            """The first variant whose reference base is not the sequence's, or None."""
            seq, start = ref["ref_sequence"].upper(), int(ref["start_pos"])
            for v in rows:
                i = int(v["pos_1based"]) - 1 - start
                if not (0 <= i < len(seq)) or seq[i] != v["ref"]:
                    return f"{v['chrom_hg19']}:{v['pos_1based']} {v['ref']}>{v['alt']}"
            return None

        # Some elements were assayed as a modified construct (reference_sequences.csv's NAMEMOD):
        # the one whose bases the variants name is the one measured.
        candidates = [refs[r] for r in (region, region + "MOD") if r in refs]
        ref = next((r for r in candidates if mismatch(r) is None), None)
        if ref is None:
            sys.exit(f"{element}: variant {mismatch(candidates[0])} does not match the element sequence "
                     f"({' or '.join(r['regulatory_element'] for r in candidates)})")
        seq, start = ref["ref_sequence"].upper(), int(ref["start_pos"])
        starts = tile_starts(len(seq), args.stride)
        with tempfile.TemporaryDirectory() as tmp:
            fasta = os.path.join(tmp, "tiles.fa")
            with open(fasta, "w") as f:
                for s in starts:
                    f.write(f">{s}\n{seq[s:s + TILE]}\n")
            out = os.path.join(tmp, "ism.tsv")
            t0 = time.time()
            subprocess.run([args.regula_train, "ism", "--model", args.model, "--input", fasta, "--rc-average", "--out", out], check=True)
            seconds = time.time() - t0
            effects = {}  # (element index, alt) -> [(tile start, effect)]
            with open(out) as f:
                for r in csv.DictReader(f, delimiter="\t"):
                    if r["target"] != args.target:
                        continue
                    s = int(r["id"])
                    effects.setdefault((s + int(r["position"]) - 1, r["alt"]), []).append((s, float(r["effect"])))
            # The product's own windowed effect on the whole element.
            whole = os.path.join(tmp, "element.fa")
            with open(whole, "w") as f:
                f.write(f">{element}\n{seq}\n")
            product_out = os.path.join(tmp, "product.tsv")
            subprocess.run([args.regula_train, "ism", "--model", args.model, "--input", whole, "--rc-average",
                            "--length-policy", "flanked-tiles", "--stride", str(args.stride), "--out", product_out], check=True)
            product = {}
            with open(product_out) as f:
                for r in csv.DictReader(f, delimiter="\t"):
                    if r["target"] == args.target:
                        product[(int(r["position"]) - 1, r["alt"])] = float(r["effect"])
        measured, tile_mean, centred, confident = [], [], [], []
        for v in rows:
            i = int(v["pos_1based"]) - 1 - start
            e = effects[(i, v["alt"])]
            measured.append(float(v["value"]))
            confident.append(float(v["confidence"]) >= CONFIDENT)
            mean_of_tiles = statistics.fmean(x for _, x in e)
            if abs(mean_of_tiles - product[(i, v["alt"])]) > 2e-5:
                sys.exit(f"{element} {i + 1} {v['alt']}: regula-train's windowed effect {product[(i, v['alt'])]} "
                         f"differs from the mean over its tiles {mean_of_tiles}")
            tile_mean.append(product[(i, v["alt"])])
            centred.append(min(e, key=lambda t: abs(t[0] + TILE / 2 - i))[1])
        results.append({
            "element": element,
            "length": len(seq),
            "variants": len(rows),
            "tiles": len(starts),
            "ism_seconds": round(seconds, 2),
            "tile_mean": {"pearson": pearson(tile_mean, measured), "spearman": spearman(tile_mean, measured)},
            "centred_tile": {"pearson": pearson(centred, measured), "spearman": spearman(centred, measured)},
            "confident": confident_scores(tile_mean, measured, confident),
            "replicate_correlation": ceiling.get(element),
            "cell_line": cell_line,
        })
        r = results[-1]
        print(f"{element}: {len(rows)} variants, {len(starts)} tiles; tile mean r {r['tile_mean']['pearson']:.3f} (rho {r['tile_mean']['spearman']:.3f}), centred tile r {r['centred_tile']['pearson']:.3f}; replicate r {r['replicate_correlation']}")
    report = {
        "model": manifest["name"],
        "target": args.target,
        "outputs": outputs,
        "data": "CAGI5 regulation saturation, train_release.tsv (Kircher et al. 2019)",
        "tiling": f"{TILE} bp tiles every {args.stride} bp (plus one ending at the element's end), each padded with the model's adapters; both strands averaged",
        "aggregation": "tile_mean: mean effect over all tiles containing the variant (regula-train ism --length-policy flanked-tiles, the product's definition); centred_tile: the tile whose centre is nearest",
        "date": time.strftime("%Y-%m-%d"),
        "machine": platform.machine(),
        "elements": results,
    }
    write_json(args.out, report)
    if args.card:
        write_card_section(args.card, report)


SECTION = "## Zero-shot variant effects (CAGI5)"


def card_section(report):
    lines = [
        SECTION,
        "",
        f"Measured effects of every single-nucleotide substitution in the elements of the CAGI5 "
        f"regulation-saturation challenge ({report['data']}; never seen in training) against the "
        f"model's predicted effect, alternate minus reference. "
        f"Tiling: {report['tiling']}. Aggregation: {report['aggregation']}. The replicate correlation "
        f"of the measurements is the ceiling. The last three columns keep only the variants whose measured effect has a "
        f"confidence of at least {CONFIDENT} (train_release.tsv's `confidence`: the others are mostly within measurement "
        f"noise); sign agreement is the share of them whose predicted effect has the measured effect's sign (½ is chance). "
        f"Made by `bench/cagi5/zero_shot.py` ({report['date']}). The first table holds "
        f"the elements measured in HepG2 cells."
        + ("" if "hepg2" in (report["model"] + " " + report.get("target", "")).lower() else
           " The elements were measured in HepG2 cells and this model was trained on another cell type, so this is a cross-cell-type test.")
        + (f" Scored at the model's `{report['target']}` output." if report.get("target") and len(report.get("outputs", [])) > 1 else ""),
        "",
        "| element | length (bp) | variants | tiles | Pearson r, tile mean | Spearman, tile mean | Pearson r, centred tile | replicate r | confident variants | Pearson r, confident | sign agreement, confident |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    row = lambda e: (f"| {e['element']} | {e['length']} | {e['variants']} | {e['tiles']} | {e['tile_mean']['pearson']:.3f} | "
                     f"{e['tile_mean']['spearman']:.3f} | {e['centred_tile']['pearson']:.3f} | {e['replicate_correlation']} | "
                     + confident_cells(e.get("confident")) + " |")
    hepg2 = [e for e in report["elements"] if in_hepg2(e)]
    others = [e for e in report["elements"] if not in_hepg2(e)]
    lines += [row(e) for e in hepg2]
    if hepg2:
        mean = f"Mean over the HepG2 elements: Pearson r {statistics.fmean(e['tile_mean']['pearson'] for e in hepg2):.3f} (tile mean)"
        sure = [e["confident"]["pearson"] for e in hepg2 if (e.get("confident") or {}).get("pearson") is not None]
        if len(sure) == len(hepg2):
            mean += f"; over their confident variants alone, {statistics.fmean(sure):.3f}"
        lines += ["", mean + "."]
    if others:
        lines += [
            "",
            "### Cross-cell-type: elements measured in other cells",
            "",
            "The same scores for the CAGI5 elements measured in other cell types: the model was not trained on "
            "those cells, so these test how far its sequence rules carry, not its accuracy in its own cells.",
            "",
            "| element | cell type | length (bp) | variants | tiles | Pearson r, tile mean | Spearman, tile mean | Pearson r, centred tile | replicate r | confident variants | Pearson r, confident | sign agreement, confident |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        lines += [row(e).replace(f"| {e['element']} |", f"| {e['element']} | {e['cell_line']} |", 1) for e in others]
    return "\n".join(lines) + "\n"


def confident_cells(c):
    """The confident-variant columns; a dash where the report predates them or too few are
    confident to correlate (never a number the script did not compute)."""
    if not c:
        return "— | — | —"
    if c["pearson"] is None:
        return f"{c['variants']} | — | —"
    sign = "—" if c["sign_agreement"] is None else f"{c['sign_agreement']:.2f}"
    return f"{c['variants']} | {c['pearson']:.3f} | {sign}"


def write_card_section(card, report):
    write_section(card, SECTION, card_section(report))


if __name__ == "__main__":
    main()
