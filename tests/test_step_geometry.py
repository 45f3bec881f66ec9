"""The arrows on the path against the engine's numbers: parts of Δθ, Nesterov's look-ahead, clipping, rate boxes."""
import numpy as np
import pytest

from gradsim.app.step_geometry import ADAPTIVE, fit, nice_scale, step_geometry
from gradsim.core import Stepper, get_surface
from gradsim.core.stepper import clip_gradient

CASES = [
    ("sgd", {"lr": 0.001}), ("sgd", {"lr": 0.001, "weight_decay": 0.1}),
    ("momentum", {"lr": 0.002, "momentum": 0.9}), ("momentum", {"lr": 0.002, "momentum": 0.9, "dampening": 0.2,
                                                               "weight_decay": 0.05}),
    ("momentum", {"lr": 0.001, "momentum": 0.0}),
    ("nesterov", {"lr": 0.002, "momentum": 0.9}), ("nesterov", {"lr": 0.002, "momentum": 0.9, "weight_decay": 0.05}),
    ("adagrad", {"lr": 0.5}), ("adagrad", {"lr": 0.5, "lr_decay": 0.1, "initial_accumulator_value": 0.3}),
    ("rmsprop", {"lr": 0.01}), ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("adadelta", {}), ("adam", {"lr": 0.1}), ("adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}),
    ("adam", {"lr": 0.1, "bias_correction": False}), ("adamw", {"lr": 0.1, "weight_decay": 0.1}),
    ("adamax", {"lr": 0.1}), ("nadam", {"lr": 0.1}), ("rprop", {"lr": 0.1}), ("quickprop", {"lr": 0.002}),
    ("newton", {"lr": 0.5}),
]


def rows_of(optimizer, hparams, steps=15, clip=None, grad_noise=0.0, start=(-1.2, 1.0)):
    stepper = Stepper(get_surface("rosenbrock"), optimizer, hparams, start, clip=clip, grad_noise=grad_noise, seed=3)
    rows = stepper.run(steps)
    return stepper, [{key: rows[key][k] for key in ("step", "params", "grad", "lr", "lr_eff", "update")}
                     | {"state": {name: value[k] for name, value in rows["state"].items()}}
                     for k in range(len(rows["step"]))]


def geometries(optimizer, hparams, rows, clip=None):
    return [step_geometry(optimizer, hparams, row, rows[k - 1]["state"] if k else None, clip)
            for k, row in enumerate(rows)]


@pytest.mark.parametrize("optimizer, hparams", CASES, ids=lambda v: v if isinstance(v, str) else "-".join(v) or "defaults")
@pytest.mark.parametrize("clip", [None, {"norm": 5.0}], ids=["unclipped", "clipped"])
def test_the_parts_of_the_update_add_up_to_the_recorded_update(optimizer, hparams, clip):
    stepper, rows = rows_of(optimizer, hparams, clip=clip, grad_noise=0.5)
    for row, geometry in zip(rows, geometries(optimizer, hparams, rows, clip)):
        assert np.array_equal(geometry.update, row["update"])
        total = np.sum([part.vector for part in geometry.parts], axis=0)
        size = max(np.abs(part.vector).max() for part in geometry.parts)
        np.testing.assert_allclose(total, row["update"], rtol=0, atol=1e-13 * max(size, 1e-300))
        # tip to tail, the last part ends where the run goes next
        ends = geometry.part_starts()[-1] + geometry.parts[-1].vector
        np.testing.assert_allclose(ends, row["params"] + row["update"], rtol=1e-13, atol=1e-15)
    if optimizer in ("momentum", "nesterov", "adam", "adamw", "adamax", "nadam") and hparams.get("momentum", 1):
        assert len(geometries(optimizer, hparams, rows, clip)[5].parts) >= 2  # the rule really is split


def test_nesterov_look_ahead_is_where_the_next_gradient_is_taken_and_matches_sutskevers_form():
    """PyTorch's θ are the look-ahead points φ + αu of Sutskever et al. (2013): u ← αu − η∇f(φ + αu), φ ← φ + u."""
    lr, alpha = 0.002, 0.9
    surface = get_surface("rosenbrock")
    stepper, rows = rows_of("nesterov", {"lr": lr, "momentum": alpha}, steps=30)
    shapes = geometries("nesterov", {"lr": lr, "momentum": alpha}, rows)
    phi, u = np.array([-1.2, 1.0]), np.zeros(2)  # u₀ = 0, so the first look-ahead point is the start
    for k, geometry in enumerate(shapes):
        theta = rows[k]["params"]
        np.testing.assert_allclose(theta, phi + alpha * u, rtol=1e-9)  # θ is the look-ahead point
        _, grad = surface.loss_grad(phi + alpha * u)
        u = alpha * u - lr * grad
        phi = phi + u
        np.testing.assert_allclose(geometry.iterate, phi, rtol=1e-9)  # θ − ηg is Sutskever's iterate
        np.testing.assert_allclose(geometry.lookahead, geometry.iterate - lr * alpha * rows[k]["state"]["velocity"],
                                   rtol=1e-15)
        if k + 1 < len(rows):
            np.testing.assert_allclose(geometry.lookahead, rows[k + 1]["params"], rtol=1e-13)
    assert [part.name for part in shapes[3].parts] == ["gradient", "look-ahead"]


def test_the_clipped_arrow_appears_only_where_clipping_acts():
    clip = {"norm": 2.0}
    stepper, rows = rows_of("sgd", {"lr": 0.001}, clip=clip, steps=400)
    shapes = geometries("sgd", {"lr": 0.001}, rows, clip)
    norms = [np.linalg.norm(row["grad"]) for row in rows]
    assert max(norms) > 2.0 > min(norms)  # the run passes from clipped to unclipped
    for row, geometry, norm in zip(rows, shapes, norms):
        np.testing.assert_array_equal(geometry.gradient, -row["lr"] * row["grad"])
        if norm > 2.0 + 1e-6:
            np.testing.assert_allclose(geometry.clipped, -row["lr"] * clip_gradient(row["grad"], clip))
            assert np.linalg.norm(geometry.clipped) == pytest.approx(row["lr"] * 2.0, rel=1e-6)
        else:
            assert geometry.clipped is None


def test_the_velocity_arrow_is_the_momentum_state_as_a_step():
    stepper, rows = rows_of("momentum", {"lr": 0.002, "momentum": 0.9})
    for row, geometry in zip(rows, geometries("momentum", {"lr": 0.002, "momentum": 0.9}, rows)):
        np.testing.assert_array_equal(geometry.velocity, -row["lr"] * row["state"]["velocity"])
        np.testing.assert_allclose(geometry.velocity, row["update"], rtol=1e-15)  # heavy ball: Δθ = −ηv
    _, rows = rows_of("sgd", {"lr": 0.001})
    assert all(g.velocity is None and g.rates is None for g in geometries("sgd", {"lr": 0.001}, rows))


def test_adagrads_box_shrinks_and_rmsprops_breathes():
    _, rows = rows_of("adagrad", {"lr": 0.5}, steps=300)
    boxes = np.array([g.rates for g in geometries("adagrad", {"lr": 0.5}, rows)])
    np.testing.assert_array_equal(boxes, np.array([row["lr_eff"] for row in rows]))
    assert np.all(np.diff(boxes, axis=0) <= 0)  # each side only ever shrinks
    _, rows = rows_of("rmsprop", {"lr": 0.01, "alpha": 0.9}, steps=300)
    sides = np.array([g.rates for g in geometries("rmsprop", {"lr": 0.01, "alpha": 0.9}, rows)])
    change = np.diff(sides, axis=0)
    assert (change > 0).any() and (change < 0).any()  # it shrinks and grows again
    assert "newton" not in ADAPTIVE and {"adagrad", "rmsprop", "adam", "rprop"} <= ADAPTIVE


def test_a_thinned_row_has_no_parts_and_a_diverged_one_no_geometry():
    _, rows = rows_of("adam", {"lr": 0.1})
    geometry = step_geometry("adam", {"lr": 0.1}, rows[5], None)
    assert geometry.parts is None and geometry.velocity is not None
    bad = dict(rows[5], params=np.array([np.nan, 1.0]))
    assert step_geometry("adam", {"lr": 0.1}, bad, rows[4]["state"]) is None


def test_display_scales_are_round_and_fit_shortens():
    assert nice_scale(0.01, 0.4) == 20.0
    assert nice_scale(3.0, 0.4) == 0.1
    assert nice_scale(0.0, 0.4) == 1.0 and nice_scale(np.nan, 0.4) == 1.0
    for length in (1e-9, 3e-4, 0.7, 42.0):
        assert 0.4 / 2.5 < nice_scale(length, 0.4) * length <= 0.4 * (1 + 1e-12)
    vector, shortened = fit(np.array([3.0, 4.0]), 1.0)
    assert shortened and np.hypot(*vector) == pytest.approx(1.0) and vector[1] / vector[0] == pytest.approx(4 / 3)
    assert fit(np.array([0.3, 0.4]), 1.0)[1] is False


def test_3d_heights_follow_the_recorded_loss_and_never_sink_into_the_mesh():
    from gradsim.app.protocol import Field
    from gradsim.app.surface_scene import HEIGHT, above_mesh, mesh_grid, surface_scene
    surface = get_surface("rosenbrock")
    xs, ys, values = surface.grid(240, 240)
    field = Field(0, tuple(surface.view), xs, ys, values)
    scene = surface_scene(field, 0.0)
    assert scene.log  # most of Rosenbrock's surface lies in the bottom tenth of its range
    assert scene.height(0.0) == 0.0 and scene.height(values.max()) == pytest.approx(HEIGHT)
    assert not surface_scene(Field(0, (-1, 1, -1, 1), *get_surface("quadratic").grid(50, 50)), 0.0).log
    x_box, y_box, heights = mesh_grid(field, scene)
    from gradsim.app.surface_scene import MESH_POINTS
    stride = -(-240 // MESH_POINTS)
    assert len(x_box) <= MESH_POINTS and heights.shape == (len(x_box), len(y_box))
    # grid points: the mesh is the field's values (every stride-th), put through the scale
    np.testing.assert_allclose(heights[::7, ::5], scene.height(values[::stride, ::stride].T[::7, ::5]))
    _, rows = rows_of("momentum", {"lr": 0.001, "momentum": 0.9}, steps=800)
    params = np.array([row["params"] for row in rows])
    points = scene.points(params, surface.loss(params))
    lifted = above_mesh(points, x_box, y_box, heights)
    assert np.all(lifted[:, 2] >= points[:, 2]) and np.any(lifted[:, 2] > points[:, 2])  # the valley is narrow
    on_grid = np.column_stack([x_box[[3, 40]], y_box[[9, 77]], [0.0, 0.0]])
    np.testing.assert_allclose(above_mesh(on_grid, x_box, y_box, heights)[:, 2], heights[[3, 40], [9, 77]])
