"""Regenerate tests/goldens/*.json with PyTorch, the independent reference.

    pip install torch==2.13.0        # CPU build; never a dependency of gradsim
    python tests/make_goldens.py

Every surface is written again here in torch and differentiated by autograd;
optimizers, schedules and clipping are torch.optim, torch.optim.lr_scheduler
and torch.nn.utils. Nothing here imports gradsim. The test suite replays each
case with gradsim and compares every step, without needing torch.
"""
from __future__ import annotations

import json
import math
import pathlib

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
HERE = pathlib.Path(__file__).parent / "goldens"
STEPS = 300

# --- the surfaces, written again in torch ------------------------------------------------------

def quadratic(x, y, a=1.0, b=10.0, angle=0.0):
    t = math.radians(angle)
    u = math.cos(t) * x + math.sin(t) * y
    v = -math.sin(t) * x + math.cos(t) * y
    return 0.5 * (a * u**2 + b * v**2)


SURFACES = {
    "quadratic": quadratic,
    "rosenbrock": lambda x, y, a=1.0, b=100.0: (a - x) ** 2 + b * (y - x**2) ** 2,
    "himmelblau": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "beale": lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2,
    "six_hump_camel": lambda x, y: (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2,
    "saddle": lambda x, y: 0.5 * (x**2 - y**2),
    "monkey_saddle": lambda x, y: x**3 - 3 * x * y**2,
    "rastrigin": lambda x, y, A=10.0: (2 * A + x**2 - A * torch.cos(2 * math.pi * x)
                                       + y**2 - A * torch.cos(2 * math.pi * y)),
    "ackley": lambda x, y: (-20 * torch.exp(-0.2 * torch.sqrt(0.5 * (x**2 + y**2)))
                            - torch.exp(0.5 * (torch.cos(2 * math.pi * x) + torch.cos(2 * math.pi * y)))
                            + math.e + 20),
    "goldstein_price": lambda x, y: ((1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2))
                                     * (30 + (2 * x - 3 * y) ** 2
                                        * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2))),
    "styblinski_tang": lambda x, y: 0.5 * (x**4 - 16 * x**2 + 5 * x + y**4 - 16 * y**2 + 5 * y),
    "cliff": lambda x, y, wall=100.0, sharpness=100.0: (0.5 * y**2 - x
                                                     + wall * torch.log(1 + torch.exp(sharpness * x)) / sharpness),
    "plateau": lambda x, y, width=1.0: 1 - torch.exp(-(x**2 + y**2) / (2 * width**2)),
}

# --- the optimizers, by gradsim's names and torch's arguments ----------------------------------

def make_optimizer(name, params, hp):
    hp = dict(hp)
    betas = (hp.pop("beta1", 0.9), hp.pop("beta2", 0.999))
    if name == "sgd":
        return torch.optim.SGD(params, foreach=False, **hp)
    if name == "momentum":
        return torch.optim.SGD(params, foreach=False, **{"momentum": 0.9, **hp})
    if name == "nesterov":
        return torch.optim.SGD(params, foreach=False, nesterov=True, **{"momentum": 0.9, **hp})
    if name == "rprop":
        etas = (hp.pop("eta_minus", 0.5), hp.pop("eta_plus", 1.2))
        sizes = (hp.pop("step_size_min", 1e-6), hp.pop("step_size_max", 50.0))
        return torch.optim.Rprop(params, etas=etas, step_sizes=sizes, foreach=False, **hp)
    classes = {"adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop, "adadelta": torch.optim.Adadelta,
               "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "adamax": torch.optim.Adamax,
               "nadam": torch.optim.NAdam}
    if name in ("adam", "adamw", "adamax", "nadam"):
        hp["betas"] = betas
    return classes[name](params, foreach=False, **hp)


def make_scheduler(optimizer, config):
    if not config:
        return None
    config = dict(config)
    name, warmup = config.pop("name"), config.pop("warmup", 0)
    lr = optimizer.param_groups[0]["lr"]
    schedulers = []
    if warmup > 1:  # factor (k+1)/N for k < N
        schedulers.append(torch.optim.lr_scheduler.LinearLR(optimizer, 1.0 / warmup, 1.0, warmup - 1))
    sched = torch.optim.lr_scheduler
    if name == "step":
        schedulers.append(sched.StepLR(optimizer, config["step_size"], config["gamma"]))
    elif name == "exponential":
        schedulers.append(sched.ExponentialLR(optimizer, config["gamma"]))
    elif name == "linear":
        schedulers.append(sched.LinearLR(optimizer, 1.0, config["lr_end"] / lr, config["tau"]))
    elif name == "cosine":
        schedulers.append(sched.CosineAnnealingLR(optimizer, config["t_max"], config["lr_min"]))
    elif name == "inverse_time":  # torch has no such class; the closed form through LambdaLR
        schedulers.append(sched.LambdaLR(optimizer, lambda k: 1.0 / (1.0 + config["decay"] * k)))
    elif name != "constant":
        raise ValueError(name)
    if not schedulers:
        return None
    return schedulers[0] if len(schedulers) == 1 else sched.ChainedScheduler(schedulers, optimizer)


# torch's state names -> gradsim's, for the one-step-from-torch's-state comparison
STATE_NAMES = {"momentum_buffer": "velocity", "sum": "sum_sq", "square_avg": "sq_avg", "grad_avg": "grad_avg",
               "acc_delta": "delta_sq_avg", "exp_avg": "m", "exp_avg_sq": "v", "max_exp_avg_sq": "v_max",
               "exp_inf": "u", "mu_product": "mu_product", "prev": "prev_grad", "step_size": "step_size"}


def run(case):
    f = SURFACES[case["surface"]]
    p = torch.tensor(case["start"], requires_grad=True)
    optimizer = make_optimizer(case["optimizer"], [p], case.get("hparams", {}))
    scheduler = make_scheduler(optimizer, case.get("schedule"))
    out = {"params": [], "loss": [], "grad": [], "lr": [], "state": []}
    for k in range(case["steps"] + 1):
        optimizer.zero_grad()
        loss = f(p[0], p[1], **case.get("surface_params", {}))
        loss.backward()
        out["params"].append(p.detach().tolist())
        out["loss"].append(loss.item())
        out["grad"].append(p.grad.tolist())
        out["lr"].append(optimizer.param_groups[0]["lr"])
        if k == case["steps"]:
            break
        clip = case.get("clip") or {}
        if "norm" in clip:
            torch.nn.utils.clip_grad_norm_([p], clip["norm"])
        if "value" in clip:
            torch.nn.utils.clip_grad_value_([p], clip["value"])
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        torch_state = optimizer.state[p]
        out["state"].append({ours: torch_state[theirs].detach().expand(2).tolist()
                             for theirs, ours in STATE_NAMES.items() if theirs in torch_state})
    return out


def case(surface, optimizer, hparams=None, start=None, **extra):
    return {"surface": surface, "optimizer": optimizer, "hparams": hparams or {},
            "start": start, "steps": STEPS, "chaotic": False, **extra}


DEFAULT_STARTS = {"quadratic": [-2.5, 1.5], "rosenbrock": [-1.2, 1.0], "himmelblau": [0.0, 0.0],
                  "beale": [1.0, 1.5], "six_hump_camel": [-1.5, 1.5], "saddle": [1.5, 0.05],
                  "monkey_saddle": [1.0, 0.2], "rastrigin": [3.3, -2.7], "ackley": [3.2, -2.8],
                  "goldstein_price": [-1.0, 1.5], "styblinski_tang": [0.0, 4.0], "cliff": [-4.0, 1.5],
                  "plateau": [3.5, 3.0]}

CASES = [
    # every optimizer, every option
    case("rosenbrock", "sgd", {"lr": 1e-3}),
    case("himmelblau", "sgd", {"lr": 5e-3, "weight_decay": 0.1}),
    case("quadratic", "momentum", {"lr": 0.02, "momentum": 0.9}, surface_params={"a": 1.0, "b": 20.0, "angle": 30.0}),
    case("rosenbrock", "momentum", {"lr": 5e-4, "momentum": 0.8, "dampening": 0.5, "weight_decay": 0.01}),
    case("beale", "nesterov", {"lr": 1e-3, "momentum": 0.9}),
    case("rosenbrock", "nesterov", {"lr": 5e-4, "momentum": 0.95, "weight_decay": 0.05}),
    case("six_hump_camel", "adagrad", {"lr": 0.1}),
    case("rosenbrock", "adagrad", {"lr": 0.5, "lr_decay": 0.01, "eps": 1e-6, "initial_accumulator_value": 0.1}),
    case("styblinski_tang", "rmsprop", {"lr": 0.01}),
    case("himmelblau", "rmsprop", {"lr": 1e-2, "alpha": 0.9, "centered": True}),
    case("himmelblau", "rmsprop", {"lr": 1e-3, "momentum": 0.9, "eps": 1e-6}),
    case("rosenbrock", "rmsprop", {"lr": 5e-4, "momentum": 0.5, "centered": True, "alpha": 0.95}),
    case("rosenbrock", "adadelta", {}, steps=200),
    case("goldstein_price", "adadelta", {"lr": 0.5, "rho": 0.95, "eps": 1e-5}),
    case("rosenbrock", "adam", {"lr": 0.05}),
    case("beale", "adam", {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "amsgrad": True}),
    case("himmelblau", "adam", {"lr": 0.05, "weight_decay": 0.1, "eps": 1e-6}),
    case("rosenbrock", "adamw", {"lr": 0.05, "weight_decay": 0.1}),
    case("six_hump_camel", "adamw", {"lr": 0.02, "weight_decay": 0.5, "amsgrad": True}),
    case("rosenbrock", "adamax", {"lr": 0.05}),
    case("ackley", "adamax", {"lr": 0.02, "beta1": 0.5, "beta2": 0.9, "eps": 1e-6}, steps=80),
    # Chaotic: sign-like steps bouncing in a ripple of Ackley's function amplify a one-bit difference in
    # the gradient by ~1e12 in 150 steps. Only the step-by-step comparison applies to it.
    case("ackley", "adamax", {"lr": 0.05, "beta1": 0.5, "beta2": 0.9}, chaotic=True),
    case("rosenbrock", "nadam", {"lr": 0.05}),
    case("plateau", "nadam", {"lr": 0.05, "momentum_decay": 0.01, "beta2": 0.99}),
    case("rosenbrock", "rprop", {"lr": 0.01}),
    case("rastrigin", "rprop", {"lr": 0.05, "eta_minus": 0.3, "eta_plus": 1.5, "step_size_min": 1e-4,
                                "step_size_max": 0.5}),
    case("saddle", "momentum", {"lr": 0.05, "momentum": 0.5}, steps=60),
    case("monkey_saddle", "adam", {"lr": 0.01}, steps=100),
    # schedules, on their own and after a warmup
    case("rosenbrock", "sgd", {"lr": 1e-3}, schedule={"name": "step", "step_size": 50, "gamma": 0.5}),
    case("rosenbrock", "adam", {"lr": 0.05}, schedule={"name": "exponential", "gamma": 0.99}),
    case("quadratic", "sgd", {"lr": 0.15}, schedule={"name": "linear", "tau": 100, "lr_end": 0.001}),
    case("rosenbrock", "momentum", {"lr": 1e-3}, schedule={"name": "cosine", "t_max": 300, "lr_min": 1e-5}),
    case("himmelblau", "sgd", {"lr": 0.01}, schedule={"name": "inverse_time", "decay": 0.05}),
    case("rosenbrock", "adam", {"lr": 0.05}, schedule={"name": "exponential", "gamma": 0.995, "warmup": 20}),
    case("beale", "rmsprop", {"lr": 0.01}, schedule={"name": "step", "step_size": 40, "gamma": 0.7, "warmup": 10}),
    case("rosenbrock", "nadam", {"lr": 0.05}, schedule={"name": "constant", "warmup": 30}),
    # clipping (the trace keeps the raw gradient)
    case("cliff", "sgd", {"lr": 0.3}, clip={"norm": 1.0}),
    case("cliff", "momentum", {"lr": 0.05, "momentum": 0.9}, clip={"value": 0.5}, steps=110),
    case("goldstein_price", "adam", {"lr": 0.01}, clip={"norm": 10.0}, schedule={"name": "cosine", "t_max": 400, "lr_min": 0.0}),
    case("rosenbrock", "nesterov", {"lr": 1e-3}, clip={"value": 5.0}),
]


def main():
    HERE.mkdir(exist_ok=True)
    results = []
    for c in CASES:
        c = {**c, "start": c["start"] or DEFAULT_STARTS[c["surface"]]}
        results.append({**c, **run(c)})
        print(f"{c['surface']:>16} {c['optimizer']:<9} final {results[-1]['params'][-1]}")
    document = {"made_by": "tests/make_goldens.py", "torch": torch.__version__, "cases": results}
    (HERE / "torch_optim.json").write_text(json.dumps(document) + "\n")



# --- networks: full-batch training replayed in torch ---------------------------------------------

ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
               "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01), "linear": lambda z: z}


def network_case(activation, loss, hidden, optimizer, hparams, steps=60, **extra):
    return {"activation": activation, "loss": loss, "hidden": hidden, "optimizer": optimizer,
            "hparams": hparams, "steps": steps, **extra}


NETWORK_CASES = [
    network_case("tanh", "bce", [8, 8], "sgd", {"lr": 0.5}),
    network_case("sigmoid", "bce", [6, 6, 6], "momentum", {"lr": 0.5, "momentum": 0.9}),
    network_case("relu", "ce", [8], "adam", {"lr": 0.01}, classes=3),
    network_case("leaky_relu", "ce", [8, 8], "rmsprop", {"lr": 0.005, "centered": True}, classes=3),
    network_case("tanh", "mse", [8], "adagrad", {"lr": 0.1}),
    # Matrix products round differently in torch and NumPy (summation order); Nadam's and Rprop's
    # normalized steps amplify that last-bit difference, so their cases stop before it shows.
    network_case("linear", "mse", [4], "nadam", {"lr": 0.01}, regression=True, steps=30),
    network_case("sigmoid", "mse", [8], "adamw", {"lr": 0.01, "weight_decay": 0.1}, regression=True),
    network_case("relu", "bce", [8, 8], "adamax", {"lr": 0.01}, schedule={"name": "exponential", "gamma": 0.98},
                 clip={"norm": 0.5}),
    network_case("tanh", "ce", [6], "adadelta", {}, classes=3, clip={"value": 0.05}),
    network_case("leaky_relu", "bce", [5, 5, 5, 5], "nesterov", {"lr": 0.1, "momentum": 0.9}),
    network_case("tanh", "bce", [8], "rprop", {"lr": 0.01}, steps=25),
    network_case("sigmoid", "sigmoid_mse", [6], "sgd", {"lr": 2.0}),
    # No hidden layer and online-style rate 1: Rosenblatt's perceptron, here on all points at once.
    network_case("linear", "perceptron", [], "sgd", {"lr": 1.0}, steps=40),
]


def network_data(case, rng):
    X = rng.uniform(-1.5, 1.5, (48, 2))
    if case.get("regression"):
        return X, np.sin(2 * X[:, :1]) + 0.1 * rng.standard_normal((48, 1))
    classes = case.get("classes", 2)
    y = (np.floor((np.arctan2(X[:, 1], X[:, 0]) + np.pi) / (2 * np.pi) * classes) % classes).astype(int)
    return X, y


def run_network(case, seed):
    rng = np.random.default_rng(seed)
    X, y = network_data(case, rng)
    outputs = (1 if case["loss"] in ("bce", "sigmoid_mse", "perceptron") else case.get("classes", 2) if case["loss"] == "ce"
               else y.shape[1] if case.get("regression") else 1)
    sizes = [2, *case["hidden"], outputs]
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = math.sqrt(6 / (fan_in + fan_out))
        weights += [torch.tensor(rng.uniform(-bound, bound, (fan_in, fan_out)), requires_grad=True),
                    torch.tensor(0.1 * rng.standard_normal(fan_out), requires_grad=True)]
    act = ACTIVATIONS[case["activation"]]
    Xt = torch.tensor(X)
    if case["loss"] == "bce":
        target, criterion = torch.tensor(y, dtype=torch.float64)[:, None], torch.nn.BCEWithLogitsLoss()
    elif case["loss"] == "sigmoid_mse":
        target = torch.tensor(y, dtype=torch.float64)[:, None]
        criterion = lambda s, t: torch.nn.functional.mse_loss(torch.sigmoid(s), t)  # noqa: E731
    elif case["loss"] == "perceptron":
        target = torch.tensor(y, dtype=torch.float64)[:, None]
        criterion = lambda s, t: torch.relu(-(2 * t - 1) * s).mean()  # noqa: E731
    elif case["loss"] == "ce":
        target, criterion = torch.tensor(y), torch.nn.CrossEntropyLoss()
    else:
        target = torch.tensor(y if case.get("regression") else y[:, None], dtype=torch.float64)
        criterion = torch.nn.MSELoss()

    def flat():
        return torch.cat([w.detach().reshape(-1) for w in weights]).tolist()

    optimizer = make_optimizer(case["optimizer"], weights, case["hparams"])
    scheduler = make_scheduler(optimizer, case.get("schedule"))
    out = {"X": X.tolist(), "y": y.tolist(), "sizes": sizes, "params": [], "losses": []}
    for k in range(case["steps"] + 1):
        optimizer.zero_grad()
        a = Xt
        for i in range(0, len(weights), 2):
            a = a @ weights[i] + weights[i + 1]
            if i < len(weights) - 2:
                a = act(a)
        loss = criterion(a, target)
        loss.backward()
        out["params"].append(flat())
        out["losses"].append(loss.item())
        if k == case["steps"]:
            break
        clip = case.get("clip") or {}
        if "norm" in clip:
            torch.nn.utils.clip_grad_norm_(weights, clip["norm"])
        if "value" in clip:
            torch.nn.utils.clip_grad_value_(weights, clip["value"])
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return out


def main_networks():
    results = []
    for seed, c in enumerate(NETWORK_CASES):
        results.append({**c, **run_network(c, seed)})
        print(f"{c['activation']:>10} {c['loss']:<4} {c['optimizer']:<9} loss {results[-1]['losses'][0]:.4f} -> "
              f"{results[-1]['losses'][-1]:.4f}")
    document = {"made_by": "tests/make_goldens.py", "torch": torch.__version__, "cases": results}
    (HERE / "torch_networks.json").write_text(json.dumps(document) + "\n")


if __name__ == "__main__":
    main()
    main_networks()
