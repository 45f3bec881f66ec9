"""Each claim kind a lesson may make holds where it should and fails where it should not.

The traces come from small scenes played as the lessons play them (`play_step`); every case states
a claim that is true of them and the same claim made false, which must fail.
"""
import pytest

from gradsim.lessons import load_lesson
from gradsim.lessons.claims import CLAIMS
from gradsim.lessons.runner import play_step

HEAD = 'title = "t"\ngoal = "g"\nreferences = ["r"]\n[[steps]]\ntext = "x"\n'
SCENES = {
    # y zig-zags (factor 1 − 10·0.15 = −0.5) while x creeps (0.85): a known rate and known sign changes
    "bowl": ('scene = { problem = "quadratic", problem_params = { a = 1.0, b = 10.0 }, start = [2.0, 1.0], runs = ['
             '{ name = "fast", optimizer = "sgd", hparams = { lr = 0.15 } }, '
             '{ name = "slow", optimizer = "sgd", hparams = { lr = 0.05 } }] }', 50),
    # a rate that halves every 10 updates: Σηₖ over 30 updates is 10·0.1·(1 + ½ + ¼) = 1.75
    "decay": ('scene = { problem = "quadratic", problem_params = { a = 1.0, b = 1.0 }, start = [2.0, 1.0], runs = ['
              '{ name = "gd", optimizer = "sgd", hparams = { lr = 0.1 }, schedule = { name = "step", step_size = 10, gamma = 0.5 } }] }', 30),
    # η = 0.25 > 2/λmax = 0.2 on the default bowl: the engine stops the run as diverged
    "diverging": ('scene = { problem = "quadratic", problem_params = { a = 1.0, b = 10.0 }, start = [2.0, 1.0], '
                  'runs = [{ name = "d", optimizer = "sgd", hparams = { lr = 0.25 } }] }', 100),
    "cliff": ('scene = { problem = "cliff", runs = [{ name = "plain", optimizer = "sgd", hparams = { lr = 0.1 } }] }', 100),
    # Rastrigin's ripples: only starts in the central basin reach the global minimum's loss of 0
    "rastrigin": ('scene = { problem = "rastrigin", start = [0.3, -0.2], runs = ['
                  '{ name = "gd", optimizer = "sgd", hparams = { lr = 0.002 } }] }', 300),
    "nadam": ('scene = { problem = "rosenbrock", runs = [{ name = "nadam", optimizer = "nadam", hparams = { lr = 0.01 } }] }', 5),
    # lesson 19's spoiler: one sigmoid unit, three points and one far away at (0, −10), index 3
    "spoiler": ('scene = { dataset = "spoiler", model = { hidden = [], loss = "sigmoid_mse" }, start = [0.5, 0.5, 0.0], '
                'runs = [{ name = "bp", optimizer = "sgd", hparams = { lr = 1.0 } }] }', 200),
    # lesson 7's rare feature: x₂ ≠ 0 in 10 of 200 points
    "rare": ('scene = { dataset = "rare_feature", model = { hidden = [], loss = "bce" }, start = [0.0, 0.0, 0.0], '
             'runs = [{ name = "gd", optimizer = "sgd", hparams = { lr = 0.5 } }] }', 50),
    # lesson 20's deep linear networks: weights of σ = 0.5 against 0.25 (same seed, same draws)
    "deep": ('scene = { dataset = "sine", model = { hidden = [16, 16, 16], activation = "linear", loss = "mse", '
             'init = "normal" }, runs = [{ name = "big", optimizer = "sgd", hparams = { lr = 1e-4 }, model = { init_std = 0.5 } }, '
             '{ name = "small", optimizer = "sgd", hparams = { lr = 1e-4 }, model = { init_std = 0.25 } }] }', 3),
}
_played = {}


def traces(scene, tmp_path):
    if scene not in _played:
        text, steps = SCENES[scene]
        path = tmp_path / f"{scene}.toml"
        path.write_text(HEAD + text + f'\naction = {{ kind = "run", steps = {steps} }}\n')
        _played[scene] = play_step(load_lesson(path).steps[0])
    return _played[scene]


# (scene, a true claim, the fields that make it false)
CASES = [
    ("bowl", {"kind": "sign_changes", "run": "fast", "coordinate": 1, "steps": 20, "at_least": 20}, {"at_most": 19}),
    ("bowl", {"kind": "sign_changes", "run": "fast", "coordinate": 0, "steps": 20, "at_most": 0}, {"at_least": 1}),
    ("bowl", {"kind": "measured_rate", "run": "fast", "window": [10, 50], "at_least": 0.8499, "at_most": 0.8501},
     {"at_least": 0.86}),
    ("bowl", {"kind": "effective_rate_at", "run": "slow", "coordinate": 1, "at_least": 0.05, "at_most": 0.05},
     {"at_most": 0.04}),
    ("bowl", {"kind": "effective_rate_vs", "run": "fast", "other": "slow", "coordinate": 0, "at_least": 2.999,
              "at_most": 3.001}, {"at_least": 3.1}),
    ("bowl", {"kind": "loss_ratio", "run": "fast", "other": "slow", "at_most": 1e-3}, {"at_most": None, "at_least": 1.0}),
    ("bowl", {"kind": "hessian_eigenvalues", "run": "fast", "values": [1.0, 10.0], "rtol": 1e-9},
     {"values": [1.0, 10.1]}),
    ("decay", {"kind": "lr_sum", "run": "gd", "at_least": 1.7499, "at_most": 1.7501}, {"at_least": 1.76}),
    # the first step is −0.05·(2, 10) = (−0.1, −0.5), of length √0.26
    ("bowl", {"kind": "step_length", "run": "slow", "step": 0, "at_least": 0.5099, "at_most": 0.5100},
     {"step": 1}),
    ("diverging", {"kind": "diverges_at", "run": "d", "step": 35}, {"step": 34}),
    ("cliff", {"kind": "steps_longer", "run": "plain", "length": 1.0, "at_least": 1}, {"length": 10.0}),
    ("rastrigin", {"kind": "restarts", "run": "gd", "count": 20, "box": [-0.3, 0.3, -0.3, 0.3], "value": 1e-6,
                   "at_least": 20}, {"box": [2.7, 3.3, 2.7, 3.3]}),
    ("nadam", {"kind": "state_at", "run": "nadam", "name": "mu_product", "step": 0, "at_least": 0.45, "at_most": 0.4501},
     {"step": 1}),
    ("spoiler", {"kind": "logit_at", "run": "bp", "point": 3, "step": 0, "at_least": -5.0, "at_most": -5.0},
     {"step": 200}),
    # at the start the spoiler pushes w₂ down (a positive share of ∂L/∂w₂), (0, 1) pulls it up, (1, 0) not at all
    ("spoiler", {"kind": "point_gradient", "run": "bp", "point": 3, "coordinate": 1, "at_least": 0.03}, {"point": 1}),
    ("spoiler", {"kind": "point_gradient", "run": "bp", "point": 0, "coordinate": 1, "at_least": 0.0, "at_most": 0.0},
     {"coordinate": 0}),
    ("spoiler", {"kind": "misclassified", "run": "bp", "at_least": 1, "at_most": 1}, {"at_least": 0, "at_most": 0}),
    ("rare", {"kind": "misclassified", "run": "gd", "feature": 1, "rare": False, "at_most": 0}, {"rare": True}),
    ("deep", {"kind": "output_ratio", "run": "big", "other": "small", "at_least": 15.99, "at_most": 16.01},
     {"of": "error"}),
    ("deep", {"kind": "layer_change", "run": "small", "layer": 1, "at_most": 0.01}, {"at_most": None, "at_least": 0.1}),
]


@pytest.mark.parametrize("scene, claim, falsify", CASES, ids=[f"{c[1]['kind']}-{i}" for i, c in enumerate(CASES)])
def test_a_claim_holds_where_it_should_and_fails_where_it_should_not(tmp_path, scene, claim, falsify):
    played = traces(scene, tmp_path)
    holds, seen = CLAIMS[claim["kind"]].check(played, claim)
    assert holds, seen
    false = {k: v for k, v in {**claim, **falsify}.items() if v is not None}
    holds, seen = CLAIMS[claim["kind"]].check(played, false)
    assert not holds, seen
