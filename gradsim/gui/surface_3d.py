"""The surface in 3-D: a shaded mesh coloured by height, every run's path on it and its ball, the arrows.

The mesh is the session's loss field for the contours (`model.field`, thinned to every nth grid
point: the window computes no loss); paths and balls stand at the losses the engine recorded, at
the step on screen, so scrubbing, stepping back and lessons move them. Positions come from
`gradsim.app.surface_scene`. Arrows lie in the level plane of the ball (they are steps in θ, which
has no height) and are drawn over the mesh, never hidden by it.

The picture is drawn by `gl_render.GLRenderer` in a thread of its own and painted here as an
image, with the axis labels; drag to rotate, Ctrl+drag or the middle button to pan, wheel to zoom.
Made only once OpenGL is known to work (`gl_support`), and only when first shown.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEventLoop, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QWidget

from ..app.step_geometry import arrow_segments
from ..app.surface_scene import HEIGHT, above_mesh, mesh_grid, surface_scene
from .geometry_bar import COLORS
from .gl_render import Camera, Frame, GLRenderer, Lines, rgba

CAMERA = {"distance": 1.8, "elevation": 60, "azimuth": -78}
LIFT = 0.008          # paths float this far above the mesh's facets, so that they are not buried in them
BALL_RADIUS = 0.032
MIN_FRAME_SECONDS = 1 / 30  # at most 30 pictures a second are asked for


class SurfaceView3D(QWidget):
    def __init__(self, controller, bar, parent=None):
        super().__init__(parent)
        self.setObjectName("surface3DView")
        self.setAccessibleName("The loss surface in 3-D")
        self.setFocusPolicy(Qt.NoFocus)  # a clicker's arrow keys stay with the window
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.controller, self.model, self.bar = controller, controller.model, bar
        self.camera = Camera()
        self.scene_box = None
        self.image = None         # the last picture drawn
        self.frames = 0           # pictures received and shown
        self.error = ""
        self._mesh = None
        self._mesh_version = 0
        self._labels: list[tuple[np.ndarray, str]] = []
        self._paths: dict[int, tuple] = {}  # per run: (key, rows placed, last step, points)
        self._last_request = 0.0
        self._export = None  # while `picture` waits for its image
        self.renderer = GLRenderer()
        self.renderer.rendered.connect(self._arrived)
        self.renderer.failed.connect(self._failed)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.draw)
        for signal in (controller.rows_changed, controller.shown_changed, controller.run_changed,
                       controller.selection_changed):
            signal.connect(self.schedule)
        controller.configured.connect(self._new_problem)
        controller.field_ready.connect(self._new_field)
        bar.changed.connect(self.schedule)
        self.reset_view()
        self._new_field()

    def shutdown(self) -> None:
        self._timer.stop()
        self.renderer.stop()

    def reset_view(self) -> None:
        self.camera.reset()
        self.camera.setCameraPosition(**CAMERA)
        self.camera.opts["center"] = pg.Vector(0, 0, 0.22)
        self.schedule()

    def schedule(self, *_) -> None:
        """One picture soon (at most one every MIN_FRAME_SECONDS)."""
        if self.isVisible() and not self._timer.isActive():
            wait = MIN_FRAME_SECONDS - (time.perf_counter() - self._last_request)
            self._timer.start(max(0, int(1000 * wait)))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.schedule()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.schedule()

    # --- what changed ----------------------------------------------------------------------------
    def _new_problem(self) -> None:
        self.scene_box, self._mesh = None, None

    def _new_field(self) -> None:
        """The mesh, from the field the session computed for the contours."""
        field, info = self.model.field, self.model.info
        if field is None or info is None or info.kind != "surface":
            return
        self.scene_box = scene = surface_scene(field, info.minimum)
        xs, ys, heights = mesh_grid(field, scene)
        colors = pg.colormap.get("viridis").map(heights / HEIGHT, mode="float")
        self._mesh = (xs, ys, heights, colors)
        self._mesh_version += 1
        xmin, xmax, ymin, ymax = scene.view
        self._labels = [(np.array([0.0, -0.6, 0.0]), f"x {xmin:g} … {xmax:g}"),
                        (np.array([0.6, 0.0, 0.0]), f"y {ymin:g} … {ymax:g}"),
                        (np.array([-0.5, -0.5, HEIGHT + 0.05]), "loss (log scale)" if scene.log else "loss")]
        self.schedule()

    # --- drawing ---------------------------------------------------------------------------------
    def frame(self) -> Frame | None:
        """The picture of the step on screen, as data for the renderer."""
        model, scene = self.model, self.scene_box
        if scene is None or not model.ready or self._mesh is None:
            return None
        frame = Frame((max(1, self.width()), max(1, self.height())), dict(self.camera.opts), self._mesh,
                      self._mesh_version, ball_radius=BALL_RADIUS)
        frame.lines["frame"] = Lines(_box_edges(), (0.35, 0.35, 0.35, 1.0), 1.5)
        shown = model.shown_step()
        for i, (history, run) in enumerate(zip(model.histories, model.experiment.runs)):
            if history.count == 0 or not run.visible:
                continue
            points = self._path(i, history, history.index_at(shown) + 1, scene)
            if not len(points):
                continue
            frame.lines[f"path{i}"] = Lines(points, rgba(run.color), 2.5, "line_strip")
            frame.balls.append((points[-1] + (0, 0, BALL_RADIUS * 0.6), rgba(run.color)))
        self._arrows(frame, scene, shown)
        return frame

    def _path(self, index: int, history, end: int, scene) -> np.ndarray:
        """Run `index`'s path up to row `end` in the box, on the mesh: only rows new since the last
        frame are placed (while playing, a frame adds a few rows to paths of thousands)."""
        key = (self.model.generation, self._mesh_version, history.stride)
        cached = self._paths.get(index)
        steps = history.get("step")
        start = 0
        if cached is not None and cached[0] == key and 0 < cached[1] <= end \
                and cached[2] == steps[cached[1] - 1]:
            start = cached[1] - 1  # the last row again: it may have been the provisional newest row
        params, loss = history.get("params")[start:end], history.get("loss")[start:end]
        finite = np.all(np.isfinite(params), axis=1) & np.isfinite(loss)
        new = above_mesh(self.scene_box.points(params[finite], loss[finite]), *self._mesh[:3])
        new[:, 2] += LIFT
        if start and cached[3] is not None:
            old = cached[3][:-1] if finite[0] else cached[3]  # its point was the last one placed
            points = np.vstack([old, new])
        else:
            points = new
        self._paths[index] = (key, end, steps[end - 1], points)
        return points

    def _arrows(self, frame: Frame, scene, shown: int) -> None:
        arrows, lookahead, box = self.bar.arrows()
        if not (arrows or box is not None or lookahead is not None):
            return
        row = self.model.row(self.model.selected, shown)
        if row is None or not np.isfinite(float(row["loss"])):
            return
        ball = above_mesh(scene.points(np.asarray(row["params"])[None], [float(row["loss"])]), *self._mesh[:3])
        level = float(ball[0, 2]) + 2 * BALL_RADIUS
        groups = {False: ([], []), True: ([], [])}
        for arrow in arrows:
            start, vector = scene.xy(arrow.start), scene.vector(arrow.vector)
            segments = arrow_segments(start, vector, head=0.035)
            if arrow.shortened:  # dashed: the shaft in eight pieces
                segments = np.vstack([start + np.linspace(0.0, 1.0, 16)[:, None] * vector, segments[2:]])
            positions, colors = groups[arrow.lit]
            positions.append(np.column_stack([segments, np.full(len(segments), level)]))
            colors.append(np.tile(rgba(arrow.color), (len(segments), 1)))
        for lit, (positions, colors) in groups.items():
            if positions:
                frame.lines["lit" if lit else "arrows"] = Lines(np.vstack(positions), np.vstack(colors),
                                                                5.0 if lit else 2.5, on_top=True)
        if box is not None:
            centre, sides, _ = box
            c, half = scene.xy(centre), scene.vector(sides) / 2
            corners = [c + half * sign for sign in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
            edges = np.array([corners[i] for j in range(4) for i in (j, (j + 1) % 4)])
            frame.lines["box"] = Lines(np.column_stack([edges, np.full(8, level)]), rgba(COLORS["box"]),
                                       4.0 if "box" in self.bar.highlight else 2.0, on_top=True)
        if lookahead is not None:
            frame.points.append((np.array([*scene.xy(lookahead), level]), rgba(COLORS["look-ahead"]), 14.0))

    def draw(self) -> None:
        frame = self.frame()
        if frame is not None:
            self._last_request = time.perf_counter()
            self.renderer.request(frame)

    def _arrived(self, image) -> None:
        export = self._export
        if export is not None and (image.width(), image.height()) == tuple(export["size"]):
            export["image"] = image
            export["loop"].quit()
            return
        self.image = image
        self.frames += 1
        self.update()

    def _failed(self, reason: str) -> None:
        self.error = f"The 3-D view could not be drawn: {reason}"
        if self._export is not None:
            self._export["loop"].quit()
        self.update()

    def picture(self, width: int, timeout_ms: int = 20000) -> QImage:
        """The view as an image `width` pixels wide, drawn afresh at that size (File ▸ Export of the
        trajectory panel while the 3-D view is shown), with the axis labels."""
        frame = self.frame()
        if frame is None:
            raise ValueError("the 3-D view has nothing to export yet")
        scale = width / max(1, self.width())
        frame.size = (int(width), max(1, round(self.height() * scale)))
        self._timer.stop()  # no picture at the widget's size overtakes this one
        loop, deadline = QEventLoop(), QTimer(singleShot=True, interval=timeout_ms)
        deadline.timeout.connect(loop.quit)
        self._export = {"size": frame.size, "image": None, "loop": loop}  # met in `_arrived`, in this thread
        deadline.start()
        self.renderer.request(frame)
        loop.exec()
        deadline.stop()  # (a single-shot call would outlive the loop it quits)
        picture, self._export = self._export["image"], None
        if picture is None:
            raise ValueError(f"the 3-D view could not be drawn for the export{': ' + self.error if self.error else ''}")
        out = QImage(picture.size(), QImage.Format_RGB32)
        out.fill(Qt.white)
        painter = QPainter(out)
        painter.drawImage(0, 0, picture)
        painter.scale(scale, scale)  # the labels where the view places them, grown with the picture
        self._paint_labels(painter)
        painter.end()
        self.schedule()
        return out

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.white)
        if self.image is not None:
            painter.drawImage(0, 0, self.image)
        self._paint_labels(painter)
        if self.error:
            painter.setPen(QColor(160, 0, 0))
            painter.drawText(self.rect().adjusted(10, 10, -10, -10), Qt.AlignTop | Qt.TextWordWrap, self.error)
        painter.end()

    def _paint_labels(self, painter: QPainter) -> None:
        self.camera.size = (max(1, self.width()), max(1, self.height()))
        if self._labels:
            font = QFont(self.font())
            font.setPointSizeF(font.pointSizeF() * 1.05)
            painter.setFont(font)
            painter.setPen(QColor(40, 40, 40))
            places = self.camera.project(np.array([position for position, _ in self._labels]))
            for (x, y), (_, text) in zip(places, self._labels):
                width = painter.fontMetrics().horizontalAdvance(text)
                left = min(max(4.0, x - width / 2), self.width() - width - 4.0)  # kept inside the view
                painter.drawText(QPointF(left, min(max(16.0, y), self.height() - 6.0)), text)

    # --- the camera -------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        self._mouse = event.position()

    def mouseMoveEvent(self, event) -> None:
        position = event.position()
        diff = position - getattr(self, "_mouse", position)
        self._mouse = position
        self.camera.size = (max(1, self.width()), max(1, self.height()))
        panning = event.buttons() == Qt.MiddleButton or event.modifiers() & Qt.ControlModifier
        if panning:
            self.camera.pan(diff.x(), diff.y(), 0, relative="view-upright")
        elif event.buttons() == Qt.LeftButton:
            self.camera.orbit(-diff.x(), diff.y())
        self.schedule()

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        self.camera.opts["distance"] *= 0.999 ** delta
        self.schedule()


def _box_edges() -> np.ndarray:
    """The box's floor and one upright edge, as line pairs."""
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])
    floor = np.column_stack([corners, np.zeros(4)])
    edges = [floor[i] for j in range(4) for i in (j, (j + 1) % 4)]
    return np.array(edges + [floor[0], floor[0] + (0, 0, HEIGHT)])
