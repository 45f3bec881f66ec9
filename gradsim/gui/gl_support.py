"""Whether this display can draw the 3-D view, found by trying rather than guessing.

A remote desktop, some virtual machines and Qt's offscreen platform have no OpenGL; creating a
QOpenGLWidget there only prints warnings and paints nothing. So before the 3-D view is offered,
an OpenGL context is created and made current on an offscreen surface, and the driver is asked
its version; any failure is a reason, shown as the 3-D toggle's tooltip. GRADSIM_NO_OPENGL=1
turns the 3-D view off on purpose (a driver that crashes; the fallback's test).
"""
from __future__ import annotations

import os

MIN_VERSION = (2, 1)  # pyqtgraph.opengl's shaders
_found: str | None = None


def opengl_problem() -> str:
    """"" when the 3-D view can be shown here, else why it cannot (asked once per process)."""
    global _found
    if os.environ.get("GRADSIM_NO_OPENGL"):
        return "The 3-D view is turned off (GRADSIM_NO_OPENGL is set)."
    if _found is None:
        try:
            _found = _try_opengl()
        except Exception as error:  # noqa: BLE001  (any failure of a driver only means: no 3-D view)
            _found = f"OpenGL failed here ({type(error).__name__}: {error})."
    return _found


def _try_opengl() -> str:
    from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

    platform = QGuiApplication.platformName()
    context = QOpenGLContext()
    if not context.create():  # first, as it is quick: PyOpenGL takes most of a second to import
        return f"This display ({platform}) offers no OpenGL, which the 3-D view needs; the 2-D view works as usual."
    try:
        from OpenGL import GL
        import pyqtgraph.opengl  # noqa: F401
    except ImportError as error:
        return f"The 3-D view needs PyOpenGL, which is not installed ({error})."
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    if not surface.isValid() or not context.makeCurrent(surface):
        return f"OpenGL could not be used on this display ({platform}); the 2-D view works as usual."
    try:
        version = (GL.glGetString(GL.GL_VERSION) or b"").decode(errors="replace")
        renderer = (GL.glGetString(GL.GL_RENDERER) or b"").decode(errors="replace")
    finally:
        context.doneCurrent()
    numbers = version.split()[0].split(".") if version else []
    major_minor = tuple(int(n) for n in numbers[:2] if n.isdigit())
    if len(major_minor) < 2 or major_minor < MIN_VERSION:
        return f"OpenGL {version or '(unknown version)'} ({renderer}) is older than the 3-D view needs (2.1)."
    return ""
