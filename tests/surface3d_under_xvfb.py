"""Run by tests/test_gui_surface.py under Xvfb: render the 3-D view, check it, exit 0 (3: no OpenGL here).

Renders the default experiment's surface with its three runs, then steps one run and checks that
the picture is not blank (many colours, not all background) and that it changed where the balls are.
"""
import sys

import numpy as np
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication


def wait_until(condition, timeout=20.0) -> bool:
    loop, timer = QEventLoop(), QTimer()
    timer.timeout.connect(lambda: loop.quit() if condition() else None)
    timer.start(10)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    loop.exec()
    return condition()


def pixels(view) -> np.ndarray:
    """The picture of what is on screen now: asked for twice, since a picture asked for before the
    last change (by the view's own timer) may still be on its way and would answer the first."""
    for _ in range(2):
        frames = view.frames
        view.draw()
        assert wait_until(lambda: view.frames > frames), "no picture came back"
    image = view.image.convertToFormat(view.image.Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    return data.reshape(image.height(), image.bytesPerLine())[:, :image.width() * 3].reshape(
        image.height(), image.width(), 3).copy()


def main() -> int:
    app = QApplication(sys.argv)
    from gradsim.gui import MainWindow
    from gradsim.gui.gl_support import opengl_problem

    problem = opengl_problem()
    if problem:
        print(problem)
        return 3
    window = MainWindow(session="local")
    window.resize(1200, 760)
    window.show()
    try:
        return check(window)
    finally:  # a failed check must not leave the render thread drawing while the interpreter exits
        if window.isVisible():
            window.close()
        import shiboken6
        shiboken6.delete(window)  # as gradsim.gui.main does: not left to the interpreter's exit


def check(window) -> int:
    assert wait_until(lambda: window.ready and window.model.field is not None), "the runs never started"
    for _ in range(20):
        window.model.step_forward()
    assert wait_until(lambda: window.shown_step() == 20)
    button = window.surface_views.bar.view3DButton
    assert button.isEnabled(), button.toolTip()
    button.click()
    view = window.surface_views.view3d
    assert view is not None and view.isVisible() and view.objectName() == "surface3DView"
    assert wait_until(lambda: view.frames > 0 and view.scene_box is not None), view.error or "nothing drawn"
    before = pixels(view)
    background = np.all(before >= 250, axis=2).mean()
    colours = len(np.unique(before.reshape(-1, 3) // 16, axis=0))
    assert background < 0.9 and colours > 30, f"blank render: {background:.0%} background, {colours} colours"
    for _ in range(60):  # the balls roll on
        window.model.step_forward()
    assert wait_until(lambda: window.shown_step() == 80)
    after = pixels(view)
    changed = np.any(before != after, axis=2).mean()
    assert changed > 0.0005, f"the picture did not change when the balls moved ({changed:.4%} of pixels)"
    # paths are placed a few new rows at a time: the same points as placing every row afresh
    from gradsim.app.surface_scene import above_mesh
    from gradsim.gui.surface_3d import LIFT
    frame = view.frame()
    for i, history in enumerate(window.histories):
        full = above_mesh(view.scene_box.points(history.get("params"), history.get("loss")), *view._mesh[:3])
        np.testing.assert_allclose(frame.lines[f"path{i}"].pos, full + (0, 0, LIFT))
    window.model.scrub(20)  # scrubbing back puts them where they were
    back = pixels(view)
    assert np.mean(np.any(back != before, axis=2)) < changed / 4
    view.camera.orbit(70, -20)  # the mouse turned the camera; Reset 3-D view brings it back
    window.surface_views.bar.resetViewButton.click()
    from gradsim.gui.surface_3d import CAMERA
    assert {key: view.camera.opts[key] for key in CAMERA} == CAMERA
    # File ▸ Export of the trajectory panel exports what the 3-D view shows, at the width asked for
    import os
    import tempfile
    from PIL import Image
    folder = tempfile.mkdtemp(prefix="gradsim-3d-export-")
    three_d, two_d = os.path.join(folder, "3d.png"), os.path.join(folder, "2d.png")
    window.files.export_panel("trajectoryPlot", three_d, 900)
    with Image.open(three_d) as image:
        exported = np.asarray(image.convert("RGB"))
    assert exported.shape[1] == 900, exported.shape
    assert len(np.unique(exported.reshape(-1, 3) // 16, axis=0)) > 30, "blank 3-D export"
    try:
        window.files.export_panel("trajectoryPlot", os.path.join(folder, "3d.svg"))
        raise AssertionError("an SVG of the 3-D view was accepted")
    except ValueError as error:
        assert "png only" in str(error)
    button.click()  # back to 2-D: the export is the contour plot again
    window.files.export_panel("trajectoryPlot", two_d, 900)
    with Image.open(two_d) as image:
        flat = np.asarray(image.convert("RGB"))
    assert flat.shape != exported.shape or np.any(flat != exported, axis=2).mean() > 0.2
    button.click()
    print(f"rendered: {background:.0%} background, {colours} colours, {changed:.2%} changed after 60 steps")
    window.close()
    assert not view.renderer.thread.isRunning(), "the render thread outlived the window"
    return 0


if __name__ == "__main__":
    sys.exit(main())
