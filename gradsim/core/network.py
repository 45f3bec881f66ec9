"""Training a network as an optimization problem: batches, the loss over data, diagnostics.

`NetworkProblem` gives the step loop what a surface gives it (`dim`, `loss_grad`, `hessian`),
so every optimizer, schedule and clipping mode trains a network through the same code. The
gradient of update k is taken on batch k: all data (batch gradient descent), or mini-batches of
m drawn by a seeded shuffle each epoch (m = 1 is online SGD). An iteration is one update; an
epoch is one pass over the data.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .datasets import Dataset
from .mlp import BINARY_LOSSES, MLP

MAX_NEWTON_PARAMS = 1000


class NetworkProblem:
    def __init__(self, mlp: MLP, data: Dataset, batch_size: int | None = None, seed: int | None = 0):
        self.mlp, self.data = mlp, data
        self.dim = mlp.n_params
        self.targets = self._targets(data.y)
        # W and b of a layer sit side by side in the flat vector: one slice covers both
        self._layer_slices = [slice(w.start, b.stop) for w, b, _ in mlp.slices()]
        self.test_targets = None if data.X_test is None else self._targets(data.y_test)
        n = len(data.X)
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
                raise ValueError(f"batch_size must be None (all data) or a whole number ≥ 1, got {batch_size!r}")
            batch_size = int(batch_size)
            if batch_size >= n:
                batch_size = None  # one batch holding everything is batch gradient descent
        self.batch_size = batch_size
        self.batches_per_epoch = 1 if batch_size is None else math.ceil(n / batch_size)
        self._seed = 0 if seed is None else seed
        self._order: tuple[int, np.ndarray] | None = None
        self._last_full: tuple[np.ndarray, tuple] | None = None  # (theta, forward pass on all data)

    def _targets(self, y: np.ndarray) -> np.ndarray:
        if self.mlp.loss != "mse":
            return y
        if self.data.task == "regression":
            return y.astype(float).reshape(len(y), -1)
        classes = self.mlp.sizes[-1]
        return np.eye(classes)[y] if classes > 1 else y.astype(float)[:, None]

    # --- batches ---------------------------------------------------------------------------------
    def epoch(self, k: int) -> int:
        return k // self.batches_per_epoch

    def batch(self, k: int) -> np.ndarray | None:
        """Indices of the batch used by update k (None: all data)."""
        if self.batch_size is None:
            return None
        epoch, index = divmod(k, self.batches_per_epoch)
        if self._order is None or self._order[0] != epoch:
            shuffle = np.random.default_rng([self._seed, epoch]).permutation(len(self.data.X))
            self._order = (epoch, shuffle)
        return self._order[1][index * self.batch_size:(index + 1) * self.batch_size]

    # --- the problem protocol ----------------------------------------------------------------
    def loss_grad(self, theta: np.ndarray, k: int = 0) -> tuple[float, np.ndarray]:
        """Mean loss on batch k and its gradient."""
        rows = self.batch(k)
        if rows is None:
            return self.mlp.loss_grad(theta, self.data.X, self.targets, self._forward_all(theta))
        return self.mlp.loss_grad(theta, self.data.X[rows], self.targets[rows])

    def _forward_all(self, theta: np.ndarray) -> tuple:
        # The step loop evaluates a point, then records its diagnostics: one forward pass serves both.
        if self._last_full is None or self._last_full[0] is not theta:
            self._last_full = (theta, self.mlp.forward(theta, self.data.X))
        return self._last_full[1]

    def hessian(self, theta: np.ndarray, k: int = 0) -> np.ndarray:
        """Hessian of the batch loss by central differences of the exact gradient (for Newton)."""
        if self.dim > MAX_NEWTON_PARAMS:
            raise ValueError(f"newton needs the Hessian; this network has {self.dim} parameters "
                             f"(the limit is {MAX_NEWTON_PARAMS})")
        h = 1e-5 * max(1.0, float(np.abs(theta).max()))
        columns = []
        for i in range(self.dim):
            step = np.zeros(self.dim)
            step[i] = h
            columns.append((self.loss_grad(theta + step, k)[1] - self.loss_grad(theta - step, k)[1]) / (2 * h))
        hess = np.array(columns)
        return 0.5 * (hess + hess.T)

    # --- diagnostics, recorded with every step ------------------------------------------------
    def accuracy(self, theta: np.ndarray, X: np.ndarray, y: np.ndarray, logits: np.ndarray | None = None) -> float:
        """Fraction of points whose most likely class is their label (NaN for regression)."""
        if self.data.task != "classification":
            return math.nan
        if logits is None:
            logits = self.mlp.forward(theta, X)[0]
        outputs = self.mlp.outputs_from_logits(logits)
        if outputs.shape[1] == 1:  # squared error on 0/1 labels: the class is which side of ½
            return float(np.mean((outputs[:, 0] > 0.5) == y))
        return float(np.mean(outputs.argmax(axis=1) == y))

    def diagnostics(self, theta: np.ndarray, k: int, batch_loss: float, grad: np.ndarray,
                    lr_eff: np.ndarray, update: np.ndarray) -> dict[str, Any]:
        """What the panels plot for the point after k updates (see the Trace docs)."""
        mlp, data = self.mlp, self.data
        logits = self._forward_all(theta)[0]
        train_loss = batch_loss if self.batch_size is None else mlp.loss_and_output_grad(logits, self.targets)[0]
        out = {"epoch": self.epoch(k), "train_loss": train_loss,
               "train_accuracy": self.accuracy(theta, data.X, data.y, logits)}
        if data.X_test is not None:
            out["test_loss"] = mlp.loss_grad(theta, data.X_test, self.test_targets)[0]
            out["test_accuracy"] = self.accuracy(theta, data.X_test, data.y_test)
        L = mlp.n_layers
        grad_norm, weight_norm, ratio, rates = np.empty(L), np.empty(L), np.empty(L), np.empty((L, 3))
        for i, layer in enumerate(self._layer_slices):
            grad_norm[i] = np.linalg.norm(grad[layer])
            weight_norm[i] = np.linalg.norm(theta[layer])
            step = np.linalg.norm(update[layer])
            ratio[i] = step / weight_norm[i] if weight_norm[i] > 0 else math.nan
            ordered = np.sort(lr_eff[layer])
            rates[i] = ordered[0], 0.5 * (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]), ordered[-1]
        out.update(grad_norm_layers=grad_norm, weight_norm_layers=weight_norm, update_ratio_layers=ratio,
                   lr_eff_layers=rates)
        return out

    # --- views for the app ---------------------------------------------------------------------
    def output_grid(self, theta: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """The model over the grid of xs × ys: probability of class 1 (bce, sigmoid_mse; 0 or 1 for perceptron), of the most likely
        class (ce: returns class index + its probability in [c, c+1)), or the output (mse); (ny, nx)."""
        points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        out = self.mlp.predict(theta, points)
        if self.mlp.loss in BINARY_LOSSES:
            values = out[:, 1]
        elif self.mlp.loss == "ce":
            values = out.argmax(axis=1) + out.max(axis=1)
        else:
            values = out[:, 0]
        return values.reshape(len(ys), len(xs))

    def loss_slice(self, center: np.ndarray, d1: np.ndarray, d2: np.ndarray, span: float = 1.0, n: int = 41,
                   path: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Full-data loss on center + a·d1 + b·d2 for a, b in [−span, span], and `path` projected
        onto (d1, d2) by least squares."""
        a = np.linspace(-span, span, n)
        values = np.empty((n, n))
        for i, bi in enumerate(a):
            for j, aj in enumerate(a):
                values[i, j] = self.mlp.loss_grad(center + aj * d1 + bi * d2, self.data.X, self.targets)[0]
        out = {"a": a, "b": a, "loss": values}
        if path is not None:
            basis = np.column_stack([d1, d2])
            out["path"] = np.linalg.lstsq(basis, (np.asarray(path) - center).T, rcond=None)[0].T
        return out

    def directions(self, theta: np.ndarray, kind: str = "random", seed: int = 0,
                   weights: tuple[int, int] = (0, 1)) -> tuple[np.ndarray, np.ndarray]:
        """Two directions for `loss_slice`: two chosen weights (unit vectors), or random directions
        normalized filter by filter to the weights' norms (Li et al. 2018)."""
        if kind == "weights":
            i, j = weights
            if not (0 <= i < self.dim and 0 <= j < self.dim and i != j):
                raise ValueError(f"weights must be two different indices below {self.dim}, got {weights}")
            d1, d2 = np.zeros(self.dim), np.zeros(self.dim)
            d1[i] = d2[j] = 1.0
            return d1, d2
        if kind != "random":
            raise ValueError(f"direction kind must be 'random' or 'weights', got {kind!r}")
        rng = np.random.default_rng(seed)
        directions = []
        for _ in range(2):
            d = rng.standard_normal(self.dim)
            for w, b, shape in self.mlp.slices():
                W, D = theta[w].reshape(shape), d[w].reshape(shape)
                # each output unit's incoming weights form one "filter"
                scale = np.linalg.norm(W, axis=0) / np.maximum(np.linalg.norm(D, axis=0), 1e-12)
                d[w] = (D * scale).ravel()
                d[b] = 0.0
            directions.append(d)
        return directions[0], directions[1]
