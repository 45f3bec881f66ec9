"""The surface in 3-D: a shaded mesh coloured by height, every run's path on it and its ball, the arrows.

The mesh is the session's loss field for the contours (`model.field`, thinned to every nth grid
point: the window computes no loss); paths and balls stand at the losses the engine recorded, at
the step on screen, so scrubbing, stepping back and lessons move them. Positions come from
`gradsim.app.surface_scene`. Arrows lie in the level plane of the ball (they are steps in θ, which
has no height) and are drawn over the mesh, never hidden by it.

Made only once OpenGL is known to work (`gl_support`), and only when first shown.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.opengl as gl
from pyqtgraph.opengl import shaders
from OpenGL import GL
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont

from ..app.step_geometry import arrow_segments
from ..app.surface_scene import HEIGHT, mesh_grid, surface_scene
from .geometry_bar import COLORS

CAMERA = {"distance": 1.85, "elevation": 48, "azimuth": -72}
LIFT = 0.006          # paths float this far above the mesh, so that they are not buried in it
BALL_RADIUS = 0.028
ON_TOP = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True, GL.GL_CULL_FACE: False,
          "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}


# Lit from the upper left, on both sides, with much ambient light: steep walls keep their colour (the
# built-in "shaded" program turns walls facing away from its light nearly black).
SOFT_SHADED = shaders.ShaderProgram("gradsim_soft_shaded", [
    shaders.VertexShader("""
        uniform mat4 u_mvp;
        uniform mat3 u_normal;
        attribute vec4 a_position;
        attribute vec3 a_normal;
        attribute vec4 a_color;
        varying vec4 v_color;
        varying vec3 v_normal;
        void main() {
            v_normal = normalize(u_normal * a_normal);
            v_color = a_color;
            gl_Position = u_mvp * a_position;
        }
    """),
    shaders.FragmentShader("""
        #ifdef GL_ES
        precision mediump float;
        #endif
        varying vec4 v_color;
        varying vec3 v_normal;
        void main() {
            float p = abs(dot(normalize(v_normal), normalize(vec3(0.4, -0.6, -1.0))));
            gl_FragColor = vec4(v_color.rgb * (0.55 + 0.5 * p), v_color.a);
        }
    """),
])


def _rgba(color: str, alpha: float = 1.0) -> tuple:
    c = pg.mkColor(color)
    return (c.redF(), c.greenF(), c.blueF(), alpha)


class SurfaceView3D(gl.GLViewWidget):
    def __init__(self, controller, bar, parent=None):
        super().__init__(parent)
        surface_format = self.format()
        surface_format.setDepthBufferSize(24)  # unasked, some drivers give none, and the mesh shows its back
        self.setFormat(surface_format)
        self.setObjectName("surface3DView")
        self.setAccessibleName("The loss surface in 3-D")
        self.setFocusPolicy(Qt.NoFocus)  # a clicker's arrow keys stay with the window, never orbit the camera
        self.controller, self.model, self.bar = controller, controller.model, bar
        self.setBackgroundColor("w")
        self.scene_box = None
        self.frames = 0  # frames painted
        self.mesh: gl.GLSurfacePlotItem | None = None
        self.frame_lines = gl.GLLinePlotItem(mode="lines", color=(0.35, 0.35, 0.35, 1.0), width=1.5,
                                             glOptions="translucent")
        self.addItem(self.frame_lines)
        font = QFont()
        font.setPointSize(11)
        self.labels = {name: gl.GLTextItem(text=name, color=(40, 40, 40, 255), font=font) for name in ("x", "y", "z")}
        for label in self.labels.values():
            label.setDepthValue(10)  # painted last, over the GL items (QPainter text ignores their depth)
            self.addItem(label)
        self.paths: list[gl.GLLinePlotItem] = []
        self.balls: list[gl.GLMeshItem] = []
        self.arrow_lines = gl.GLLinePlotItem(mode="lines", width=2.5, antialias=True, glOptions=ON_TOP)
        self.lit_lines = gl.GLLinePlotItem(mode="lines", width=5.0, antialias=True, glOptions=ON_TOP)
        self.box_lines = gl.GLLinePlotItem(mode="lines", width=2.0, antialias=True, glOptions=ON_TOP)
        self.lookahead = gl.GLScatterPlotItem(size=14, color=_rgba(COLORS["look-ahead"]), pxMode=True, glOptions=ON_TOP)
        for item in (self.arrow_lines, self.lit_lines, self.box_lines, self.lookahead):
            item.setVisible(False)
            self.addItem(item)
        self.reset_view()
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self.draw)
        for signal in (controller.rows_changed, controller.shown_changed, controller.run_changed,
                       controller.selection_changed):
            signal.connect(self.schedule)
        controller.experiment_changed.connect(self._new_runs)
        controller.configured.connect(self._new_problem)
        controller.field_ready.connect(self._new_field)
        bar.changed.connect(self.schedule)
        self._new_runs()
        self._new_field()

    def reset_view(self) -> None:
        self.setCameraPosition(distance=CAMERA["distance"], elevation=CAMERA["elevation"], azimuth=CAMERA["azimuth"])
        self.opts["center"] = pg.Vector(0, 0, 0.22 * HEIGHT / 0.6)
        self.update()

    def schedule(self, *_) -> None:
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.schedule()

    def paintGL(self, *args, **kwargs) -> None:
        self.frames += 1
        super().paintGL(*args, **kwargs)

    # --- what changed ----------------------------------------------------------------------------
    def _new_runs(self) -> None:
        for item in self.paths + self.balls:
            self.removeItem(item)
        self.paths, self.balls = [], []
        sphere = gl.MeshData.sphere(rows=12, cols=20, radius=BALL_RADIUS)
        for run in self.model.experiment.runs:
            path = gl.GLLinePlotItem(mode="line_strip", color=_rgba(run.color), width=2.5, antialias=True,
                                    glOptions="translucent")
            ball = gl.GLMeshItem(meshdata=sphere, color=_rgba(run.color), shader="shaded", smooth=True)
            for item in (path, ball):
                item.setVisible(False)
                self.addItem(item)
            self.paths.append(path)
            self.balls.append(ball)
        self.schedule()

    def _new_problem(self) -> None:
        if self.mesh is not None:
            self.mesh.setVisible(False)
        self.scene_box = None

    def _new_field(self) -> None:
        """The mesh, from the field the session computed for the contours."""
        field, info = self.model.field, self.model.info
        if field is None or info is None or info.kind != "surface":
            return
        self.scene_box = scene = surface_scene(field, info.minimum)
        xs, ys, heights = mesh_grid(field, scene)
        colors = pg.colormap.get("viridis").map(heights / HEIGHT, mode="float")
        if self.mesh is None:
            self.mesh = gl.GLSurfacePlotItem(shader=SOFT_SHADED.name, smooth=True, glOptions="opaque")
            self.addItem(self.mesh)
            self.items.insert(0, self.items.pop())  # drawn first: everything else lies on it
        self.mesh.setData(x=xs, y=ys, z=heights, colors=colors)
        self.mesh.setVisible(True)
        self._frame(scene)
        self.schedule()

    def _frame(self, scene) -> None:
        """The box's floor and one upright edge, and what the axes are."""
        corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])
        floor = np.column_stack([corners, np.zeros(4)])
        edges = [floor[i] for j in range(4) for i in (j, (j + 1) % 4)]
        edges += [floor[0], floor[0] + (0, 0, HEIGHT)]
        self.frame_lines.setData(pos=np.array(edges))
        xmin, xmax, ymin, ymax = scene.view
        self.labels["x"].setData(pos=(0.0, -0.58, 0.0), text=f"x {xmin:g} … {xmax:g}")
        self.labels["y"].setData(pos=(0.56, 0.0, 0.0), text=f"y {ymin:g} … {ymax:g}")
        self.labels["z"].setData(pos=(-0.5, -0.5, HEIGHT + 0.06),
                                 text="loss (log scale)" if scene.log else "loss")

    # --- drawing ---------------------------------------------------------------------------------
    def draw(self) -> None:
        """Paths and balls up to the step on screen, and the arrows of the selected run there."""
        model, scene = self.model, self.scene_box
        if scene is None or not model.ready:
            return
        shown = model.shown_step()
        for i, (history, run) in enumerate(zip(model.histories, model.experiment.runs)):
            if i >= len(self.paths):
                break
            if history.count == 0:
                continue
            end = history.index_at(shown) + 1
            params, loss = history.get("params")[:end], history.get("loss")[:end]
            finite = np.all(np.isfinite(params), axis=1) & np.isfinite(loss)
            points = scene.points(params[finite], loss[finite])
            points[:, 2] += LIFT
            self.paths[i].setData(pos=points)
            self.paths[i].setVisible(run.visible and len(points) > 1)
            ball = self.balls[i]
            if len(points):
                ball.resetTransform()
                ball.translate(*(points[-1] + (0, 0, BALL_RADIUS * 0.6)))
            ball.setVisible(run.visible and len(points) > 0)
        self._draw_arrows(scene, shown)
        self.update()

    def _draw_arrows(self, scene, shown: int) -> None:
        arrows, lookahead, box = self.bar.arrows()
        row = self.model.row(self.model.selected, shown) if arrows or box is not None or lookahead is not None else None
        if row is None or not np.isfinite(float(row["loss"])):
            for item in (self.arrow_lines, self.lit_lines, self.box_lines, self.lookahead):
                item.setVisible(False)
            return
        level = float(scene.height(float(row["loss"]))) + 2 * BALL_RADIUS
        normal, lit = ([], []), ([], [])
        for arrow in arrows:
            start, vector = scene.xy(arrow.start), scene.vector(arrow.vector)
            segments = arrow_segments(start, vector, head=0.035)
            if arrow.shortened:  # dashed: the shaft in eight pieces
                cuts = np.linspace(0.0, 1.0, 16)[:, None]
                dashes = start + cuts * vector
                segments = np.vstack([dashes, segments[2:]])
            target = lit if arrow.lit else normal
            target[0].append(np.column_stack([segments, np.full(len(segments), level)]))
            target[1].append(np.tile(_rgba(arrow.color), (len(segments), 1)))
        for item, (positions, colors) in ((self.arrow_lines, normal), (self.lit_lines, lit)):
            if positions:
                item.setData(pos=np.vstack(positions), color=np.vstack(colors).astype(np.float32))
            item.setVisible(bool(positions))
        if box is not None:
            centre, sides, shortened = box
            c, half = scene.xy(centre), scene.vector(sides) / 2
            corners = [c + half * sign for sign in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
            edges = np.array([corners[i] for j in range(4) for i in (j, (j + 1) % 4)])
            self.box_lines.setData(pos=np.column_stack([edges, np.full(8, level)]),
                                   color=_rgba(COLORS["box"]), width=4.0 if "box" in self.bar.highlight else 2.0)
        self.box_lines.setVisible(box is not None)
        if lookahead is not None:
            self.lookahead.setData(pos=np.array([[*scene.xy(lookahead), level]]))
        self.lookahead.setVisible(lookahead is not None)
