"""PyTorch twin of `trainer/examples/bench_train.rs`: the same model (the reference CNN, or
`legnet` as in reference.py), optimizer, loss, batch, sequence length and thread count; prints
training throughput in samples per second.

    python bench/reference/bench_train.py [--model cnn|legnet] [--stem-kernel 11] [--kernel 9]
        [--batch 32] [--len 230] [--threads 2] [--steps 100] [--warmup 10] [--clip 1.0]
"""

import argparse
import time

import torch
from torch import nn


def reference_cnn(outputs: int = 1) -> nn.Module:
    # Mirrors `Cnn::reference`: conv 4->64 k15 (no bias, BN follows), BN, ReLU, max-pool 4,
    # conv 64->64 k5, BN, ReLU, global average pool, dense.
    return nn.Sequential(
        nn.Conv1d(4, 64, 15, padding=7, bias=False),
        nn.BatchNorm1d(64),
        nn.ReLU(),
        nn.MaxPool1d(4),
        nn.Conv1d(64, 64, 5, padding=2, bias=False),
        nn.BatchNorm1d(64),
        nn.ReLU(),
        nn.AdaptiveAvgPool1d(1),
        nn.Flatten(),
        nn.Linear(64, outputs),
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--len", type=int, default=230)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--model", choices=["cnn", "legnet"], default="cnn")
    p.add_argument("--stem-kernel", type=int, default=11)
    p.add_argument("--kernel", type=int, default=9)
    p.add_argument("--clip", type=float, help="clip the global gradient norm (legnet recipe: 1.0)")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    if a.model == "legnet":
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from reference import build_model, resolve

        r = resolve({"preset": "legnet", "stem_kernel": a.stem_kernel, "kernels": [a.kernel] * 4})
        model = build_model(r, [a.len], 1, 0)
    else:
        model = reference_cnn()
    model = model.to(a.device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    loss_fn = nn.MSELoss()
    batches = []
    for _ in range(8):
        idx = torch.randint(0, 4, (a.batch, a.len))
        x = torch.nn.functional.one_hot(idx, 4).permute(0, 2, 1).float().contiguous()
        y = torch.rand(a.batch, 1) * 2 - 1
        batches.append((x.to(a.device), y.to(a.device)))

    def run(n: int) -> float:
        loss = torch.tensor(0.0)
        for i in range(n):
            x, y = batches[i % len(batches)]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            if a.clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
            opt.step()
        if a.device != "cpu":
            torch.cuda.synchronize()
        return float(loss.detach())

    model.train()
    run(a.warmup)
    start = time.perf_counter()
    loss = run(a.steps)
    secs = time.perf_counter() - start
    print(
        f"pytorch {torch.__version__} model={a.model} device={a.device} batch={a.batch} len={a.len} threads={a.threads} steps={a.steps}: "
        f"{a.steps * a.batch / secs:.1f} samples/s, {1e3 * secs / a.steps:.2f} ms/step, final loss {loss:.4f}"
    )


if __name__ == "__main__":
    main()
