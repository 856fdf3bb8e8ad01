"""A weighted, L2-penalised logistic regression, fitted with L-BFGS: what the abstention model and the emergency
reader are (`eval.train_abstention`, `eval.train_emergency`); scipy comes with sentence-transformers."""

from __future__ import annotations

import numpy as np


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
