"""PNG pictures of basin maps and sweeps for the command line, drawn with Pillow (never Qt).

A basin map: each start coloured by its minimum (grey: not converged, near-black: diverged),
darker the more steps it needed, the minima marked, a legend below. A sweep: for one
hyperparameter, final loss and steps to tolerance against its values, diverged settings
marked, the theory's marks and predicted steps drawn where it has them; for two, a phase
diagram coloured by steps to tolerance with the heavy ball's boundary and critical damping.
"""
from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

BASIN_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                 (140, 86, 75), (227, 119, 194), (188, 189, 34), (23, 190, 207), (127, 127, 127)]
NOT_CONVERGED = (170, 170, 170)
DIVERGED = (25, 25, 25)
INK, GRID, MARK, PREDICTED, BAD = (20, 20, 20), (225, 225, 225), (200, 30, 30), (30, 90, 200), (200, 30, 30)
# A perceptually even ramp (viridis at six stops) for steps to tolerance.
RAMP = np.array([(68, 1, 84), (65, 68, 135), (42, 120, 142), (34, 168, 132), (122, 209, 81), (253, 231, 37)], float)


ASCII = str.maketrans({"λ": "lam", "η": "lr", "β": "beta", "−": "-", "≤": "<=", "×": "x", "√": "sqrt", "‖": "|",
                       "∇": "grad ", "²": "^2", "*": "*"})


class _Font:
    """DejaVu Sans where the system has it (Greek and math signs); else Pillow's own font, with
    the Greek spelled out in ASCII, which it lacks."""

    def __init__(self, size: int = 13):
        try:
            self.font, self.full = ImageFont.truetype("DejaVuSans.ttf", size), True
        except OSError:
            self.font, self.full = ImageFont.load_default(), False

    def text(self, draw, xy, text: str, fill) -> None:
        draw.text(xy, text if self.full else text.translate(ASCII), fill=fill, font=self.font)


_font = _Font


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _ramp(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0) * (len(RAMP) - 1)
    low = np.minimum(np.floor(t).astype(int), len(RAMP) - 2)
    frac = (t - low)[..., None]
    return RAMP[low] * (1 - frac) + RAMP[low + 1] * frac


# --- basin maps ------------------------------------------------------------------------------------

def basin_rgb(result) -> np.ndarray:
    """(ny, nx, 3) colours, row 0 at the lowest y (flip for an image)."""
    basin, steps = result.basin, result.steps_to_tol
    colours = np.array([BASIN_COLOURS[i % len(BASIN_COLOURS)] for i in range(max(len(result.minima), 1))], float)
    rgb = np.empty(basin.shape + (3,))
    inside = basin >= 0
    needed = np.where(steps >= 0, steps / max(result.steps, 1), 1.0)
    shade = 1.0 - 0.55 * np.clip(needed, 0.0, 1.0)  # full colour: converged at once; darker: needed every step
    rgb[inside] = colours[basin[inside]] * shade[inside, None]
    rgb[basin == -2] = NOT_CONVERGED
    rgb[basin == -1] = DIVERGED
    return rgb


def basin_png(result) -> bytes:
    nx, ny = result.resolution
    scale = max(1, 512 // max(nx, ny))
    width, height = nx * scale, ny * scale
    font = _font()
    margin, legend_rows = 10, len(result.minima) + 3
    canvas = Image.new("RGB", (max(width + 2 * margin, 420), height + 2 * margin + 22 + 18 * legend_rows), "white")
    picture = Image.fromarray(basin_rgb(result)[::-1].astype(np.uint8)).resize((width, height), Image.NEAREST)
    top = margin + 22
    canvas.paste(picture, (margin, top))
    draw = ImageDraw.Draw(canvas)
    config = result.config
    hp = ", ".join(f"{k}={v}" for k, v in config.get("hparams", {}).items())
    font.text(draw, (margin, margin), f"{config.get('optimizer')} {hp} on {config.get('surface')}, {result.steps} steps", INK)
    (x0, x1), (y0, y1) = result.window
    for i, (mx, my) in enumerate(result.minima):
        if x0 <= mx <= x1 and y0 <= my <= y1:
            px = margin + (mx - x0) / (x1 - x0) * width
            py = top + (y1 - my) / (y1 - y0) * height
            draw.ellipse((px - 5, py - 5, px + 5, py + 5), "white", outline=INK, width=2)
    y = top + height + 8
    for i, (mx, my) in enumerate(result.minima):
        share = float(np.mean(result.basin == i))
        _swatch(draw, margin, y, BASIN_COLOURS[i % len(BASIN_COLOURS)],
                f"minimum {i} ({mx:.4g}, {my:.4g}), f = {result.minima_loss[i]:.4g}: {share:.1%}", font)
        y += 18
    _swatch(draw, margin, y, NOT_CONVERGED, f"not converged: {np.mean(result.basin == -2):.1%}", font)
    _swatch(draw, margin + 200, y, DIVERGED, f"diverged: {np.mean(result.basin == -1):.1%}", font)
    y += 18
    font.text(draw, (margin, y), f"darker: more steps until {result.criterion} (tol {result.tol:g})", INK)
    return _png(canvas)


def _swatch(draw, x, y, colour, text, font):
    draw.rectangle((x, y + 2, x + 12, y + 14), fill=tuple(int(c) for c in colour), outline=INK)
    font.text(draw, (x + 18, y), text, INK)


# --- sweeps ----------------------------------------------------------------------------------------

class _Axis:
    """Data to pixels along one axis, linear or logarithmic."""

    def __init__(self, low: float, high: float, start: float, end: float, log: bool):
        self.log = log and low > 0 and high > 0
        self.low, self.high = (math.log10(low), math.log10(high)) if self.log else (low, high)
        if self.high == self.low:
            self.low, self.high = self.low - 0.5, self.high + 0.5
        self.start, self.end = start, end

    def __call__(self, value):
        value = np.log10(value) if self.log else np.asarray(value, dtype=float)
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)

    def ticks(self) -> list[float]:
        if self.log:
            first, last = math.ceil(self.low - 1e-9), math.floor(self.high + 1e-9)
            stride = max(1, math.ceil((last - first + 1) / 7))
            return [10.0 ** e for e in range(first, last + 1, stride)]
        step = 10 ** math.floor(math.log10((self.high - self.low) / 4))
        for factor in (1, 2, 5, 10):
            if (self.high - self.low) / (step * factor) <= 6:
                step *= factor
                break
        first = math.ceil(self.low / step) * step
        return [first + i * step for i in range(int((self.high - first) / step + 1e-9) + 1)]


def _frame(draw, box, xaxis, yaxis, xlabel, ylabel, font):
    left, top, right, bottom = box
    for tick in xaxis.ticks():
        px = float(xaxis(tick))
        draw.line((px, top, px, bottom), fill=GRID)
        font.text(draw, (px - 12, bottom + 4), f"{tick:g}", INK)
    for tick in yaxis.ticks():
        py = float(yaxis(tick))
        draw.line((left, py, right, py), fill=GRID)
        font.text(draw, (4, py - 7), f"{tick:g}", INK)
    draw.rectangle(box, outline=INK)
    font.text(draw, ((left + right) / 2 - 20, bottom + 20), xlabel, INK)
    font.text(draw, (left + 4, top + 4), ylabel, INK)


def _polyline(draw, xs, ys, colour, width=2, dashed=False):
    points = [(float(x), float(y)) for x, y in zip(xs, ys) if np.isfinite(x) and np.isfinite(y)]
    if dashed:
        for a, b in zip(points[::2], points[1::2]):
            draw.line((a, b), fill=colour, width=width)
    elif len(points) > 1:
        draw.line(points, fill=colour, width=width)


def sweep_png(result, log_axes=(True, False)) -> bytes:
    return _sweep_1d(result, log_axes[0]) if len(result.names) == 1 else _phase(result, log_axes)


def _sweep_1d(result, log_x: bool) -> bytes:
    font = _font()
    name = result.names[0]
    values = result.values[name]
    width, height, left, right = 900, 640, 70, 880
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    config = result.config
    font.text(draw, (left, 8), f"{config['optimizer']} on {config['surface']} from {result.start}, {result.steps} steps; "
                         f"steps until {result.criterion} (tol {result.tol:g})", INK)
    xaxis = _Axis(values.min(), values.max(), left, right, log_x)
    ok = ~result.diverged
    # Top: final loss (log scale where positive).
    box = (left, 30, right, 300)
    loss = np.where(ok, result.final_loss, np.nan)
    positive = loss[np.isfinite(loss) & (loss > 0)]
    low, high = (positive.min(), positive.max()) if len(positive) else (1e-12, 1.0)
    yaxis = _Axis(low, high, box[3], box[1], True)
    _frame(draw, box, xaxis, yaxis, "", "final loss", font)
    shown = np.where(loss > 0, loss, np.nan)
    _polyline(draw, xaxis(values), yaxis(np.where(np.isfinite(shown), shown, np.nan)), INK)
    for v in values[~ok]:
        px = float(xaxis(v))
        draw.line((px - 4, box[3] - 12, px + 4, box[3] - 4), fill=BAD, width=2)
        draw.line((px - 4, box[3] - 4, px + 4, box[3] - 12), fill=BAD, width=2)
    # Bottom: steps to tolerance, with the prediction.
    box2 = (left, 340, right, 600)
    steps = result.steps_to_tol.astype(float)
    yaxis2 = _Axis(0, max(result.steps, 1), box2[3], box2[1], False)
    _frame(draw, box2, xaxis, yaxis2, name + (" (log scale)" if xaxis.log else ""), "steps to tolerance", font)
    theory = result.theory
    if theory is not None and theory.predicted_steps is not None and name == "lr":
        predicted = np.where(theory.predicted_steps <= result.steps, theory.predicted_steps, np.nan)
        _polyline(draw, xaxis(values), yaxis2(predicted), PREDICTED)
        font.text(draw, (right - 230, box2[1] + 4), "line: predicted from max|1 − ηλ|", PREDICTED)
    for v, s, good in zip(values, steps, ok):
        px = float(xaxis(v))
        if good and s >= 0:
            py = float(yaxis2(s))
            draw.ellipse((px - 3, py - 3, px + 3, py + 3), fill=INK)
        elif not good:
            draw.line((px - 4, box2[1] + 4, px + 4, box2[1] + 12), fill=BAD, width=2)
            draw.line((px - 4, box2[1] + 12, px + 4, box2[1] + 4), fill=BAD, width=2)
    if theory is not None and name == "lr":
        suffix = " (local)" if theory.local else ""
        for i, (label, mark) in enumerate(theory.marks.items()):
            if values.min() <= mark <= values.max():
                px = float(xaxis(mark))
                for box_ in (box, box2):
                    _polyline(draw, [px] * 40, np.linspace(box_[1], box_[3], 40), MARK, width=1, dashed=True)
                font.text(draw, (px + 3, box[1] + 4 + 14 * i), label + suffix, MARK)
    font.text(draw, (left, 616), "×: diverged", BAD)
    return _png(image)


def _phase(result, log_axes) -> bytes:
    font = _font()
    (xname, yname) = result.names
    xs, ys = result.values[xname], result.values[yname]
    size, left, top = 560, 70, 40
    image = Image.new("RGB", (left + size + 200, top + size + 60), "white")
    draw = ImageDraw.Draw(image)
    config = result.config
    font.text(draw, (left, 4), f"{config['optimizer']} on {config['surface']}: steps until {result.criterion} "
                          f"(tol {result.tol:g})", INK)
    steps = result.steps_to_tol.astype(float)
    rgb = _ramp(steps / max(result.steps, 1))
    rgb[steps < 0] = NOT_CONVERGED
    rgb[result.diverged] = DIVERGED
    # Grid (n1, n2) = (x, y): transpose to rows of y, highest y on top.
    cells = Image.fromarray(np.transpose(rgb, (1, 0, 2))[::-1].astype(np.uint8)).resize((size, size), Image.NEAREST)
    image.paste(cells, (left, top))
    box = (left, top, left + size, top + size)
    # Cell centres sit evenly over the picture whatever the spacing of the values.
    xaxis = _Axis(xs.min(), xs.max(), left + size / (2 * len(xs)), left + size - size / (2 * len(xs)), log_axes[0])
    yaxis = _Axis(ys.min(), ys.max(), top + size - size / (2 * len(ys)), top + size / (2 * len(ys)), log_axes[1])
    for tick in xaxis.ticks():
        font.text(draw, (float(xaxis(tick)) - 12, box[3] + 4), f"{tick:g}", INK)
    for tick in yaxis.ticks():
        font.text(draw, (4, float(yaxis(tick)) - 7), f"{tick:g}", INK)
    draw.rectangle(box, outline=INK)
    font.text(draw, (left + size / 2 - 20, box[3] + 22), xname, INK)
    font.text(draw, (4, top - 20), yname, INK)
    theory = result.theory
    if theory is not None and set(result.names) == {"lr", "momentum"}:
        def curve(lrs, betas, colour, dashed=False):
            px = xaxis(lrs) if xname == "lr" else xaxis(betas)
            py = yaxis(betas) if xname == "lr" else yaxis(lrs)
            inside = (px >= box[0]) & (px <= box[2]) & (py >= box[1]) & (py <= box[3])
            _polyline(draw, np.where(inside, px, np.nan), np.where(inside, py, np.nan), colour, dashed=dashed)
        dense_lr = np.geomspace(result.values["lr"].min(), result.values["lr"].max(), 400) if xaxis.log or yaxis.log \
            else np.linspace(result.values["lr"].min(), result.values["lr"].max(), 400)
        if theory.boundary_lr is not None:
            betas = np.linspace(result.values["momentum"].min(), result.values["momentum"].max(), 400)
            curve(2.0 * (1.0 + betas) / theory.eigenvalues.max(), betas, "white")
        for lam, colour in zip(theory.eigenvalues, ((255, 255, 255), (255, 160, 160))):  # λmin white, λmax pink
            curve(dense_lr, (1.0 - np.sqrt(dense_lr * lam)) ** 2, colour, dashed=True)
    # Legend: the ramp and the two flat colours.
    lx = left + size + 20
    for i in range(100):
        colour = tuple(int(c) for c in _ramp(np.array(i / 99)))
        draw.line((lx, top + 200 - 2 * i, lx + 14, top + 200 - 2 * i), fill=colour)
    font.text(draw, (lx + 20, top - 4), f"{result.steps} steps", INK)
    font.text(draw, (lx + 20, top + 192), "0 steps", INK)
    _swatch(draw, lx, top + 220, NOT_CONVERGED, "not converged", font)
    _swatch(draw, lx, top + 240, DIVERGED, "diverged", font)
    if theory is not None and set(result.names) == {"lr", "momentum"}:
        font.text(draw, (lx, top + 270), "solid: η = 2(1+β)/λmax", INK)
        font.text(draw, (lx, top + 286), "dashed: β = (1 − √(ηλ))²", INK)
        font.text(draw, (lx, top + 302), "  critical damping,", INK)
        font.text(draw, (lx, top + 318), "  white λmin, pink λmax", INK)
    return _png(image)
