"""The trainer's metrics (trainer/src/eval/metrics.rs), in NumPy, float64.

Regression: Pearson r, Spearman rho (average ranks for ties), R^2 = 1 - SSres/SStot, MSE.
Classification on logits: AUROC (Mann-Whitney, ties half), AUPRC as step-wise average precision
(tied scores enter together), MCC at logit 0. Undefined values are NaN, as in the trainer.
"""

import math

import numpy as np


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) < 2:
        return math.nan
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(dx @ dx), float(dy @ dy)
    if sxx == 0.0 or syy == 0.0:
        return math.nan
    return float(dx @ dy) / math.sqrt(sxx * syy)


def ranks(x: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties given their average rank."""
    x = np.asarray(x, np.float64)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    out = np.empty(len(x), np.float64)
    # Start index of each run of equal values.
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    ends = np.r_[starts[1:], len(x)] - 1
    avg = (starts + ends) / 2.0 + 1.0
    out[order] = np.repeat(avg, ends - starts + 1)
    return out


def spearman(x, y) -> float:
    return pearson(ranks(x), ranks(y))


def mse(pred, truth) -> float:
    d = np.asarray(pred, np.float64) - np.asarray(truth, np.float64)
    return float(np.mean(d * d))


def r2(pred, truth) -> float:
    pred, truth = np.asarray(pred, np.float64), np.asarray(truth, np.float64)
    ss_tot = float(np.sum((truth - truth.mean()) ** 2))
    ss_res = float(np.sum((pred - truth) ** 2))
    return math.nan if ss_tot == 0.0 else 1.0 - ss_res / ss_tot


def auroc(scores, labels) -> float:
    labels = np.asarray(labels, bool)
    pos = float(labels.sum())
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return math.nan
    r = ranks(scores)
    return (float(r[labels].sum()) - pos * (pos + 1) / 2) / (pos * neg)


def auprc(scores, labels) -> float:
    scores, labels = np.asarray(scores, np.float64), np.asarray(labels, bool)
    positives = int(labels.sum())
    if positives == 0:
        return math.nan
    order = np.argsort(-scores, kind="stable")
    s, l = scores[order], labels[order]
    tp = np.cumsum(l)
    fp = np.cumsum(~l)
    # Last index of each run of tied scores: all tied items enter together.
    last = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    recall = tp[last] / positives
    precision = tp[last] / (tp[last] + fp[last])
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def mcc(scores, labels, threshold: float = 0.0) -> float:
    p = np.asarray(scores, np.float64) >= threshold
    l = np.asarray(labels, bool)
    tp, tn = float(np.sum(p & l)), float(np.sum(~p & ~l))
    fp, fn = float(np.sum(p & ~l)), float(np.sum(~p & l))
    den = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
    return math.nan if den == 0.0 else (tp * tn - fp * fn) / math.sqrt(den)


def task_metrics(task: str, pred, truth) -> dict:
    if task == "regression":
        return {"mse": mse(pred, truth), "pearson": pearson(pred, truth), "r2": r2(pred, truth), "spearman": spearman(pred, truth)}
    labels = np.asarray(truth, np.float64) >= 0.5
    return {"auprc": auprc(pred, labels), "auroc": auroc(pred, labels), "mcc": mcc(pred, labels, 0.0)}


def evaluate(task: str, names: list, pred: np.ndarray, truth: np.ndarray) -> dict:
    """Per task (columns of `pred`/`truth`, [rows, tasks]) and `overall`: each metric's mean
    over tasks."""
    out = {name: task_metrics(task, pred[:, k], truth[:, k]) for k, name in enumerate(names)}
    overall: dict = {}
    for m in out.values():
        for k, v in m.items():
            overall[k] = overall.get(k, 0.0) + v / len(names)
    out["overall"] = overall
    return out
