#!/usr/bin/env python3
"""Where a `legnet` train step of the PyTorch twin spends its time (torch.profiler, CPU): the
twin of `trainer/examples/profile_step.rs` (published sizes, stem kernel 11, stage kernels 9;
MSE, AdamW lr 1e-3 weight decay 0.01, gradient norm clipped at 1, as bench_train.py).

    python bench/reference/profile_step.py [--batch 128] [--threads 2] [--steps 3]

Prints the ops by self CPU time and the time of each part (forward, backward, optimizer).
"""
import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile, record_function

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference import build_model, resolve  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    model = build_model(resolve({"preset": "legnet", "stem_kernel": 11, "kernels": [9] * 4}), [230], 1, 0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    x = nn.functional.one_hot(torch.randint(0, 4, (a.batch, 230)), 4).permute(0, 2, 1).float().contiguous()
    y = torch.rand(a.batch, 1) * 2 - 1

    def step():
        opt.zero_grad(set_to_none=True)
        with record_function("part:forward"):
            loss = nn.functional.mse_loss(model(x), y)
        with record_function("part:backward"):
            loss.backward()
        with record_function("part:optimizer"):
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()

    model.train()
    for _ in range(2):
        step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        for _ in range(a.steps):
            step()
        secs = (time.perf_counter() - start) / a.steps
    print(f"{secs * 1e3:.1f} ms/step (profiled, {a.threads} threads, batch {a.batch})")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
    for e in prof.key_averages():
        if e.key.startswith("part:"):
            print(f"{e.key[5:]:>10}: {e.cpu_time_total / 1e3 / a.steps:8.1f} ms/step")


if __name__ == "__main__":
    main()
