"""A multilayer perceptron on a flat parameter vector, with backpropagation written out.

Layer l maps a (batch, fan_in) to a @ W + b with W shaped (fan_in, fan_out), then applies the
activation (hidden layers) or leaves the logits for the loss (output layer). All parameters live
in one flat float64 vector so any optimizer of the engine trains the network exactly as it steps
a point on a surface; `layers(theta)` gives named (W, b) views into it.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from . import checks
from .specs import HParam, resolve_values, unknown_name_error


# --- activations: value and derivative (from the pre-activation z and the output a) -----------

def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # exact and never overflows


ACTIVATIONS = {
    "sigmoid": (_sigmoid, lambda z, a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(float)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z, a: np.where(z > 0, 1.0, 0.01)),
    "linear": (lambda z: z, lambda z, a: np.ones_like(z)),
}
LOSSES = {
    "bce": "one sigmoid output; mean binary cross-entropy computed from the logit",
    "sigmoid_mse": "one sigmoid output; mean squared error (σ(s) − y)² against the 0/1 label",
    "perceptron": "one linear output s; mean of max(0, −y±·s) with y± = ±1 (Rosenblatt's criterion)",
    "mse": "linear outputs; mean over all elements of (ŷ − y)²",
    "ce": "softmax outputs; mean cross-entropy over integer labels",
}
# Losses with one output whose sign (logit > 0) is the predicted class of a two-class problem.
BINARY_LOSSES = ("bce", "sigmoid_mse", "perceptron")
INITS = {
    "zeros": "every weight and bias 0: the symmetry that gradient descent cannot break",
    "normal": "weights N(0, std²), biases 0",
    "xavier": "Glorot & Bengio (2010) uniform: U(−a, a), a = √(6/(fan_in + fan_out)); biases 0",
    "glorot": "the same as xavier",
    "he": "He et al. (2015) normal: N(0, 2/fan_in); biases 0",
}

MODEL_SPECS = (
    HParam("activation", "tanh", kind=str, symbol="φ", help="hidden activation: " + ", ".join(ACTIVATIONS)),
    HParam("loss", "bce", kind=str, symbol="L", help="loss: " + ", ".join(LOSSES)),
    HParam("init", "xavier", kind=str, symbol="init", help="initialization: " + ", ".join(INITS)),
    HParam("init_std", 0.1, 0.0, 100.0, "log", "σ₀", "standard deviation of the 'normal' initialization"),
)


@dataclass(frozen=True)
class MLP:
    """Sizes, activation and loss of a network; the parameters live outside, in a flat vector."""

    sizes: tuple[int, ...]  # input, hidden..., output
    activation: str = "tanh"
    loss: str = "bce"

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_params(self) -> int:
        return sum((a + 1) * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    @functools.cached_property
    def _slices(self) -> list[tuple[slice, slice, tuple[int, int]]]:
        out, start = [], 0
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            w = slice(start, start + fan_in * fan_out)
            b = slice(w.stop, w.stop + fan_out)
            out.append((w, b, (fan_in, fan_out)))
            start = b.stop
        return out

    def slices(self) -> list[tuple[slice, slice, tuple[int, int]]]:
        """For each layer, where W and b sit in the flat vector, and W's shape."""
        return self._slices

    def layers(self, theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(W, b) of every layer, as views into `theta`."""
        return [(theta[w].reshape(shape), theta[b]) for w, b, shape in self.slices()]

    def flatten(self, layers) -> np.ndarray:
        return np.concatenate([np.concatenate([np.ravel(W), np.ravel(b)]) for W, b in layers])

    def init(self, scheme: str, rng: np.random.Generator, std: float = 0.1) -> np.ndarray:
        layers = []
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            if scheme == "zeros":
                W = np.zeros((fan_in, fan_out))
            elif scheme == "normal":
                W = std * rng.standard_normal((fan_in, fan_out))
            elif scheme in ("xavier", "glorot"):
                bound = math.sqrt(6.0 / (fan_in + fan_out))
                W = rng.uniform(-bound, bound, (fan_in, fan_out))
            elif scheme == "he":
                W = math.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, fan_out))
            else:
                raise unknown_name_error("initialization", scheme, INITS)
            layers.append((W, np.zeros(fan_out)))
        return self.flatten(layers)

    # --- forward and backward ------------------------------------------------------------------
    def forward(self, theta: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, list, list]:
        """Output logits, and each layer's pre-activations and outputs (for backprop)."""
        act = ACTIVATIONS[self.activation][0]
        outputs, pre = [X], []
        layers = self.layers(theta)
        for i, (W, b) in enumerate(layers):
            z = outputs[-1] @ W + b
            pre.append(z)
            outputs.append(z if i == len(layers) - 1 else act(z))
        return outputs[-1], pre, outputs

    def loss_and_output_grad(self, logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean loss over the batch and its gradient with respect to the logits."""
        n = len(logits)
        if self.loss == "bce":
            s, y = logits[:, 0], targets.astype(float)
            # softplus(s) − y·s, written so that neither exp nor log overflows
            loss = np.mean(np.maximum(s, 0.0) - y * s + np.log1p(np.exp(-np.abs(s))))
            return float(loss), ((_sigmoid(s) - y) / n)[:, None]
        if self.loss == "sigmoid_mse":
            s, y = logits[:, 0], targets.astype(float)
            p = _sigmoid(s)
            # the factor σ'(s) = p(1 − p) is what makes a confidently wrong output learn slowly
            return float(np.mean((p - y) ** 2)), (2.0 * (p - y) * p * (1.0 - p) / n)[:, None]
        if self.loss == "perceptron":
            s, sign = logits[:, 0], 2.0 * targets - 1.0
            # A point on the boundary (s = 0) counts as a mistake, as in Rosenblatt's rule, so that
            # zero weights can learn; its loss is 0 there but it still pulls.
            wrong = sign * s <= 0
            return float(np.mean(np.maximum(-sign * s, 0.0))), (np.where(wrong, -sign, 0.0) / n)[:, None]
        if self.loss == "mse":
            diff = logits - targets
            return float(np.mean(diff * diff)), 2.0 * diff / diff.size
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_prob = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(n)
        grad = np.exp(log_prob)
        grad[rows, targets] -= 1.0
        return float(-log_prob[rows, targets].mean()), grad / n

    def loss_grad(self, theta: np.ndarray, X: np.ndarray, targets: np.ndarray,
                  forward: tuple | None = None) -> tuple[float, np.ndarray]:
        """Mean loss on (X, targets) and its gradient with respect to theta, by backpropagation.
        `forward` may pass in `self.forward(theta, X)` when the caller has it already."""
        logits, pre, outputs = forward or self.forward(theta, X)
        loss, delta = self.loss_and_output_grad(logits, targets)
        dact = ACTIVATIONS[self.activation][1]
        grad = np.empty_like(theta)
        layers = self.layers(theta)
        for i in reversed(range(len(layers))):
            w, b, shape = self.slices()[i]
            grad[w] = (outputs[i].T @ delta).ravel()
            grad[b] = delta.sum(axis=0)
            if i:
                delta = (delta @ layers[i][0].T) * dact(pre[i - 1], outputs[i])
        return loss, grad

    def predict(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Class probabilities (n, C) for classification losses, outputs (n, k) for mse."""
        return self.outputs_from_logits(self.forward(theta, X)[0])

    def outputs_from_logits(self, logits: np.ndarray) -> np.ndarray:
        if self.loss in ("bce", "sigmoid_mse"):
            p = _sigmoid(logits[:, 0])
            return np.column_stack([1.0 - p, p])
        if self.loss == "perceptron":  # no probabilities: the class is the side of the boundary
            above = (logits[:, 0] > 0).astype(float)
            return np.column_stack([1.0 - above, above])
        if self.loss == "ce":
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        return logits


def make_mlp(model: Mapping[str, Any] | None, n_inputs: int, n_outputs_for) -> tuple[MLP, dict]:
    """Check a model configuration {"hidden": [...], "activation", "loss", "init", "init_std"}."""
    model = checks.table("model", model, optional=True)
    hidden = model.pop("hidden", [16])
    if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
        hidden = [hidden]
    if not isinstance(hidden, (list, tuple)) or not all(checks.is_whole(h) for h in hidden):
        raise ValueError(f"model hidden must be a list of layer sizes, got {checks._shown(hidden)}")
    hidden = [int(h) for h in hidden]
    if len(hidden) > 6:
        raise ValueError(f"model hidden has {len(hidden)} layers; at most 6 hidden layers")
    if any(h < 1 or h > 1024 for h in hidden):
        raise ValueError(f"model hidden layer sizes must be 1…1024, got {hidden}")
    values = resolve_values(MODEL_SPECS, model, "model")
    for key, table, kind in (("activation", ACTIVATIONS, "activation"), ("loss", LOSSES, "loss"),
                             ("init", INITS, "initialization")):
        if values[key] not in table:
            raise unknown_name_error(kind, values[key], table)
    sizes = (n_inputs, *hidden, n_outputs_for(values["loss"]))
    return MLP(sizes, values["activation"], values["loss"]), {"hidden": hidden, **values}
