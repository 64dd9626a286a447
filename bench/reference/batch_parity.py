#!/usr/bin/env python3
"""Regula's `legnet` and its PyTorch twin trained on the same real batches with the same per-step
learning rates, from the same initial weights: does a difference in the training *mechanics*
explain a difference in the trained models, or only the draw (initial weights, order, augmentation)?

    regula-train split --config models/hepg2-legnet/train.toml --to SPLIT.tsv
    python bench/reference/batch_parity.py write --model models/hepg2-legnet --split SPLIT.tsv --out DIR [--steps 16]
    cargo run --release -p regula-train --example twin_step_parity -- --out DIR --batches DIR --weight-decay WD --clip C --threads 2
    python bench/reference/step_parity.py DIR --threads 2

`write` makes the first `--steps` training batches of epoch 1 exactly as reference.py does (its
order, reverse-complement and flank-filled shift augmentation, standardised targets) and the
one-cycle learning rate of each of those steps for the recipe's epochs, into DIR/x.f32, y.f32 and
lrs.json. The example trains Regula on them and writes its initial weights, which step_parity.py
loads into the twin before training it on the same batches.
"""
import argparse
import json
import sys
import tomllib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference as R  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["write"])
    ap.add_argument("--model", required=True, type=Path)
    ap.add_argument("--split", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--steps", type=int, default=16)
    a = ap.parse_args()
    cfg = tomllib.loads((a.model / "train.toml").read_text())
    r = R.resolve(cfg)
    data = R.Data(a.split)
    train = data.index["train"]
    norms = R.fit_normalisation(data, r)
    bs = r["batch_size"]
    bpe = max(len(train) // bs + (1 if len(train) % bs >= 2 else 0), 1)
    sched = R.LrSchedule(r, bpe, r["epochs"])
    order = np.random.default_rng([r["seed"], 1, 0, 1]).permutation(train)
    xs, ys, lrs = [], [], []
    for b in range(a.steps):
        rows = order[b * bs:(b + 1) * bs]
        if len(rows) < bs:
            break
        rng = np.random.default_rng([r["seed"], 1, b, 2])
        flips = rng.random(len(rows)) < 0.5 if r["augment_rc"] else None
        m = r["augment_shift"]
        shifts = rng.integers(-m, m + 1, len(rows)) if m > 0 else None
        xs.append(data.batch(rows, flips, shifts, (r["flank_left"], r["flank_right"])).numpy())
        ys.append(R.normalised(data, rows, norms).astype(np.float32))
        lrs.append(sched.lr(b + 1))
    a.out.mkdir(parents=True, exist_ok=True)
    np.concatenate(xs).astype("<f4").tofile(a.out / "x.f32")
    np.concatenate(ys).astype("<f4").tofile(a.out / "y.f32")
    (a.out / "lrs.json").write_text(json.dumps({"batch": bs, "lrs": lrs, "weight_decay": r["weight_decay"],
                                                "clip": r["clip_grad_norm"]}))
    print(f"{len(lrs)} batches of {bs} -> {a.out}; lr {lrs[0]:.2e} .. {lrs[-1]:.2e}; "
          f"weight decay {r['weight_decay']}, clip {r['clip_grad_norm']}")


if __name__ == "__main__":
    main()
