"""The README's screenshots of the surface views: the 3-D view, the arrows on an Adagrad run, a narrated step.

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" python docs/make_surface_screenshots.py

The 3-D view needs OpenGL, so a real or virtual X display (the offscreen platform has none: there
only the 2-D pictures are made).
"""
from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent / "screenshots"


def main() -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from gradsim.gui import MainWindow

    _app = QApplication.instance() or QApplication(sys.argv)  # must live while the window does
    window = MainWindow(session="local")
    window.resize(1600, 960)
    window.show()
    model, bar = window.model, window.surface_views.bar

    def wait_until(condition, timeout=30.0):
        loop_timer = QTimer()
        loop = QEventLoop()
        loop_timer.timeout.connect(lambda: loop.quit() if condition() else None)
        loop_timer.start(20)
        QTimer.singleShot(int(timeout * 1000), loop.quit)
        loop.exec()

    def save(name: str) -> None:
        wait_until(lambda: False, timeout=0.6)
        window.redraw()
        HERE.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(HERE / name))
        print(f"wrote {HERE / name} at step {window.shown_step()}")

    def steps(n: int) -> None:
        target = window.newest_step() + n
        for _ in range(n):
            model.step_forward()
        wait_until(lambda: window.shown_step() >= target)

    wait_until(lambda: window.ready and model.field is not None)
    if not bar.gl_problem:  # gradient descent, momentum and Adam on Rosenbrock's valley, in 3-D
        window.transport.set_speed(0)
        model.play(True)
        wait_until(lambda: window.newest_step() >= 700)
        model.play(False)
        wait_until(lambda: not model.in_flight)
        model.select(1)
        bar.set_shown(gradient=True, velocity=True)
        bar.view3DButton.setChecked(True)
        wait_until(lambda: window.surface_views.view3d.frames > 0)
        save("surface-3d.png")
        bar.view3DButton.setChecked(False)
        bar.set_shown(gradient=False, velocity=False)
    else:
        print(f"no 3-D screenshot: {bar.gl_problem}")

    model.set_optimizer(0, "adagrad")  # the first run becomes Adagrad
    wait_until(lambda: window.ready and window.experiment.runs[0].optimizer == "adagrad")
    model.set_hparam(0, "lr", 0.3)
    wait_until(lambda: model.hparams(0)["lr"] == 0.3)
    model.select(0)
    steps(40)
    bar.set_shown(gradient=True, parts=True, box=True)
    save("arrows-adagrad.png")
    window.surface_views.narrator.start()
    window.surface_views.narrator.next()
    window.surface_views.narrator.next()  # the third beat: the effective rate, the box and its line lit
    save("narrated-step.png")
    window.close()


if __name__ == "__main__":
    main()
