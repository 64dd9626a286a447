#!/usr/bin/env python3
"""Does one model of both cell lines beat each single-task model on that model's own test rows?

For each single-task model (models/hepg2-legnet, models/wtc11-legnet) its rows come from
`regula-train split --config MODEL/train.toml` (its own three-way split); its validation and test
rows are predicted by it and by the joint model (models/lentimpra-joint, at the output of the
same cell line), with `regula-train predict --rc-average`, forward and reverse-complement
averaged as `fit` and `evaluate` score. The single-task model's test Pearson r must reproduce
its manifest's (checked). None of these rows was trained on by the joint model: `join-tables`
puts every single-task validation row in its validation or test part and every test row in its
test part (checked here from the joint model's own split).

Pearson and Spearman r per row class (promoters `ENSG*`, candidate enhancers
`DNasePeakNoPromoter*`, others), and for the test rows the paired bootstrap of the difference
(joint − single) over the split's groups (both orientations of an element resampled together).

    bench/joint/compare.py [--joint models/lentimpra-joint] [--out bench/results/joint.json]
        [--model hepg2=models/hepg2-legnet --model wtc11=models/wtc11-legnet]
"""
import argparse
import csv
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
import tomllib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from files import write_json  # noqa: E402
from stats import pearson, spearman  # noqa: E402

CLASSES = [("promoters (ENSG*)", lambda i: i.startswith("ENSG")),
           ("candidate enhancers (DNasePeakNoPromoter*)", lambda i: i.startswith("DNasePeakNoPromoter")),
           ("others", lambda i: not i.startswith("ENSG") and not i.startswith("DNasePeakNoPromoter"))]


def tsv(text):
    return list(csv.DictReader(text.splitlines(), delimiter="\t"))


def predict(bin_, model, rows, column):
    """`regula-train predict --rc-average` of `rows` (id, sequence) by `model`, its `column` output."""
    with tempfile.TemporaryDirectory() as tmp:
        table = os.path.join(tmp, "rows.tsv")
        with open(table, "w") as f:
            f.write("id\tsequence\n")
            f.writelines(f"{r['id']}\t{r['sequence']}\n" for r in rows)
        out = os.path.join(tmp, "predictions.tsv")
        subprocess.run([bin_, "predict", "--model", model, "--input", table, "--sequence-column", "sequence",
                        "--id-column", "id", "--rc-average", "--out", out], check=True)
        got = {r["id"]: float(r[column]) for r in tsv(open(out).read())}
    return [got[r["id"]] for r in rows]


def metrics(rows, measured, single, joint):
    out = {}
    for name, member in [("all", lambda i: True)] + CLASSES:
        idx = [k for k, r in enumerate(rows) if member(r["id"])]
        if len(idx) < 2:
            continue
        m = [measured[k] for k in idx]
        s = [single[k] for k in idx]
        j = [joint[k] for k in idx]
        out[name] = {"rows": len(idx),
                     "single": {"pearson": pearson(s, m), "spearman": spearman(s, m)},
                     "joint": {"pearson": pearson(j, m), "spearman": spearman(j, m)}}
    return out


def bootstrap(rows, measured, single, joint, key, n, seed):
    """Paired bootstrap over groups: the 2.5 / 50 / 97.5 % quantiles of joint − single Pearson r,
    and the share of resamples where the joint model is ahead."""
    groups = {}
    for k, r in enumerate(rows):
        groups.setdefault(key(r["id"]), []).append(k)
    members = list(groups.values())
    rng = random.Random(seed)
    deltas = []
    for _ in range(n):
        idx = [k for g in rng.choices(members, k=len(members)) for k in g]
        m = [measured[k] for k in idx]
        d = pearson([joint[k] for k in idx], m) - pearson([single[k] for k in idx], m)
        deltas.append(d)
    deltas.sort()
    q = lambda p: deltas[min(len(deltas) - 1, int(p * len(deltas)))]  # noqa: E731
    return {"resamples": n, "groups": len(members), "delta_pearson_2.5%": q(0.025), "delta_pearson_median": q(0.5),
            "delta_pearson_97.5%": q(0.975), "share_joint_ahead": sum(d > 0 for d in deltas) / n}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--joint", default="models/lentimpra-joint")
    ap.add_argument("--model", action="append", help="OUTPUT=FOLDER: a single-task model and the joint output of its cell line")
    ap.add_argument("--out", default="bench/results/joint.json")
    ap.add_argument("--regula-train", default="target/release/regula-train")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tried", help="folder of the 'What was tried' records (bench/tried): add or update the joint model's row in CELL_LINE.json")
    a = ap.parse_args()
    pairs = [m.split("=", 1) for m in (a.model or ["hepg2=models/hepg2-legnet", "wtc11=models/wtc11-legnet"])]
    joint_manifest = json.load(open(os.path.join(a.joint, "manifest.json")))
    # The joint model's own split, to check that it trained on none of the rows compared here.
    joint_part = {r["sequence"]: r["set"] for r in tsv(subprocess.run(
        [a.regula_train, "split", "--config", os.path.join(a.joint, "config.toml")], check=True, capture_output=True, text=True).stdout)}
    started = time.time()
    results = []
    for output, folder in pairs:
        manifest = json.load(open(os.path.join(folder, "manifest.json")))
        config = os.path.join(folder, "train.toml")
        own = tsv(subprocess.run([a.regula_train, "split", "--config", config], check=True, capture_output=True, text=True).stdout)
        target = manifest["targets"][0]["name"]
        pattern = tomllib.load(open(config, "rb")).get("group_pattern")
        group = (lambda i, p=re.compile(pattern): p.sub("", i)) if pattern else (lambda i: i)
        entry = {"cell_line": output, "single_task_model": manifest["name"], "joint_output": output}
        for part, name in [("valid", "validation"), ("test", "test")]:
            rows = [r for r in own if r["set"] == part]
            trained = [r["id"] for r in rows if joint_part.get(r["sequence"]) == "train"]
            if trained:
                sys.exit(f"{output}: {len(trained)} {name} rows are joint training rows (e.g. {trained[0]})")
            measured = [float(r[target]) for r in rows]
            single = predict(a.regula_train, folder, rows, target)
            joint = predict(a.regula_train, a.joint, rows, output)
            entry[name] = metrics(rows, measured, single, joint)
            if part == "test":
                card = manifest["metrics"]["test"]["per_target"][target]["pearson"]
                got = entry[name]["all"]["single"]["pearson"]
                entry["single_task_card_test_pearson"] = card
                if abs(card - got) > 1e-4:
                    sys.exit(f"{folder}: test Pearson r {got:.5f} from predict, {card:.5f} in its manifest: the comparison would not be like for like")
                entry["test_bootstrap"] = bootstrap(rows, measured, single, joint, group, a.bootstrap, a.seed)
        t, v = entry["test"]["all"], entry["validation"]["all"]
        entry["joint_better_on_test"] = t["joint"]["pearson"] > t["single"]["pearson"]
        print(f"{output}: test ({t['rows']} rows) Pearson r single {t['single']['pearson']:.4f}, joint {t['joint']['pearson']:.4f}; "
              f"validation ({v['rows']} rows) single {v['single']['pearson']:.4f}, joint {v['joint']['pearson']:.4f}; "
              f"bootstrap Δ 95 % [{entry['test_bootstrap']['delta_pearson_2.5%']:+.4f}, {entry['test_bootstrap']['delta_pearson_97.5%']:+.4f}]")
        results.append(entry)
    report = {
        "joint_model": joint_manifest["name"],
        "joint_parameters": joint_manifest["training"]["parameters"],
        "joint_training_minutes": round((joint_manifest["training"].get("seconds") or 0) / 60, 1),
        "joint_training_machine": joint_manifest["training"].get("machine"),
        "joint_split": joint_manifest["training"]["split"],
        "question": question(joint_manifest),
        "method": "each single-task model's validation and test rows (its own split, `regula-train split --config`), predicted by it and by the joint model's output of the same cell line (`regula-train predict --rc-average`); Pearson and Spearman r against the measured value; the paired bootstrap resamples the test split's groups",
        "joint_better_on_both": all(r["joint_better_on_test"] for r in results),
        "date": time.strftime("%Y-%m-%d"),
        "machine": platform.machine(),
        "seconds": round(time.time() - started, 1),
        "cell_lines": results,
    }
    write_json(a.out, report)
    print(f"joint better on both test sets: {report['joint_better_on_both']}; written to {a.out}")
    if a.tried:
        record_tried(a.tried, a.joint, joint_manifest, report)


def question(manifest):
    """What the comparison asks of a joint model, or of an ensemble of them (`regula-train
    ensemble`, whose architecture reads "mean of K models, each: …")."""
    architecture = manifest["training"]["architecture"]
    if architecture.startswith("mean of "):
        k = architecture.split()[2]
        return (f"does the mean of {k} LegNet trunks (`regula-train ensemble`), each with an output per cell line and trained "
                "on the rows of both tables, beat each single-task model on that model's own test rows?")
    return ("does one LegNet trunk with an output per cell line, trained on the rows of both tables, beat each single-task "
            "model on that model's own test rows?")


CANDIDATE = "legnet, kernels 5 / 3, one trunk for HepG2 and WTC11"


def record_tried(folder, joint_dir, manifest, report):
    """The joint model as a candidate row of each cell line's "What was tried" record, its numbers
    on that cell line's own validation and test rows."""
    facts = dict(json.load(open(os.path.join(joint_dir, "report.json")))["facts"])
    best, run = re.match(r"(\d+) of (\d+) run", facts["best epoch"]).groups()
    for c in report["cell_lines"]:
        path = os.path.join(folder, f"{c['cell_line']}.json")
        if not os.path.exists(path):
            continue
        tried = json.load(open(path))
        others = [x["cell_line"] for x in report["cell_lines"] if x is not c]
        row = {
            "candidate": CANDIDATE,
            "recipe": (f"the 5 / 3 LegNet recipe (12 epochs) with an output per cell line, `{manifest['name']}`: trained on the rows of "
                       f"this table and of the {', '.join(others)} table, joined by `regula-train join-tables` (one row per sequence; a row that "
                       f"moves part goes to the more held-out one, so none of this split's validation or test rows is trained on) and "
                       f"`fit --mask-missing` (each output trained on the rows that measure it); the epoch was chosen on the joint "
                       f"validation rows (mean of both outputs); the numbers here are its `{c['joint_output']}` output on this split's rows"),
            "parameters": manifest["training"]["parameters"],
            f"validation_{tried.get('metric', 'pearson')}": round(c["validation"]["all"]["joint"]["pearson"], 4),
            f"test_{tried.get('metric', 'pearson')}": round(c["test"]["all"]["joint"]["pearson"], 4),
            "epochs_run": int(run),
            "best_epoch": int(best),
            "minutes": round((manifest["training"].get("seconds") or 0) / 60, 1),
            # Shipped when it is a folder of the repository's models/ (the decision is the README's and
            # the cards': it ties one single-task model and beats the other).
            "shipped_as": manifest["name"] if shipped(joint_dir) else None,
        }
        tried["runs"] = [r for r in tried["runs"] if r["candidate"] != CANDIDATE] + [row]
        write_json(path, tried)
        print(f"{path}: the joint model's row written")


def shipped(joint_dir):
    models = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "models")
    return os.path.dirname(os.path.abspath(joint_dir)) == models and os.path.exists(os.path.join(joint_dir, "manifest.json"))


if __name__ == "__main__":
    main()
