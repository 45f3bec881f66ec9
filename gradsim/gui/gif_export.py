"""The trajectory as an animated GIF, made without blocking the window.

Drawing a frame needs the GUI thread, so the frames are drawn one per turn of the event loop (a
network's waits for its decision regions from the session); Pillow then encodes them in a worker
thread. `progress` reports each frame, `finished` the path written, `failed` why not. The frames
follow the motion (`export.frame_steps`): an early rush down the valley gets its share of frames.
"""
from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QThread, QTimer, Signal
from PySide6.QtGui import QImage

from .export import with_legend, frame_steps, save_gif, stamp

BOUNDARY_SIZE = 200
LAST_FRAME_MS = 1500  # the end holds a moment before the loop starts again


class _Encoder(QThread):
    done = Signal(str)  # "" when written, else the reason

    def __init__(self, frames: list[Image.Image], path: str):
        super().__init__()
        self.frames, self.path = frames, path

    def run(self) -> None:
        try:
            save_gif(self.frames, self.path, hold_last_ms=LAST_FRAME_MS)
        except (OSError, ValueError) as error:
            self.done.emit(getattr(error, "strerror", None) or str(error))
            return
        self.done.emit("")


class GifExport(QObject):
    progress = Signal(int, int)   # frames drawn, frames in all
    finished = Signal(str)        # the path written
    failed = Signal(str)          # why it was not

    def __init__(self, plot_area, path: str, frames: int = 48, parent=None):
        super().__init__(parent)
        self.plot_area, self.model = plot_area, plot_area.model
        self.controller = plot_area.controller
        self.path = path
        self.images: list[Image.Image] = []
        self.steps = self._choose_steps(frames)
        self._index = 0
        self._cancelled = False
        self._encoder: _Encoder | None = None
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._next_frame)
        self._waiting_for: int | None = None  # a network frame's step, until its regions arrive

    def _choose_steps(self, frames: int) -> list[int]:
        """Up to the step on screen: by how far the paths travelled (a surface) or the loss fell (a network)."""
        model = self.model
        shown = model.shown_step()
        histories = [h for h in model.histories if h.count]
        if not histories:
            return []
        longest = max(histories, key=lambda h: h.index_at(shown))
        steps = longest.get("step")[:longest.index_at(shown) + 1]
        if model.experiment.is_network:
            history = model.histories[model.selected]
            loss = history.get("extra.train_loss")[:history.index_at(shown) + 1]
            change = np.r_[0.0, np.abs(np.diff(np.log10(np.maximum(loss, 1e-300))))]
            moved = np.interp(steps, history.get("step")[:len(change)], np.cumsum(change))
        else:
            xmin, xmax, ymin, ymax = self.plot_area.trajectory.view or (0.0, 1.0, 0.0, 1.0)
            scale = np.array([max(xmax - xmin, 1e-300), max(ymax - ymin, 1e-300)])
            moved = np.zeros(len(steps))
            for history in histories:  # each run's distance travelled, as seen in the window
                rows = history.get("params")[:history.index_at(shown) + 1]
                length = np.r_[0.0, np.cumsum(np.hypot(*(np.diff(rows, axis=0) / scale).T))]
                length = np.nan_to_num(length, nan=length[np.isfinite(length)].max(initial=0.0))
                moved += np.interp(steps, history.get("step")[:len(length)], length)
        return frame_steps(steps, moved, frames)

    def start(self) -> None:
        if not self.steps:
            self.failed.emit("there is nothing to animate yet: play some steps first")
            return
        self.model.play(False)
        self.controller.boundary_ready.connect(self._boundary_arrived)
        self._timer.start()

    def cancel(self) -> None:
        self._cancelled = True
        self._timer.stop()

    @property
    def running(self) -> bool:
        return self._encoder is not None and self._encoder.isRunning()

    def wait(self) -> None:
        """Until the worker thread has finished (at exit, and in tests)."""
        if self._encoder is not None:
            self._encoder.wait()

    # --- drawing the frames, one per turn of the event loop -------------------------------------------
    def _next_frame(self) -> None:
        try:
            self._draw_frame()
        except Exception as error:  # noqa: BLE001  (a frame that cannot be drawn ends the export, said why)
            self._end()
            self.failed.emit(f"could not draw the animation: {error}")

    def _draw_frame(self) -> None:
        if self._cancelled:
            self._end()
            self.failed.emit("cancelled")
            return
        if self._index >= len(self.steps):
            self._encode()
            return
        step = self.steps[self._index]
        model = self.model
        if model.experiment.is_network:
            row = model.row(model.selected, step)
            self._waiting_for = int(row["step"])
            model.request_boundary(model.selected, step, self.plot_area.trajectory.view, BOUNDARY_SIZE, BOUNDARY_SIZE)
            return  # drawn when the regions arrive
        self.plot_area.draw_part(0, step)
        self._grab(step)

    def _boundary_arrived(self) -> None:
        boundary, model = self.model.boundary, self.model
        if self._waiting_for is None or boundary is None:
            return
        if boundary.step != self._waiting_for or boundary.run != model.selected:
            return
        self._waiting_for = None
        self.plot_area.trajectory.show_boundary(boundary, model.info.binary[boundary.run])
        self._grab(self.steps[self._index])

    def _grab(self, step: int) -> None:
        area = self.plot_area
        image = area.trajectory.widget.grab().toImage()
        image = with_legend(stamp(image, f"step {step}", area.trajectory.style.scale), area.legend)
        self.images.append(_to_pil(image))
        self._index += 1
        self.progress.emit(self._index, len(self.steps))
        self._timer.start()

    def _encode(self) -> None:
        self._end()
        self._encoder = _Encoder(self.images, self.path)
        self._encoder.done.connect(self._encoded)
        self._encoder.start()

    def _encoded(self, problem: str) -> None:
        self._encoder.wait()
        if problem:
            self.failed.emit(f"could not write {self.path}: {problem}")
        else:
            self.finished.emit(self.path)

    def _end(self) -> None:
        """The panels back at the step on screen."""
        try:
            self.controller.boundary_ready.disconnect(self._boundary_arrived)
        except (RuntimeError, TypeError):
            pass
        self.plot_area.schedule()


def _to_pil(image: QImage) -> Image.Image:
    rgb = image.convertToFormat(QImage.Format_RGB888)
    data = np.frombuffer(rgb.constBits(), np.uint8, rgb.sizeInBytes()).reshape(rgb.height(), rgb.bytesPerLine())
    return Image.fromarray(data[:, :rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3).copy())
