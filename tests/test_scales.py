"""The loss scale and the field's colours are chosen from the data (pure NumPy)."""
import numpy as np
import pytest

from gradsim.app import scales, shading
from gradsim.experiment import PALETTE


@pytest.mark.parametrize("low, high, fstar, mode", [
    (1e-12, 24.2, 0.0, "log"),                 # Rosenbrock: positive, f* = 0
    (-78.33, 10.0, -78.3323314, "gap"),        # Styblinski–Tang: loss − f* on a log axis
    (-1.03, 11.2, -1.0316284534898772, "gap"),  # six-hump camel
    (-5.0, 1.1, None, "linear"),               # a saddle, a few units either way
    (-5e11, 1.1, None, "symlog"),              # a saddle fallen a long way
    (0.0, 14.4, 0.0, "log"),                   # an exact zero reached: log with a floor
])
def test_the_automatic_scale(low, high, fstar, mode):
    scale = scales.choose("auto", low, high, fstar)
    assert scale.mode == mode
    drawn = scale.transform(np.array([low, high]))
    assert np.all(np.isfinite(drawn)) and drawn[0] <= drawn[1]


def test_a_run_below_the_known_minimum_falls_back_to_a_scale_that_shows_it():
    assert scales.choose("auto", -90.0, 10.0, -78.33).mode in ("symlog", "linear")


def test_the_log_floor_keeps_thirty_decades_and_says_so():
    scale = scales.choose("auto", 0.0, 14.4, 0.0)
    assert scale.floor == pytest.approx(14.4e-30) and scale.clamped
    assert scale.label() == "loss, log scale"  # the axis label stays short; the key under the plot says it
    assert scale.floor_note() == "loss below 1e-29 drawn at 1e-29"
    assert scales.choose("auto", 0.5, 14.4, 0.0).floor_note() == ""  # nothing below the floor: no note
    assert scale.transform(np.array([0.0, 1e-250]))[0] == pytest.approx(np.log10(14.4e-30))


@pytest.mark.parametrize("mode", ["log", "gap", "symlog", "linear"])
def test_transform_and_inverse_agree(mode):
    scale = scales.choose(mode, -3.0 if mode in ("symlog", "linear") else 0.5, 400.0, 0.25 if mode == "gap" else None)
    values = np.array([0.5, 1.0, 7.0, 399.0]) if scale.logarithmic else np.array([-3.0, -0.01, 0.0, 2.0, 399.0])
    np.testing.assert_allclose(scale.inverse(scale.transform(values)), values, rtol=1e-12, atol=1e-12)


def test_symlog_ticks_name_both_signs():
    scale = scales.choose("symlog", -5e5, 2.0)
    low, high = scale.transform(np.array([-5e5, 2.0]))
    labels = [text for _, text in scale.ticks(low, high)]
    assert "0" in labels and any(text.startswith("−") or text.startswith("-") for text in labels)


def test_a_field_spanning_decades_is_shaded_on_a_log_ramp_with_iso_lines(monkeypatch):
    xs, ys = np.linspace(-2, 2, 300), np.linspace(-1, 3, 200)
    X, Y = np.meshgrid(xs, ys)
    values = (1 - X) ** 2 + 100 * (Y - X**2) ** 2
    levels = shading.field_levels(values)
    assert levels.log and [label for _, label in levels.ticks()][-1] == "1000"
    lut = np.stack([np.arange(256)] * 3, axis=1).astype(np.uint8)
    rgba = shading.field_rgba(values, levels, lut)
    assert rgba.shape == (200, 300, 4) and rgba[..., 3].min() == 255
    monkeypatch.setattr(shading, "LINE_DARKENING", 1.0)  # the same field without its iso-lines
    plain = shading.field_rgba(values, levels, lut)
    lines = np.any(rgba != plain, axis=-1)
    assert 0.01 < lines.mean() < 0.2  # a few percent of the pixels: thin lines, not bands


def test_class_regions_and_points_are_never_in_a_run_colour():
    grid = np.linspace(0, 1, 50)[None, :].repeat(40, axis=0)
    rgba = shading.boundary_rgba(grid, "binary")
    colours = {"#%02x%02x%02x" % tuple(pixel) for pixel in rgba[..., :3].reshape(-1, 3)}
    assert not colours & {c.lower() for c in PALETTE}
    assert all(len({r, g, b}) <= 3 and max(r, g, b) - min(r, g, b) < 20
               for r, g, b in (tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in colours))  # greys


def tick_value(text: str) -> float:
    """The number a tick label names: "0.02", "1000", "10⁻¹⁵" or "2·10⁻⁵"."""
    if any(c in text for c in "⁰¹²³⁴⁵⁶⁷⁸⁹"):
        mantissa, _, power = text.rpartition("10")
        return float(mantissa.rstrip("·") or 1) * 10.0 ** int(power.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))
    return float(text)


@pytest.mark.parametrize("low, high, pixels", [
    (np.log10(5e-4), np.log10(0.06), 250),   # Styblinski–Tang's rates: two decades
    (np.log10(12.0), 2.0, 250),              # loss − f* from 12 to 100
    (np.log10(0.05), np.log10(0.9), 120),    # a network's loss on a short panel
    (-30.0, 5.0, 250),                       # thirty-five decades
    (np.log10(0.9), np.log10(0.99), 250),    # less than a decade
    (-1.7, -1.6, 300),
])
def test_log_ticks_are_labelled_without_crowding(low, high, pixels):
    label = 14.0  # a tick label's height in pixels
    ticks, minor = scales.log_ticks(low, high, pixels, label)
    positions = np.array([p for p, _ in ticks])
    assert len(ticks) >= 2 and np.all((positions >= low - 1e-9) & (positions <= high + 1e-9))
    assert np.min(np.diff(positions)) * pixels / (high - low) >= 1.5 * label  # no two labels overlap
    for position, text in ticks:  # each label names its value
        assert tick_value(text) == pytest.approx(10.0 ** position, rel=1e-6), text
    assert not set(minor) & set(positions)


def test_symlog_keeps_runs_of_different_sizes_apart():
    """A saddle: one run fell to −1e12, others sit at −60 and −8,000; each keeps its own decade."""
    scale = scales.choose("auto", -1e12, 1.1)
    assert scale.mode == "symlog" and scale.linear_width == 1.0
    drawn = scale.transform(np.array([-1e12, -8348.0, -62.8, -0.07, 1.1]))
    low, high = drawn.min(), drawn.max()
    gaps = np.abs(np.diff(drawn[1:4])) / (high - low)
    assert np.all(gaps > 0.05)  # −8,348, −62.8 and −0.07 at least a twentieth of the axis apart
