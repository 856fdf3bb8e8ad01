"""A weighted, L2-penalised logistic regression, fitted with L-BFGS: what the abstention model and the emergency
reader are (`eval.train_abstention`, `eval.train_emergency`); scipy comes with sentence-transformers."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np


def group_weights(labels: Sequence[bool], groups: Sequence[Hashable]) -> np.ndarray:
    """One weight per row such that each group weighs the same within its class and the two classes the same
    (scaled to sum to the number of rows): a data set of thousands does not drown a small one of the same class."""
    rows = list(zip(labels, groups, strict=True))
    members: dict[tuple[bool, Hashable], int] = {}
    for row in rows:
        members[row] = members.get(row, 0) + 1
    per_class = {c: sum(1 for label, _ in members if label == c) for c in (True, False)}
    w = np.array([1.0 / (per_class[row[0]] * members[row]) for row in rows])
    return w * len(w) / w.sum()


def fit_logistic(z: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float) -> np.ndarray:
    """The weights w (one per column of `z`, then the bias) minimising the mean weighted log loss of
    sigmoid(z . w + bias) against `y` (0 or 1) plus l2 * |w|^2; the bias is not penalised."""
    from scipy.optimize import minimize

    z = np.hstack([np.asarray(z, dtype=np.float64), np.ones((len(z), 1))])
    y = np.asarray(y, dtype=np.float64)
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    n = len(y)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z @ w
        # log(1 + e^-s) for positives, log(1 + e^s) for negatives, stably.
        value = np.sum(weight * (np.logaddexp(0.0, s) - y * s)) / n + float(penalty @ (w * w))
        grad = z.T @ (weight * (1.0 / (1.0 + np.exp(-s)) - y)) / n + 2 * penalty * w
        return float(value), grad

    return minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B").x
