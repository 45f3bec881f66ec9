"""The 3-D view's renderer: pyqtgraph.opengl items drawn offscreen, in a thread of their own.

A QOpenGLWidget in a window makes Qt compose the whole window through OpenGL on every repaint,
which in software rendering (Mesa's llvmpipe) cost 70–100 ms a frame here; and a frame drawn on
the GUI thread holds up every click for its duration. So the scene is drawn into a framebuffer
object on an offscreen surface by a worker thread, and the window only paints the image that comes
back. The window sends plain data (`Frame`: the mesh, lines, balls, camera), the worker keeps only
the latest request behind a lock (as the Qt for Python Mandelbrot example does) and answers each
with a QImage. Its GL items belong to the worker; nothing of it is touched from the GUI thread.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
import pyqtgraph.opengl as gl
from OpenGL import GL
from pyqtgraph.opengl import shaders
from pyqtgraph.opengl.GLViewWidget import GLViewMixin
from PySide6.QtCore import QMetaObject, QObject, QRect, QThread, Qt, Signal, Slot
from PySide6.QtGui import QOffscreenSurface, QOpenGLContext, QSurfaceFormat
from PySide6.QtOpenGL import QOpenGLFramebufferObject, QOpenGLFramebufferObjectFormat

ANTIALIAS = False  # smooth lines cost llvmpipe more than the rest of the picture
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


@dataclass
class Lines:
    pos: np.ndarray                     # (N, 3)
    color: tuple | np.ndarray           # one RGBA, or (N, 4)
    width: float = 2.0
    mode: str = "lines"                 # or "line_strip"
    on_top: bool = False                # drawn over the mesh, never hidden by it


@dataclass
class Frame:
    """Everything one picture needs, as plain data (it crosses to the render thread)."""
    size: tuple[int, int]
    camera: dict                                   # GLViewMixin.opts: distance, elevation, azimuth, center, fov
    mesh: tuple | None = None                      # (x, y, heights, colors), or None: keep the last
    mesh_version: int = 0
    lines: dict[str, Lines] = field(default_factory=dict)
    balls: list[tuple[np.ndarray, tuple]] = field(default_factory=list)  # (centre, RGBA)
    ball_radius: float = 0.03
    points: list[tuple[np.ndarray, tuple, float]] = field(default_factory=list)  # on top: (pos, RGBA, px size)


class Camera(GLViewMixin, QObject):
    """pyqtgraph's camera (orbit, pan, projection) without a widget: `size` is the picture's."""

    def __init__(self, size=(400, 300)):
        self.size = size
        super().__init__()

    def width(self) -> int:
        return self.size[0]

    def height(self) -> int:
        return self.size[1]

    def devicePixelRatioF(self) -> float:
        return 1.0

    def rect(self) -> QRect:
        return QRect(0, 0, *self.size)

    def update(self) -> None:  # the view asks for a new frame itself
        pass

    def isValid(self) -> bool:  # items are initialized when added only while a context is current
        return QOpenGLContext.currentContext() is not None

    def project(self, points) -> np.ndarray:
        """(N, 3) scene points → (N, 2) pixel positions in the picture (y down)."""
        viewport = (0, 0, *self.size)
        matrix = self.projectionMatrix(viewport, viewport) * self.viewMatrix()
        m = np.array(matrix.data(), dtype=float).reshape(4, 4).T
        homogeneous = np.column_stack([np.asarray(points, dtype=float), np.ones(len(points))]) @ m.T
        ndc = homogeneous[:, :3] / homogeneous[:, 3:4]
        return np.column_stack([(ndc[:, 0] + 1) / 2 * self.size[0], (1 - ndc[:, 1]) / 2 * self.size[1]])


class _Scene:
    """The GL items of one picture, made and changed in the render thread only."""

    def __init__(self, view: Camera):
        self.view = view
        self.mesh = None
        self.mesh_version = -1
        self.lines: dict[str, gl.GLLinePlotItem] = {}
        self.balls: list[gl.GLMeshItem] = []
        self.points: list[gl.GLScatterPlotItem] = []
        self.sphere_radius = None

    def update(self, frame: Frame) -> None:
        view = self.view
        if frame.mesh is not None and frame.mesh_version != self.mesh_version:
            xs, ys, heights, colors = frame.mesh
            if self.mesh is None:
                self.mesh = gl.GLSurfacePlotItem(shader=SOFT_SHADED.name, smooth=True, glOptions="opaque")
                self.mesh.setDepthValue(-10)  # drawn first: everything else lies on it
                view.addItem(self.mesh)
            self.mesh.setData(x=xs, y=ys, z=heights, colors=colors)
            self.mesh_version = frame.mesh_version
        for name, spec in frame.lines.items():
            item = self.lines.get(name)
            if item is None:
                item = self.lines[name] = gl.GLLinePlotItem(antialias=ANTIALIAS,
                                                            glOptions=ON_TOP if spec.on_top else "translucent")
                item.setDepthValue(5 if spec.on_top else 0)
                view.addItem(item)
            color = spec.color if isinstance(spec.color, tuple) else np.asarray(spec.color, dtype=np.float32)
            item.setData(pos=np.asarray(spec.pos, dtype=np.float32), color=color, width=spec.width, mode=spec.mode)
            item.setVisible(len(spec.pos) > 0)
        for name, item in self.lines.items():
            if name not in frame.lines:
                item.setVisible(False)
        self._balls(frame)
        while len(self.points) < len(frame.points):
            item = gl.GLScatterPlotItem(pxMode=True, glOptions=ON_TOP)
            item.setDepthValue(6)
            view.addItem(item)
            self.points.append(item)
        for i, item in enumerate(self.points):
            if i < len(frame.points):
                pos, rgba, size = frame.points[i]
                item.setData(pos=np.asarray([pos], dtype=np.float32), color=rgba, size=size)
            item.setVisible(i < len(frame.points))

    def _balls(self, frame: Frame) -> None:
        if self.sphere_radius != frame.ball_radius:
            for item in self.balls:
                self.view.removeItem(item)
            self.balls, self.sphere_radius = [], frame.ball_radius
            self.sphere = gl.MeshData.sphere(rows=12, cols=20, radius=frame.ball_radius)
        while len(self.balls) < len(frame.balls):
            item = gl.GLMeshItem(meshdata=self.sphere, shader=SOFT_SHADED.name, smooth=True)
            self.view.addItem(item)
            self.balls.append(item)
        for i, item in enumerate(self.balls):
            if i < len(frame.balls):
                centre, rgba = frame.balls[i]
                item.setColor(rgba)
                item.resetTransform()
                item.translate(*centre)
            item.setVisible(i < len(frame.balls))


class GLRenderer(QObject):
    """Draws the latest `Frame` asked for, in its own thread, and answers with the picture."""

    rendered = Signal(object)  # a QImage
    failed = Signal(str)

    def __init__(self):
        super().__init__()
        self.surface = QOffscreenSurface()  # made in the GUI thread, as Qt requires; used in the worker
        surface_format = QSurfaceFormat()
        surface_format.setDepthBufferSize(24)
        self.surface.setFormat(surface_format)
        self.surface.create()
        self._lock = threading.Lock()
        self._latest: Frame | None = None
        self._context = self._fbo = self._scene = None
        self.seconds = 0.0  # spent drawing (for the benchmark)
        self.thread = QThread()
        self.thread.setObjectName("gl-render")
        self.moveToThread(self.thread)
        self.thread.start()

    def request(self, frame: Frame) -> None:
        """Draw `frame` as soon as the worker is free (a newer request replaces an older one)."""
        with self._lock:
            waiting = self._latest is not None
            self._latest = frame
        if not waiting:
            QMetaObject.invokeMethod(self, "_render", Qt.QueuedConnection)

    def stop(self) -> None:
        """Free the GL objects in their thread, then end it."""
        if self.thread.isRunning():
            QMetaObject.invokeMethod(self, "_release", Qt.BlockingQueuedConnection)
            self.thread.quit()
            self.thread.wait()

    @Slot()
    def _render(self) -> None:
        with self._lock:
            frame, self._latest = self._latest, None
        if frame is None:
            return
        start = time.perf_counter()
        try:
            image = self._draw(frame)
            self.seconds += time.perf_counter() - start
            self.rendered.emit(image)
        except Exception as error:  # noqa: BLE001  (a driver's failure leaves the 2-D view working)
            self.failed.emit(f"{type(error).__name__}: {error}")

    def _draw(self, frame: Frame):
        if self._context is None:
            self._context = QOpenGLContext()
            self._context.setFormat(self.surface.format())
            if not self._context.create():
                raise RuntimeError("no OpenGL context could be made")
        if not self._context.makeCurrent(self.surface):
            raise RuntimeError("the OpenGL context could not be made current")
        try:
            width, height = max(1, frame.size[0]), max(1, frame.size[1])
            if self._fbo is None or (self._fbo.width(), self._fbo.height()) != (width, height):
                fbo_format = QOpenGLFramebufferObjectFormat()
                fbo_format.setAttachment(QOpenGLFramebufferObject.CombinedDepthStencil)
                fbo_format.setSamples(0)
                self._fbo = QOpenGLFramebufferObject(width, height, fbo_format)
            if self._scene is None:
                self._scene = _Scene(Camera())
                self._scene.view.setBackgroundColor("w")
            view = self._scene.view
            view.size = (width, height)
            view.opts.update(frame.camera)
            self._scene.update(frame)
            self._fbo.bind()
            GL.glViewport(0, 0, width, height)
            for item in view.items:
                if not item.isInitialized():
                    item.initialize()
            view.paint(region=(0, 0, width, height), viewport=(0, 0, width, height))
            GL.glFinish()
            image = self._fbo.toImage()
            self._fbo.release()
            return image
        finally:
            self._context.doneCurrent()

    @Slot()
    def _release(self) -> None:
        if self._context is not None and self._context.makeCurrent(self.surface):
            self._scene = None
            self._fbo = None
            self._context.doneCurrent()
        self._context = None


def rgba(color: str, alpha: float = 1.0) -> tuple:
    c = pg.mkColor(color)
    return (c.redF(), c.greenF(), c.blueF(), alpha)
