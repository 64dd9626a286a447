#!/usr/bin/env python3
"""Regula's `legnet` training steps against its PyTorch twin from the same weights and batches.

    cargo run --release -p regula-train --example twin_step_parity -- --out DIR [--steps 5] ...
    python bench/reference/step_parity.py DIR [--threads 1]

Loads DIR/initial.safetensors into the twin (reference.py's LegNet, published sizes), trains it on
DIR/x.f32, y.f32 with torch AdamW (the same lr, betas 0.9/0.999, eps 1e-8, decoupled weight
decay) and `clip_grad_norm_`, in training mode (batch statistics, running statistics updated),
then prints the losses of both step by step and the largest differences of the weights and
running statistics after the last step against DIR/final.safetensors. Writes DIR/parity.json.
"""
import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference as R  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ours = json.loads((a.dir / "regula.json").read_text())
    steps, n, length = ours["steps"], ours["batch"], ours["length"]
    r = R.resolve({"preset": "legnet"})
    model = R.build_model(r, [length], 1, 1)
    initial = R.read_safetensors(a.dir / "initial.safetensors")
    sd = model.state_dict()
    wanted = [k for k in sd if not k.endswith("num_batches_tracked")]
    missing = [k for k in wanted if k not in initial]
    surplus = [k for k in initial if k not in sd]
    if missing or surplus:
        raise SystemExit(f"names differ: missing {missing}, surplus {surplus}")
    model.load_state_dict({k: initial[k] for k in wanted}, strict=False)
    x = torch.from_numpy(np.fromfile(a.dir / "x.f32", np.float32).reshape(steps * n, 4, length))
    y = torch.from_numpy(np.fromfile(a.dir / "y.f32", np.float32).reshape(steps * n, 1))
    opt = torch.optim.AdamW(model.parameters(), lr=ours["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=ours["weight_decay"])
    model.train()
    losses = []
    lrs = ours.get("lrs")  # per-step learning rates (batch_parity.py), else the constant one
    for s in range(steps):
        if lrs:
            for g in opt.param_groups:
                g["lr"] = lrs[s]
        opt.zero_grad(set_to_none=True)
        loss = ((model(x[s * n:(s + 1) * n]) - y[s * n:(s + 1) * n]) ** 2).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), ours["clip"])
        opt.step()
        losses.append(float(loss.detach()))
    final = R.read_safetensors(a.dir / "final.safetensors")
    diffs = {}
    for k, v in model.state_dict().items():
        if k in final:
            d = (v.float() - final[k]).abs().max().item()
            diffs[k] = {"max_abs_diff": d, "max_abs": final[k].abs().max().item()}
    worst = sorted(diffs.items(), key=lambda kv: -kv[1]["max_abs_diff"] / max(kv[1]["max_abs"], 1e-12))[:5]
    rel = [abs(p - q) / max(abs(q), 1e-12) for p, q in zip(losses, ours["losses"])]
    print("step  regula      pytorch     rel diff")
    for s, (q, p, e) in enumerate(zip(ours["losses"], losses, rel)):
        print(f"{s + 1:4d}  {q:.6f}  {p:.6f}  {e:.2e}")
    print("largest weight differences after the last step (relative to the tensor's largest |value|):")
    for k, v in worst:
        print(f"  {k}: {v['max_abs_diff']:.3e} of {v['max_abs']:.3e}")
    (a.dir / "parity.json").write_text(json.dumps({"regula_losses": ours["losses"], "pytorch_losses": losses,
                                                    "relative_loss_diff": rel, "weights": diffs, "torch": torch.__version__}, indent=1))


if __name__ == "__main__":
    main()
