"""PyTorch reference of a shipped Regula model: the same architecture and training recipe,
trained on the same rows and split, so its metrics and throughput can be set beside Regula's.

    python bench/reference/reference.py --model models/NAME --split SPLIT.tsv --out RESULT.json \
        [--threads 2] [--epochs N] [--seed S]

SPLIT.tsv comes from `regula-train split --config models/NAME/train.toml --out SPLIT.tsv`:
header `id, set, sequence, [partner], <targets...>`, `set` in {train, valid, test}, raw measured
targets, rows in the trainer's dataset order. The recipe is read from models/NAME/config.toml
(defaults as in trainer/src/fit/plan.rs), the target normalisation from manifest.json (and
recomputed on the training rows as a check). See bench/reference/README.md for what is mirrored
and what is not.
"""

import argparse
import copy
import csv
import datetime
import hashlib
import json
import math
import os
import platform
import shutil
import statistics
import struct
import sys
import time
import tomllib
from pathlib import Path

# Idle OpenMP workers sleep instead of spinning (the comparison in BENCHMARKS.md); the caller's
# environment wins. Must be set before torch loads its OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import metrics as M  # noqa: E402

# ----------------------------------------------------------------------------------------------
# The recipe: config.toml over the trainer's defaults (trainer/src/fit/plan.rs, model.rs).
# ----------------------------------------------------------------------------------------------

DUAL_HIDDEN = 64  # trainer/src/fit/model.rs
EVAL_BATCH = 256  # trainer/src/export.rs BATCH_ROWS (irrelevant to the result: BN uses running stats)


def resolve(cfg: dict) -> dict:
    task = cfg.get("task", "regression")
    preset = cfg.get("preset", "cnn")
    legnet = preset == "legnet"
    channels = cfg.get("channels", [80, 96, 112, 128] if legnet else [128, 128, 128])
    n = len(channels)
    kernels = cfg.get("kernels", [9] * n if legnet else ([15, 7, 5] + [5] * n)[:n])
    pools = cfg.get("pools", [2] * n if legnet else ([4, 4] + [1] * n)[:n])
    dilations = cfg.get("dilations", [1] * n)
    for name, v in [("kernels", kernels), ("pools", pools), ("dilations", dilations)]:
        if len(v) != n:
            raise SystemExit(f"{name} has {len(v)} values for {n} blocks")
    log_base = cfg.get("log_base")
    r = {
        "preset": cfg.get("preset", "cnn"),
        "channels": channels,
        "kernels": kernels,
        "dilations": dilations,
        "pools": pools,
        "activation": cfg.get("activation", "silu" if legnet else "relu"),
        "dropout": float(cfg.get("dropout", 0.0 if legnet else 0.2)),
        # legnet (trainer/src/model/legnet.rs)
        "stem_channels": int(cfg.get("stem_channels", 64)),
        "stem_kernel": int(cfg.get("stem_kernel", 11)),
        "expand": int(cfg.get("expand", 4)),
        "se_reduction": int(cfg.get("se_reduction", 4)),
        "task": task,
        "log": None if log_base is None else {"base": float(log_base), "pseudocount": float(cfg.get("pseudocount", 1.0))},
        "standardise": task == "regression" and bool(cfg.get("standardise", True)),
        "task_weights": cfg.get("task_weights"),
        "epochs": int(cfg.get("epochs", 20)),
        "batch_size": int(cfg.get("batch_size", 64)),
        "lr": float(cfg.get("max_lr", cfg.get("lr", 1e-3)) if cfg.get("schedule") == "one-cycle" else cfg.get("lr", 1e-3)),
        "weight_decay": float(cfg.get("weight_decay", 0.01)),
        "betas": [0.9, 0.999],
        "eps": 1e-8,
        "schedule": cfg.get("schedule", "cosine"),
        "warmup_epochs": float(cfg.get("warmup_epochs", 1.0)),
        "plateau_factor": float(cfg.get("plateau_factor", 2.0)),
        "plateau_patience": int(cfg.get("plateau_patience", 2)),
        "patience": int(cfg.get("patience", 5)),
        "metric": cfg.get("metric", "pearson" if task == "regression" else "auroc"),
        "augment_rc": bool(cfg.get("augment_rc", True)),
        "augment_shift": int(cfg.get("augment_shift", 0)),
        "flank_left": cfg.get("flank_left", "").strip().upper(),
        "flank_right": cfg.get("flank_right", "").strip().upper(),
        "rc_average": bool(cfg.get("rc_average", True)),
        "clip_grad_norm": cfg.get("clip_grad_norm"),
        # Training batches run at learning rate 0 before each validation, re-estimating the BN
        # running statistics for the epoch's final weights (trainer default 32; 0 = off).
        "bn_recalibration": int(cfg.get("bn_recalibration", 32)),
        "seed": int(cfg.get("seed", 1)),
    }
    if r["preset"] not in ("cnn", "dual-branch", "legnet"):
        raise SystemExit(f"preset {r['preset']} is not mirrored here (cnn, dual-branch and legnet are)")
    return r


# ----------------------------------------------------------------------------------------------
# Data: the split table, encoded as base codes (A C G T = 0..3, anything else = 4 = N).
# ----------------------------------------------------------------------------------------------

CODE = np.full(256, 4, np.uint8)
for i, b in enumerate(b"ACGT"):
    CODE[b] = i
    CODE[b + 32] = i  # lower case: soft-masked bases encode as the base (regula_core::encode::channel)
COMPLEMENT = np.array([3, 2, 1, 0, 4], np.uint8)
# One-hot rows per code; N = 0.25 in every channel (regula_core::encode::N_VALUE).
ONE_HOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0.25] * 4], np.float32)


class Data:
    def __init__(self, path: Path):
        csv.field_size_limit(1 << 30)
        with open(path, newline="") as f:
            reader = csv.reader(f, delimiter="\t")
            header = next(reader)
            rows = list(reader)
        if header[:3] != ["id", "set", "sequence"]:
            raise SystemExit(f"{path}: header must start with id, set, sequence; is {header[:3]}")
        has_partner = len(header) > 3 and header[3] == "partner"
        first_target = 4 if has_partner else 3
        self.target_names = header[first_target:]
        self.ids = [r[0] for r in rows]
        sets = np.array([r[1] for r in rows])
        self.index = {s: np.flatnonzero(sets == s) for s in ("train", "valid", "test")}
        # left_out: held out, but a training row has the same sequence; no metric reads it
        unknown = set(sets) - {"train", "valid", "test", "left_out"}
        if unknown:
            raise SystemExit(f"{path}: unknown set values {sorted(unknown)}")
        branches = [[r[2] for r in rows]] + ([[r[3] for r in rows]] if has_partner else [])
        self.lengths = [len(b[0]) for b in branches]
        codes = []
        for seqs, length in zip(branches, self.lengths):
            if any(len(s) != length for s in seqs):
                raise SystemExit(f"{path}: sequences of one column must have equal lengths")
            flat = np.frombuffer("".join(seqs).encode("ascii"), np.uint8)
            codes.append(CODE[flat].reshape(len(seqs), length))
        self.codes = np.concatenate(codes, axis=1)  # [rows, Lp (+ Ld)]
        self.targets = np.array([[float(v) for v in r[first_target:]] for r in rows], np.float64)

    def batch(self, rows: np.ndarray, flips: np.ndarray | None = None, shifts: np.ndarray | None = None,
              flanks: tuple = ("", "")) -> torch.Tensor:
        """One-hot `[len(rows), 4, L]`; each branch shifted (filled with N) and then reverse-
        complemented in place where asked (trainer/src/fit/batches.rs encode_rows). A single
        branch shifts within the construct `flanks[0] + sequence + flanks[1]` (N beyond it),
        as `shifted_in_context` does."""
        c = self.codes[rows]
        if shifts is not None and np.any(shifts != 0) and len(self.lengths) == 1 and (flanks[0] or flanks[1]):
            left = CODE[np.frombuffer(flanks[0].encode("ascii"), np.uint8)]
            right = CODE[np.frombuffer(flanks[1].encode("ascii"), np.uint8)]
            length = self.lengths[0]
            construct = np.concatenate([np.broadcast_to(left, (len(c), len(left))), c, np.broadcast_to(right, (len(c), len(right)))], axis=1)
            idx = len(left) - np.asarray(shifts)[:, None] + np.arange(length)[None, :]
            inside = (idx >= 0) & (idx < construct.shape[1])
            c = np.where(inside, np.take_along_axis(construct, np.clip(idx, 0, construct.shape[1] - 1), axis=1), 4).astype(np.uint8)
        elif shifts is not None and np.any(shifts != 0):
            c = c.copy()
            start = 0
            for length in self.lengths:
                seg = c[:, start : start + length].copy()
                out = np.full_like(seg, 4)
                for k, s in enumerate(shifts):
                    s = int(max(-length, min(length, s)))
                    if s >= 0:
                        out[k, s:] = seg[k, : length - s]
                    else:
                        out[k, : length + s] = seg[k, -s:]
                c[:, start : start + length] = out
                start += length
        if flips is not None and flips.any():
            c = c.copy()
            start = 0
            for length in self.lengths:
                seg = c[flips, start : start + length]
                c[flips, start : start + length] = COMPLEMENT[seg[:, ::-1]]
                start += length
        return torch.from_numpy(ONE_HOT[c]).permute(0, 2, 1).contiguous()


def fit_normalisation(data: Data, r: dict) -> list:
    """trainer/src/data/targets.rs: optional log, then mean and population std on training rows,
    summed in row order in float64 as the trainer does."""
    out = []
    for k in range(len(data.target_names)):
        log = r["log"]
        std = None
        if r["standardise"]:
            vals = [apply_norm({"log": log}, v) for v in data.targets[data.index["train"], k]]
            total = 0.0
            for v in vals:
                total += v
            mean = total / len(vals)
            ss = 0.0
            for v in vals:
                ss += (v - mean) * (v - mean)
            std = {"mean": mean, "std": math.sqrt(ss / len(vals))}
        out.append({"log": log, "standardise": std})
    return out


def apply_norm(n: dict, x: float) -> float:
    if n.get("log"):
        x = math.log(x + n["log"]["pseudocount"], n["log"]["base"])
    if n.get("standardise"):
        x = (x - n["standardise"]["mean"]) / n["standardise"]["std"]
    return x


def undo_norm(n: dict, z: np.ndarray) -> np.ndarray:
    z = z.astype(np.float64)
    if n.get("standardise"):
        z = z * n["standardise"]["std"] + n["standardise"]["mean"]
    if n.get("log"):
        z = n["log"]["base"] ** z - n["log"]["pseudocount"]
    return z


def manifest_normalisation(manifest: dict) -> list:
    out = []
    for t in manifest["targets"]:
        n = t.get("normalisation", {}) or {}
        out.append({"log": n.get("log"), "standardise": n.get("standardise")})
    return out


# ----------------------------------------------------------------------------------------------
# Models: trainer/src/model/{cnn.rs,dual.rs,mod.rs}. Module names follow the trainer's parameter
# names, so a Regula checkpoint (safetensors) loads with load_state_dict.
# ----------------------------------------------------------------------------------------------

ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "softplus": nn.Softplus, "silu": nn.SiLU}  # GELU: exact (erf), as ONNX Gelu


class Trunk(nn.Module):
    """Per block: `same`-padded conv without bias (extra padding at the end for even kernels, as
    torch's padding="same"), BN (eps 1e-5, momentum 0.1), activation, max-pool (kernel = stride,
    floor) when pool > 1. Parameters `conv{i}.weight`, `bn{i}.*`."""

    def __init__(self, r: dict):
        super().__init__()
        self.n = len(r["channels"])
        cin = 4
        for i, (c, k, d, p) in enumerate(zip(r["channels"], r["kernels"], r["dilations"], r["pools"])):
            setattr(self, f"conv{i}", nn.Conv1d(cin, c, k, dilation=d, padding="same", bias=False))
            setattr(self, f"bn{i}", nn.BatchNorm1d(c, eps=1e-5, momentum=0.1))
            setattr(self, f"act{i}", ACTIVATIONS[r["activation"]]())
            setattr(self, f"pool{i}", nn.MaxPool1d(p) if p > 1 else nn.Identity())
            cin = c
        self.out_channels = cin

    def forward(self, x):
        for i in range(self.n):
            x = getattr(self, f"pool{i}")(getattr(self, f"act{i}")(getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(x))))
        return x

    def init_order(self):
        return [getattr(self, f"conv{i}").weight for i in range(self.n)]


class Cnn(Trunk):
    """`cnn`: trunk, global average pool, dropout, dense (`dense.*`)."""

    def __init__(self, r: dict, outputs: int):
        super().__init__(r)
        self.drop = nn.Dropout(r["dropout"])
        self.dense = nn.Linear(self.out_channels, outputs)

    def forward(self, x):
        h = super().forward(x).mean(dim=2)
        return self.dense(self.drop(h))

    def init_order(self):
        return super().init_order() + [self.dense.weight, self.dense.bias]


class DualBranch(nn.Module):
    """`dual-branch`: input `[N, 4, Lp + Ld]`; promoter and distal trunks of the same shape with
    separate weights, each globally average-pooled; concatenated; dense 64 (`merge.*`),
    activation, dropout, dense out (`dense.*`)."""

    def __init__(self, r: dict, lengths: list, outputs: int):
        super().__init__()
        self.lp = lengths[0]
        self.promoter = Trunk(r)
        self.distal = Trunk(r)
        width = self.promoter.out_channels + self.distal.out_channels
        self.merge = nn.Linear(width, DUAL_HIDDEN)
        self.act = ACTIVATIONS[r["activation"]]()
        self.drop = nn.Dropout(r["dropout"])
        self.dense = nn.Linear(DUAL_HIDDEN, outputs)

    def forward(self, x):
        p = self.promoter(x[:, :, : self.lp]).mean(dim=2)
        d = self.distal(x[:, :, self.lp :]).mean(dim=2)
        h = self.drop(self.act(self.merge(torch.cat([p, d], dim=1))))
        return self.dense(h)

    def init_order(self):
        return self.promoter.init_order() + self.distal.init_order() + [self.merge.weight, self.merge.bias, self.dense.weight, self.dense.bias]


class ConvBnSilu(nn.Module):
    """`same`-padded conv without bias, BN, SiLU (`NAME.conv.weight`, `NAME.bn.*`)."""

    def __init__(self, cin: int, cout: int, k: int, groups: int = 1):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, k, padding="same", groups=groups, bias=False)
        self.bn = nn.BatchNorm1d(cout, eps=1e-5, momentum=0.1)

    def forward(self, x):
        return F.silu(self.bn(self.conv(x)))


class SqueezeExcitation(nn.Module):
    def __init__(self, c: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(c, hidden)
        self.fc2 = nn.Linear(hidden, c)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.silu(self.fc1(x.mean(dim=2)))))
        return x * s.unsqueeze(2)


class LegNetStage(nn.Module):
    def __init__(self, c: int, out: int, k: int, pool: int, expand: int, se_reduction: int):
        super().__init__()
        inner = c * expand
        self.expand = ConvBnSilu(c, inner, 1)
        self.depthwise = ConvBnSilu(inner, inner, k, groups=inner)
        self.se = SqueezeExcitation(inner, max(inner // se_reduction, 1))
        self.project = ConvBnSilu(inner, c, 1)
        self.local = ConvBnSilu(2 * c, out, k)
        self.pool = nn.MaxPool1d(pool) if pool > 1 else nn.Identity()

    def forward(self, x):
        b = self.project(self.se(self.depthwise(self.expand(x))))
        return self.pool(self.local(torch.cat([b, x], dim=1)))


class LegNet(nn.Module):
    """`legnet` (trainer/src/model/legnet.rs, after autosome-ru/human_legnet model.py): stem,
    stages (inverted bottleneck with squeeze-excitation, concatenated to its input; conv to the
    stage width; max-pool), mapper (BN, 1x1 conv with bias), mean over length, dense, BN, SiLU,
    dense. Module names are the trainer's parameter names."""

    def __init__(self, r: dict, outputs: int):
        super().__init__()
        self.stem = ConvBnSilu(4, r["stem_channels"], r["stem_kernel"])
        c = r["stem_channels"]
        self.n = len(r["channels"])
        for i, (out, k, p) in enumerate(zip(r["channels"], r["kernels"], r["pools"])):
            setattr(self, f"stage{i}", LegNetStage(c, out, k, p, r["expand"], r["se_reduction"]))
            c = out
        self.mapper = nn.Module()
        self.mapper.bn = nn.BatchNorm1d(c, eps=1e-5, momentum=0.1)
        self.mapper.conv = nn.Conv1d(c, 2 * c, 1)
        self.head = nn.Module()
        self.head.fc = nn.Linear(2 * c, 2 * c)
        self.head.bn = nn.BatchNorm1d(2 * c, eps=1e-5, momentum=0.1)
        self.dense = nn.Linear(2 * c, outputs)

    def forward(self, x):
        h = self.stem(x)
        for i in range(self.n):
            h = getattr(self, f"stage{i}")(h)
        h = self.mapper.conv(self.mapper.bn(h)).mean(dim=2)
        return self.dense(F.silu(self.head.bn(self.head.fc(h))))

    def initialise(self, gen: torch.Generator):
        """Init::Normal as in legnet.rs (and human_legnet's initialize_weights): conv weights
        N(0, 2 / (kernel x out channels)), dense weights N(0, 0.001^2), biases 0, BN 1 / 0."""
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, nn.Conv1d):
                    m.weight.normal_(0.0, math.sqrt(2.0 / (m.kernel_size[0] * m.out_channels)), generator=gen)
                    if m.bias is not None:
                        m.bias.zero_()
                elif isinstance(m, nn.Linear):
                    m.weight.normal_(0.0, 0.001, generator=gen)
                    m.bias.zero_()


def build_model(r: dict, lengths: list, outputs: int, seed: int) -> nn.Module:
    if r["preset"] == "legnet":
        if len(lengths) != 1:
            raise SystemExit("the legnet preset reads one sequence per row; the split has a partner column")
        model = LegNet(r, outputs)
        model.initialise(torch.Generator().manual_seed(seed))
        return model
    if r["preset"] == "cnn":
        if len(lengths) != 1:
            raise SystemExit("the cnn preset reads one sequence per row; the split has a partner column")
        model = Cnn(r, outputs)
    else:
        if len(lengths) != 2:
            raise SystemExit("the dual-branch preset needs a partner column in the split")
        model = DualBranch(r, lengths, outputs)
    # trainer/src/params.rs Init::Uniform: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for conv and dense
    # weights and dense biases (fan_in = in channels x kernel, or in features), BN scale 1 and
    # shift 0, in declaration order from one seeded generator. Same distribution, other stream.
    gen = torch.Generator().manual_seed(seed)
    fan_in = 1
    with torch.no_grad():
        for p in model.init_order():
            if p.dim() > 1:  # a weight; a bias that follows uses its layer's fan_in
                fan_in = int(np.prod(p.shape[1:]))
            b = 1.0 / math.sqrt(fan_in)
            p.uniform_(-b, b, generator=gen)
    return model


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ----------------------------------------------------------------------------------------------
# Schedule: trainer/src/fit/schedule.rs (per step; plateau bookkeeping per epoch).
# ----------------------------------------------------------------------------------------------


class LrSchedule:
    def __init__(self, r: dict, batches_per_epoch: int, epochs: int):
        self.kind = r["schedule"]
        self.peak = r["lr"]
        self.warmup = int(math.floor(r["warmup_epochs"] * batches_per_epoch + 0.5))  # Rust f64::round
        self.total = epochs * batches_per_epoch
        self.scale, self.stalled = 1.0, 0
        self.factor, self.patience = r["plateau_factor"], r["plateau_patience"]

    def lr(self, step: int) -> float:
        if self.kind == "one-cycle":
            # torch's OneCycleLR (pct_start 0.3, cos, div 25, final div 1e4), call step - 1.
            init, mn = self.peak / 25.0, self.peak / 25.0 / 1e4
            ann = lambda a, b, pct: b + (a - b) / 2.0 * (math.cos(math.pi * pct) + 1.0)  # noqa: E731
            i, total = max(step - 1, 0), max(self.total, 2)
            up_end = 0.3 * total - 1.0
            if i <= up_end and up_end > 0:
                return ann(init, self.peak, i / up_end)
            return ann(self.peak, mn, min((i - max(up_end, 0.0)) / max(total - 1.0 - up_end, 1e-12), 1.0))
        if self.warmup > 0 and step <= self.warmup:
            return self.peak * step / self.warmup
        if self.kind == "constant":
            return self.peak
        if self.kind == "plateau":
            return self.peak * self.scale
        span = max(self.total - self.warmup, 1)
        t = min(max(step - self.warmup, 0) / span, 1.0)
        return self.peak * 0.5 * (1.0 + math.cos(math.pi * t))

    def end_epoch(self, improved: bool):
        if self.kind != "plateau":
            return
        if improved:
            self.stalled = 0
        else:
            self.stalled += 1
            if self.stalled >= self.patience:
                self.scale /= self.factor
                self.stalled = 0


# ----------------------------------------------------------------------------------------------
# Evaluation: trainer/src/fit/evaluate.rs and export.rs predict_items.
# ----------------------------------------------------------------------------------------------


@torch.no_grad()
def predict(model: nn.Module, data: Data, rows: np.ndarray, rc_average: bool) -> np.ndarray:
    """Raw outputs `[rows, tasks]` (training space), float32; mean of both strands if asked."""
    model.eval()
    out = []
    for i in range(0, len(rows), EVAL_BATCH):
        b = rows[i : i + EVAL_BATCH]
        f = model(data.batch(b))
        if rc_average:
            rv = model(data.batch(b, flips=np.ones(len(b), bool)))
            f = 0.5 * (f + rv)
        out.append(f.numpy())
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, len(data.target_names)), np.float32)


def mean_loss(task: str, raw: np.ndarray, targets: np.ndarray) -> float:
    p, y = raw.astype(np.float64), targets.astype(np.float64)
    if task == "regression":
        e = (p - y) ** 2
    else:
        e = np.maximum(p, 0) - p * y + np.log1p(np.exp(-np.abs(p)))
    return float(e.mean()) if e.size else math.nan


def measured(task: str, raw: np.ndarray, norms: list) -> np.ndarray:
    if task != "regression":
        return raw.astype(np.float64)  # logits
    return np.stack([undo_norm(n, raw[:, k]) for k, n in enumerate(norms)], axis=1)


def normalised(data: Data, rows: np.ndarray, norms: list) -> np.ndarray:
    """Training-space targets `[rows, tasks]`, float32 as the trainer feeds them."""
    t = data.targets[rows]
    return np.array([[apply_norm(n, v) for v, n in zip(row, norms)] for row in t], np.float32).reshape(len(rows), len(norms))


def clean(x):
    """JSON without NaN: undefined metrics become null."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [clean(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


# ----------------------------------------------------------------------------------------------
# Regula's shipped weights: check the twin's forward pass and evaluation against the manifest.
# ----------------------------------------------------------------------------------------------


def read_safetensors(path: Path) -> dict:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            continue
        a, b = meta["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(raw[base + a : base + b], np.float32).copy()).reshape(meta["shape"])
    return out


def _varint(buf: bytes, i: int):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def _walk(buf: bytes):
    """(field number, wire type, value, start, end) of each field of a protobuf message; a
    length-delimited value as bytes, with its offsets in `buf` (start, end; else None)."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        start = end = None
        if wire == 0:
            v, i = _varint(buf, i)
        elif wire == 1:
            v, i = buf[i : i + 8], i + 8
        elif wire == 5:
            v, i = buf[i : i + 4], i + 4
        elif wire == 2:
            n, i = _varint(buf, i)
            start, end = i, i + n
            v, i = buf[start:end], end
        else:
            raise ValueError(f"protobuf wire type {wire}")
        yield field, wire, v, start, end


def _fields(buf: bytes):
    """(field number, wire type, value) of a protobuf message; length-delimited values as bytes."""
    for field, wire, v, _, _ in _walk(buf):
        yield field, wire, v


def read_onnx_initializers(path: Path) -> dict:
    """The float32 initializers of an ONNX model by name (ModelProto.graph = 7, GraphProto.
    initializer = 5; TensorProto dims = 1, data_type = 2, float_data = 4, name = 8, raw_data = 9)."""
    graph = next(v for f, _, v in _fields(path.read_bytes()) if f == 7)
    out = {}
    for f, _, t in _fields(graph):
        if f != 5:
            continue
        dims, dtype, name, data = [], None, None, None
        for tf, wire, v in _fields(t):
            if tf == 1:
                if wire == 2:  # packed
                    j = 0
                    while j < len(v):
                        d, j = _varint(v, j)
                        dims.append(d)
                else:
                    dims.append(v)
            elif tf == 2:
                dtype = v
            elif tf == 8:
                name = v.decode()
            elif tf == 9 or (tf == 4 and wire == 2):
                data = v
        if dtype == 1 and name and data is not None:
            out[name] = torch.from_numpy(np.frombuffer(data, "<f4").copy()).reshape(dims)
    return out


def _spans(buf: bytes, base: int = 0):
    """(field number, start, end) of each length-delimited field of a protobuf message, as
    offsets into the whole buffer (base: where `buf` starts in it)."""
    for field, wire, _, start, end in _walk(buf):
        if wire == 2:
            yield field, base + start, base + end


def write_onnx_initializers(src: Path, dst: Path, tensors: dict) -> list:
    """A copy of the ONNX model `src` at `dst` whose float32 initializers named in `tensors` hold
    those values instead (written in place: same shapes, so the same bytes count); the names
    written. Every other byte stays as it was."""
    buf = bytearray(src.read_bytes())
    graph = next((a, b) for f, a, b in _spans(bytes(buf)) if f == 7)
    written = []
    for f, a, b in _spans(bytes(buf[graph[0] : graph[1]]), graph[0]):
        if f != 5:
            continue
        fields = {tf: (x, y) for tf, x, y in _spans(bytes(buf[a:b]), a)}
        name = bytes(buf[slice(*fields[8])]).decode() if 8 in fields else None
        data = fields.get(9) or fields.get(4)
        if name in tensors and data is not None:
            values = tensors[name].detach().cpu().numpy().astype("<f4").tobytes()
            if len(values) != data[1] - data[0]:
                raise ValueError(f"{src}: initializer {name} holds {data[1] - data[0]} bytes, the twin's {len(values)}")
            buf[data[0] : data[1]] = values
            written.append(name)
    dst.write_bytes(bytes(buf))
    return written


def save_twin_model(model_dir: Path, manifest: dict, model: nn.Module, final: dict, seed: int, out: Path) -> None:
    """The trained twin as a Regula model folder: Regula's exported graphs with the twin's weights
    (the modules carry the trainer's parameter names), so `regula-train` (ism, score-variants,
    evaluate) and bench/cagi5 score the twin exactly as they score Regula's model."""
    out.mkdir(parents=True, exist_ok=False)
    tensors = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    files = [manifest.get("model_file", "model.onnx")] + [g["file"] for g in manifest.get("graphs", {}).values()]
    for name in files:
        written = write_onnx_initializers(model_dir / name, out / name, tensors)
        if set(written) != set(tensors):
            raise SystemExit(f"{model_dir / name}: no initializer for {sorted(set(tensors) - set(written))}")
    twin = copy.deepcopy(manifest)
    twin["name"] = f"{manifest.get('name', model_dir.name)}-pytorch-twin"
    twin["description"] = f"PyTorch twin of {manifest.get('name', model_dir.name)} (bench/reference/reference.py): its weights in Regula's exported graph"
    twin["model_sha256"] = hashlib.sha256((out / files[0]).read_bytes()).hexdigest()
    twin["metrics"] = final
    twin["training"] = {**manifest.get("training", {}), "seed": seed}
    (out / "manifest.json").write_text(json.dumps(twin, indent=1) + "\n")
    for extra in ("config.toml", "train.toml"):
        if (model_dir / extra).exists():
            shutil.copy(model_dir / extra, out / extra)


def row_class(row_id: str):
    """trainer/src/fit/evaluate.rs row_class: the class of a lentiMPRA row from its id."""
    if row_id.startswith("ENSG"):
        return "promoters (ENSG*)"
    if row_id.startswith("DNasePeakNoPromoter"):
        return "candidate enhancers (DNasePeakNoPromoter*)"
    lower = row_id.lower()
    return "controls" if "shuffled" in lower or "control" in lower else None


def rows_by_class(ids: list) -> list:
    """trainer/src/fit/scoring.rs rows_by_class: positions in `ids` per class (promoters,
    candidate enhancers, controls; classes of at least three rows: two points always give a
    correlation of ±1), none when every row has the same class or none has one."""
    classes: dict = {}
    for p, i in enumerate(ids):
        c = row_class(i)
        if c is not None:
            classes.setdefault(c, []).append(p)
    if not classes or (len(classes) == 1 and len(next(iter(classes.values()))) == len(ids)):
        return []
    order = ["promoters", "candidate", "controls"]
    ranked = sorted(classes.items(), key=lambda kv: [kv[0].startswith(o) for o in order].index(True))
    return [(c, np.array(m)) for c, m in ranked if len(m) >= 3]


def check_shipped(model_dir: Path, model: nn.Module, data: Data, r: dict, norms: list, manifest: dict) -> dict:
    """Loads the weights of Regula's exported model (model.onnx, as shipped; else the checkpoint's
    best.safetensors) into the twin and evaluates the validation (and test) rows."""
    path = model_dir / manifest.get("model_file", "model.onnx")
    try:
        tensors = read_onnx_initializers(path)
    except (OSError, StopIteration, ValueError, IndexError):
        path = model_dir / "checkpoint" / "best.safetensors"
        if not path.exists():
            return {"checked": False, "why": f"neither model.onnx nor {path} could be read"}
        tensors = read_safetensors(path)
    twin = copy.deepcopy(model)
    sd = twin.state_dict()
    wanted = [k for k in sd if not k.endswith("num_batches_tracked")]
    missing = [k for k in wanted if k not in tensors]
    if missing:
        return {"checked": False, "why": f"not in the checkpoint: {missing}"}
    twin.load_state_dict({k: tensors[k] for k in wanted}, strict=False)
    out = {"checked": True, "weights": str(path)}
    for name, key in (("validation", "valid"), ("test", "test")):
        rows = data.index[key]
        if len(rows) == 0 or name not in manifest.get("metrics", {}):
            continue
        raw = predict(twin, data, rows, r["rc_average"])
        ours = M.evaluate(r["task"], data.target_names, measured(r["task"], raw, norms), data.targets[rows])
        theirs = manifest["metrics"][name]["per_target"]
        diffs = [abs(ours[t][k] - v) for t, m in theirs.items() for k, v in m.items() if t in ours and k in ours[t]]
        out[name] = {"rows": int(len(rows)), "manifest_rows": manifest["metrics"][name]["rows"], "metrics": ours["overall"], "max_abs_diff_vs_manifest": max(diffs) if diffs else None}
    return out


# ----------------------------------------------------------------------------------------------
# Training: trainer/src/fit/run.rs.
# ----------------------------------------------------------------------------------------------


def regula_side(model_dir: Path, manifest: dict, train_rows: int, higher_better: bool) -> dict:
    """Regula's numbers for the model: the manifest's metrics and its own training report."""
    hist = []
    report_path = model_dir / "report.json"
    if report_path.exists():
        hist = json.loads(report_path.read_text()).get("history", [])
    training = manifest.get("training", {})
    return {
        "metrics": manifest.get("metrics"),
        "parameters_in_manifest": training.get("parameters"),
        "epochs_run": training.get("epochs"),
        "best_epoch": max(hist, key=lambda h: h["valid_metric"] if higher_better else -h["valid_metric"])["epoch"] if hist else None,
        "seconds": training.get("seconds"),
        "machine": training.get("machine"),
        # Training rows / whole-epoch seconds (graph and session building, evaluation included).
        "median_rows_per_s_incl_eval": statistics.median(train_rows / h["seconds"] for h in hist) if hist else None,
        "manifest_modified": datetime.datetime.fromtimestamp((model_dir / "manifest.json").stat().st_mtime, datetime.timezone.utc).isoformat(timespec="seconds")
        if (model_dir / "manifest.json").exists() else None,
    }


def environment(threads: int) -> dict:
    cpu = platform.processor()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "requested_threads": threads,
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
        # glibc's malloc: set by bench/run.sh so freed activations stay mapped (throughput.py says why)
        "MALLOC_MMAP_MAX_": os.environ.get("MALLOC_MMAP_MAX_"),
        "MALLOC_TRIM_THRESHOLD_": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "device": "cpu",
        "load_average_start": list(os.getloadavg()),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, type=Path, help="models/NAME (config.toml, manifest.json)")
    ap.add_argument("--split", required=True, type=Path, help="SPLIT.tsv from `regula-train split`")
    ap.add_argument("--out", required=True, type=Path, help="RESULT.json")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, help="override the recipe's epochs (as `regula-train fit --epochs`)")
    ap.add_argument("--seed", type=int, help="override the recipe's seed")
    ap.add_argument("--bn-recalibration", type=int, help="override the recipe's bn_recalibration (0 for models trained before the option existed)")
    ap.add_argument("--save-model", type=Path, help="write the trained twin as a Regula model folder here (Regula's graphs, the twin's weights), to score it with regula-train and bench/cagi5")
    ap.add_argument("--check-only", action="store_true", help="no training: load Regula's exported weights into the twin and compare its validation metrics with the manifest's; "
                    "if --out is an earlier result, refresh its Regula side (manifest metrics, report) in place")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    env = environment(a.threads)

    # A trained model folder has config.toml and manifest.json; a folder with only its recipe
    # (train.toml) also works, so the twin can train while Regula trains: normalisation is then
    # recomputed from the training rows, and `--check-only --out RESULT.json` adds Regula's side
    # once its model is there.
    config_path = a.model / "config.toml"
    if not config_path.exists():
        config_path = a.model / "train.toml"
    cfg = tomllib.loads(config_path.read_text())
    manifest_path = a.model / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"name": cfg.get("name", a.model.name)}
    r = resolve(cfg)
    if a.epochs is not None:
        r["epochs"] = a.epochs
    if a.seed is not None:
        r["seed"] = a.seed
    if a.bn_recalibration is not None:
        r["bn_recalibration"] = a.bn_recalibration
    torch.manual_seed(r["seed"])  # dropout masks

    data = Data(a.split)
    train, valid = data.index["train"], data.index["valid"]
    if len(train) == 0 or len(valid) == 0:
        raise SystemExit("the split needs train and valid rows")
    if r["task"] == "classification" and not np.isin(data.targets, [0.0, 1.0]).all():
        raise SystemExit("classification targets must be 0 or 1")
    outputs = len(data.target_names)
    ours_norm = fit_normalisation(data, r)
    norms = manifest_normalisation(manifest) if "targets" in manifest else ours_norm
    theirs_norm = manifest_normalisation(manifest) if "targets" in manifest else None
    norm_check = {"recomputed": ours_norm, "manifest": theirs_norm, "identical": ours_norm == theirs_norm}

    model = build_model(r, data.lengths, outputs, r["seed"])
    n_params = count_parameters(model)
    twin_check = check_shipped(a.model, model, data, r, norms, manifest)
    print(f"{manifest.get('name', a.model.name)}: {len(train)} train / {len(valid)} valid / {len(data.index['test'])} test rows, "
          f"{n_params} parameters; normalisation identical to the manifest: {norm_check['identical']}", flush=True)
    if twin_check.get("checked") and "validation" in twin_check:
        v = twin_check["validation"]
        print(f"shipped weights in the twin: validation {v['metrics']}, max |diff| vs manifest {v['max_abs_diff_vs_manifest']:.3g}", flush=True)
    else:
        print(f"shipped weights not checked: {twin_check}", flush=True)
    if a.check_only:
        # With an existing result (the model was retrained after the reference ran): refresh
        # Regula's side of it. Otherwise write the check alone.
        result = json.loads(a.out.read_text()) if a.out.exists() else {}
        higher_better = r["metric"] not in ("mse", "loss")
        update = {"shipped_weights_check": twin_check, "normalisation": norm_check}
        if "epochs" in result:
            update["regula"] = regula_side(a.model, manifest, len(train), higher_better)
            update["regula_refreshed"] = env["date"]
        else:
            update.update({"model": manifest.get("name"), "parameters": n_params, "environment": env})
        result.update(update)
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(clean(result), indent=1) + "\n")
        return

    bs = r["batch_size"]
    bpe = max(len(train) // bs + (1 if len(train) % bs >= 2 else 0), 1)  # a last batch of 1 row is dropped (BN)
    sched = LrSchedule(r, bpe, r["epochs"])
    opt = torch.optim.AdamW(model.parameters(), lr=r["lr"], betas=tuple(r["betas"]), eps=r["eps"], weight_decay=r["weight_decay"])
    weights_row = torch.tensor(r["task_weights"] or [1.0] * outputs, dtype=torch.float32)
    train_targets = torch.from_numpy(normalised(data, np.arange(len(data.ids)), norms))  # all rows, indexed per batch
    valid_targets = train_targets[valid].numpy()
    higher_better = r["metric"] not in ("mse", "loss")
    has_bn = any(isinstance(m, nn.BatchNorm1d) for m in model.modules())

    def augmented(rows, epoch, b):
        rng = np.random.default_rng([r["seed"], epoch, b, 2])
        flips = rng.random(len(rows)) < 0.5 if r["augment_rc"] else None
        m = r["augment_shift"]
        shifts = rng.integers(-m, m + 1, len(rows)) if m > 0 else None
        return data.batch(rows, flips, shifts, (r["flank_left"], r["flank_right"]))

    best_metric, best_epoch, since_best, best_state = None, 0, 0, None
    history = []
    step = 0
    epoch = 0
    while epoch < r["epochs"] and since_best < max(r["patience"], 1):
        epoch += 1
        model.train()
        order = np.random.default_rng([r["seed"], epoch, 0, 1]).permutation(train)
        loss_sum, lr, prep = 0.0, 0.0, 0.0
        t0 = time.perf_counter()
        for b in range(bpe):
            rows = order[b * bs : (b + 1) * bs]
            tp = time.perf_counter()
            x = augmented(rows, epoch, b)
            y = train_targets[rows]
            prep += time.perf_counter() - tp
            step += 1
            lr = sched.lr(step)
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad(set_to_none=True)
            pred = model(x)
            per = (pred - y) ** 2 if r["task"] == "regression" else F.binary_cross_entropy_with_logits(pred, y, reduction="none")
            w = weights_row.expand_as(per)
            loss = (per * w).sum() / w.sum()
            loss.backward()
            if r["clip_grad_norm"] is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), float(r["clip_grad_norm"]))
            opt.step()
            lv = float(loss.detach())
            if not math.isfinite(lv):
                raise SystemExit(f"the training loss became {lv} at epoch {epoch}, batch {b + 1}")
            loss_sum += lv
        train_seconds = time.perf_counter() - t0
        trained = min(bpe * bs, len(train))

        te = time.perf_counter()
        # BN recalibration (trainer/src/fit/run.rs): the first `bn_recalibration` batches of this
        # epoch's order, with the same augmentation, through the model in training mode at
        # learning rate 0 — weights unchanged, running statistics updated (momentum 0.1). The
        # recalibrated state is evaluated (and kept if best); training continues from the state
        # before it, so the next epoch does not see these steps.
        snapshot = None
        recal_seconds = 0.0
        if r["bn_recalibration"] > 0 and has_bn:
            snapshot = copy.deepcopy(model.state_dict())
            model.train()
            with torch.no_grad():
                for b in range(min(r["bn_recalibration"], math.ceil(len(order) / bs))):
                    model(augmented(order[b * bs : (b + 1) * bs], epoch, b))
            recal_seconds = time.perf_counter() - te
        raw = predict(model, data, valid, r["rc_average"])
        valid_loss = mean_loss(r["task"], raw, valid_targets)
        mets = M.evaluate(r["task"], data.target_names, measured(r["task"], raw, norms), data.targets[valid])
        metric = valid_loss if r["metric"] == "loss" else mets["overall"][r["metric"]]
        if best_metric is None:
            improved = math.isfinite(metric)
        else:
            improved = metric > best_metric if higher_better else metric < best_metric
        if improved:
            best_metric, best_epoch, since_best = metric, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            since_best += 1
        sched.end_epoch(improved)
        if snapshot is not None:
            model.load_state_dict(snapshot)
        eval_seconds = time.perf_counter() - te
        rec = {
            "epoch": epoch,
            "train_loss": loss_sum / bpe,
            "valid_loss": valid_loss,
            "valid_metric": metric,
            "valid_metrics": mets["overall"],
            "learning_rate": lr,
            "improved": improved,
            "train_seconds": train_seconds,
            "batch_prep_seconds": prep,
            "eval_seconds": eval_seconds,
            "bn_recalibration_seconds": recal_seconds,
            "samples_per_s": trained / train_seconds,
            "load_average": list(os.getloadavg()),
        }
        history.append(rec)
        print(f"epoch {epoch}/{r['epochs']}: train loss {rec['train_loss']:.4f}, valid loss {valid_loss:.4f}, valid {r['metric']} {metric:.4f}"
              f"{' (best)' if improved else ''}, train {train_seconds:.1f} s ({rec['samples_per_s']:.0f} samples/s), eval {eval_seconds:.1f} s", flush=True)

    if best_state is None:
        raise SystemExit("no epoch produced a finite validation metric")
    model.load_state_dict(best_state)
    final = {}
    for name, key in (("validation", "valid"), ("test", "test")):
        rows = data.index[key]
        if len(rows):
            raw = predict(model, data, rows, r["rc_average"])
            pred = measured(r["task"], raw, norms)
            final[name] = {"rows": int(len(rows)), "per_target": M.evaluate(r["task"], data.target_names, pred, data.targets[rows])}
            # Per row class, as the trainer's manifest has them ("validation: promoters (ENSG*)").
            for cls, members in rows_by_class([data.ids[i] for i in rows]):
                final[f"{name}: {cls}"] = {"rows": len(members), "per_target": M.evaluate(r["task"], data.target_names, pred[members], data.targets[rows[members]])}

    env["load_average_end"] = list(os.getloadavg())
    sps = [h["samples_per_s"] for h in history]
    result = {
        "model": manifest.get("name", a.model.name),
        "model_dir": str(a.model),
        "split": str(a.split),
        "rows": {k: int(len(v)) for k, v in data.index.items()},
        "lengths": data.lengths,
        "targets": data.target_names,
        "recipe": r,
        "batches_per_epoch": bpe,
        "parameters": n_params,
        "normalisation": norm_check,
        "shipped_weights_check": twin_check,
        "epochs": history,
        "epochs_run": epoch,
        "best_epoch": best_epoch,
        "best_metric": best_metric,
        "metrics": final,
        "median_samples_per_s": statistics.median(sps),
        "total_train_seconds": sum(h["train_seconds"] for h in history),
        "environment": env,
        "regula": regula_side(a.model, manifest, len(train), higher_better),
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(clean(result), indent=1) + "\n")
    v = final["validation"]["per_target"]["overall"]
    if a.save_model:
        save_twin_model(a.model, manifest, model, final, r["seed"], a.save_model)
    print(f"best epoch {best_epoch} of {epoch}; validation {v}; median {result['median_samples_per_s']:.0f} samples/s -> {a.out}", flush=True)


if __name__ == "__main__":
    main()
