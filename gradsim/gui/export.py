"""Exporting what the window shows: a panel as PNG or SVG, the runs as CSV, the trajectory as a GIF."""
from __future__ import annotations

import csv
import io

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers the exporters)
from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator

from ..files import write_atomically
from ..app.history import RunHistory

CSV_COLUMNS = ("run", "optimizer", "step", "x", "y", "loss", "grad_x", "grad_y", "lr_x", "lr_y")


def export_plot(widget: pg.PlotWidget, path: str) -> None:
    """A panel as PNG (at twice its on-screen size, for slides) or SVG, chosen by the extension."""
    item = widget.getPlotItem()
    if path.lower().endswith(".svg"):
        # Qt's own SVG generator: pyqtgraph 0.14's SVGExporter fails on some paths with PySide6
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(widget.size())
        generator.setViewBox(widget.rect())
        generator.setTitle("GradSim")
        painter = QPainter(generator)
        widget.render(painter)
        painter.end()
        write_atomically(path, bytes(buffer.data()))
    elif path.lower().endswith(".png"):
        exporter = pg.exporters.ImageExporter(item)
        exporter.parameters()["width"] = int(2 * widget.width())
        exporter.export(path)
    else:
        raise ValueError(f"export a panel as .png or .svg, not '{path}'")


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


def widget_image(widget) -> Image.Image:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.ReadWrite)
    widget.grab().save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")


def save_gif(frames: list[Image.Image], path: str, frame_ms: int = 60) -> None:
    """An animated GIF that loops, written by Pillow (one shared palette keeps colours steady)."""
    if not frames:
        raise ValueError("no frames to write")
    palette = frames[-1].quantize(colors=255)
    quantized = [frame.quantize(palette=palette) for frame in frames]
    buffer = io.BytesIO()
    quantized[0].save(buffer, format="GIF", save_all=True, append_images=quantized[1:], duration=frame_ms,
                      loop=0, optimize=False)
    write_atomically(path, buffer.getvalue())
