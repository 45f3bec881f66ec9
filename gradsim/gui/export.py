"""Exporting what the window shows: a panel as PNG (at a chosen width) or SVG with the runs' legend,
the runs as CSV, the trajectory as an animated GIF whose frames follow the motion, with a step counter."""
from __future__ import annotations

import csv
import io

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers the exporters)
from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator

from ..files import write_atomically
from ..app.history import RunHistory

CSV_COLUMNS = ("run", "optimizer", "step", "x", "y", "loss", "grad_x", "grad_y", "lr_x", "lr_y")
MAX_EXPORT_WIDTH = 8000


def export_plot(widget: pg.PlotWidget, path: str, width: int | None = None, legend=None) -> None:
    """A panel as PNG (`width` pixels wide, default twice its size on screen) or SVG, chosen by the
    extension; with `legend` (a widget, the runs' legend) above it."""
    lower = path.lower()
    if lower.endswith(".svg"):
        # Qt's own SVG generator: pyqtgraph 0.14's SVGExporter fails on some paths with PySide6
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        top = legend.height() if legend is not None else 0
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(widget.size().grownBy(pg.QtCore.QMargins(0, top, 0, 0)))
        generator.setViewBox(QRectF(0, 0, widget.width(), widget.height() + top))
        generator.setTitle("GradSim")
        painter = QPainter(generator)
        if legend is not None:
            legend.render(painter, QPoint(0, 0))
            painter.translate(0, top)
        widget.render(painter)
        painter.end()
        write_atomically(path, bytes(buffer.data()))
    elif lower.endswith(".png"):
        def draw(pixels: int) -> QImage:
            exporter = pg.exporters.ImageExporter(widget.getPlotItem())
            exporter.parameters()["width"] = pixels
            return exporter.export(toBytes=True)
        write_png(draw, widget.width(), path, width, legend)
    else:
        raise ValueError(f"export a panel as .png or .svg, not '{path}'")


def export_picture(draw, shown_width: int, path: str, width: int | None = None, legend=None) -> None:
    """A view that is a picture, not a plot (the 3-D view), as PNG: `draw(width)` gives its QImage."""
    if not path.lower().endswith(".png"):
        raise ValueError(f"the 3-D view exports as .png only, not '{path}' (switch to 2-D for an SVG)")
    write_png(draw, shown_width, path, width, legend)


def write_png(draw, shown_width: int, path: str, width: int | None = None, legend=None) -> None:
    """`draw(width)`'s QImage (default twice as wide as shown), the legend above it, as a PNG file."""
    width = int(width or 2 * shown_width)
    if not 50 <= width <= MAX_EXPORT_WIDTH:
        raise ValueError(f"a PNG export is 50 to {MAX_EXPORT_WIDTH} pixels wide, not {width}")
    image = draw(width)
    if legend is not None:
        image = with_legend(image, legend)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    write_atomically(path, bytes(buffer.data()))


def with_legend(image: QImage, legend) -> QImage:
    """`image` with the legend widget drawn above it, scaled to the image's width."""
    scale = image.width() / max(1, legend.width())
    top = int(round(legend.height() * scale))
    out = QImage(image.width(), image.height() + top, QImage.Format_ARGB32)
    out.fill(legend.palette().window().color())
    painter = QPainter(out)
    painter.setRenderHint(QPainter.TextAntialiasing)
    painter.save()
    painter.scale(scale, scale)
    legend.render(painter, QPoint(0, 0))
    painter.restore()
    painter.drawImage(0, top, image)
    painter.end()
    return out


def frame_steps(steps: np.ndarray, progress: np.ndarray, frames: int) -> list[int]:
    """Which of `steps` (increasing) a GIF of `frames` frames shows: half at equal increments of
    `progress` (non-decreasing: the distance the paths travelled, or how far the loss fell), half at
    logarithmically spaced steps, the first and last always; so a fast early descent gets as many
    frames as it deserves instead of one."""
    steps = np.asarray(steps)
    n = len(steps)
    if n <= frames:
        return [int(k) for k in steps]
    progress = np.maximum.accumulate(np.nan_to_num(np.asarray(progress, dtype=float)))
    by_progress = np.searchsorted(progress, np.linspace(progress[0], progress[-1], frames // 2)).clip(0, n - 1)
    wanted = np.geomspace(1, steps[-1] - steps[0] + 1, frames - frames // 2) - 1 + steps[0]
    by_step = (np.searchsorted(steps, wanted, side="right") - 1).clip(0, n - 1)
    chosen = set(np.r_[0, n - 1, by_progress, by_step].tolist())
    for index in np.linspace(0, n - 1, frames).astype(int):  # fill up evenly, if the two spacings met
        if len(chosen) >= frames:
            break
        chosen.add(int(index))
    for index in range(n):
        if len(chosen) >= frames:
            break
        chosen.add(index)
    while len(chosen) > frames:  # drop the most crowded ones, never the ends
        ordered = sorted(chosen)
        gaps = np.diff(steps[ordered])
        inner = int(np.argmin(gaps[:-1] + gaps[1:])) + 1
        chosen.discard(ordered[inner])
    return [int(steps[i]) for i in sorted(chosen)]


def stamp(image: QImage, text: str, scale: float = 1.0) -> QImage:
    """`image` with `text` (the step counter) in a box at its top left."""
    out = image.convertToFormat(QImage.Format_ARGB32)
    painter = QPainter(out)
    painter.setRenderHint(QPainter.TextAntialiasing)
    font = QFont()
    font.setPointSizeF(11 * scale)
    font.setBold(True)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    box = QRectF(8, 6, metrics.horizontalAdvance(text) + 14, metrics.height() + 6)
    painter.fillRect(box, QColor(255, 255, 255, 215))
    painter.setPen(QColor(20, 20, 20))
    painter.drawText(box, Qt.AlignCenter, text)
    painter.end()
    return out


def runs_csv(histories: list[RunHistory], optimizers: list[str], network: bool = False) -> str:
    """One row per kept step and run: the point, loss, gradient and rates on a surface; on a network the
    losses, accuracies and rate, then each layer's gradient norm, weight norm, update ratio and median rate."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not network:
        writer.writerow(CSV_COLUMNS)
        for index, (history, name) in enumerate(zip(histories, optimizers)):
            for step, (x, y), loss, (gx, gy), (lx, ly) in zip(
                    history.get("step").tolist(), history.get("params").tolist(), history.get("loss").tolist(),
                    history.get("grad").tolist(), history.get("lr_eff").tolist()):
                writer.writerow([index + 1, name, step, *map(repr, (x, y, loss, gx, gy, lx, ly))])
        return buffer.getvalue()
    layers = histories[0].get("extra.grad_norm_layers").shape[1] if histories and histories[0].count else 0
    tested = bool(histories) and "extra.test_loss" in histories[0].columns
    columns = ["run", "optimizer", "step", "epoch", "loss", "batch_loss", "train_accuracy"]
    columns += ["test_loss", "test_accuracy"] if tested else []
    columns += ["lr"] + [f"{what}_{i}" for i in range(1, layers + 1)
                         for what in ("grad_norm", "weight_norm", "update_ratio", "lr_eff_median")]
    writer.writerow(columns)
    for index, (history, name) in enumerate(zip(histories, optimizers)):
        get = history.get
        series = [get("extra.epoch"), get("extra.train_loss"), get("loss"), get("extra.train_accuracy")]
        series += [get("extra.test_loss"), get("extra.test_accuracy")] if tested else []
        series.append(get("lr"))
        per_layer = [get("extra.grad_norm_layers"), get("extra.weight_norm_layers"),
                     get("extra.update_ratio_layers"), get("extra.lr_eff_layers")[:, :, 1]]
        for k, step in enumerate(get("step").tolist()):
            layer_values = [repr(float(values[k, i])) for i in range(layers) for values in per_layer]
            writer.writerow([index + 1, name, step, int(series[0][k]), *(repr(float(s[k])) for s in series[1:]),
                             *layer_values])
    return buffer.getvalue()


def save_gif(frames: list[Image.Image], path: str, frame_ms: int = 80, hold_last_ms: int | None = None) -> None:
    """An animated GIF that loops, written by Pillow (one shared palette keeps colours steady); the last
    frame may hold longer (`hold_last_ms`)."""
    if not frames:
        raise ValueError("no frames to write")
    palette = frames[-1].quantize(colors=255)
    quantized = [frame.quantize(palette=palette) for frame in frames]
    durations = [frame_ms] * len(frames)
    if hold_last_ms is not None:
        durations[-1] = hold_last_ms
    buffer = io.BytesIO()
    quantized[0].save(buffer, format="GIF", save_all=True, append_images=quantized[1:], duration=durations,
                      loop=0, optimize=False)
    write_atomically(path, buffer.getvalue())
