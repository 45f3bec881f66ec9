"""Regenerate the README's screenshots.

    python docs/make_screenshots.py             # the main window and a network (offscreen)
    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" python docs/make_screenshots.py presenter
    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" python docs/make_screenshots.py presenter

`presenter` draws presenter mode on the screen it runs on, as presenter-WIDTHxHEIGHT.png;
`ensembles` only the basin map and the learning-rate sweep (basins.png, sweep.png).
"""
from __future__ import annotations

import os
import pathlib
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # or run it under xvfb-run with QT_QPA_PLATFORM=xcb
HERE = pathlib.Path(__file__).parent / "screenshots"


def main(which: str = "all") -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from gradsim.gui import MainWindow

    _app = QApplication.instance() or QApplication(sys.argv)  # must live while the window does
    window = MainWindow()
    window.resize(1600, 960)
    window.show()

    def wait_until(condition, timeout=30.0):
        loop_timer = QTimer()
        loop = QEventLoop()
        loop_timer.timeout.connect(lambda: loop.quit() if condition() else None)
        loop_timer.start(20)
        QTimer.singleShot(int(timeout * 1000), loop.quit)
        loop.exec()

    wait_until(lambda: window.ready)
    HERE.mkdir(parents=True, exist_ok=True)
    if which in ("presenter", "ensembles"):
        (presenter_screenshot if which == "presenter" else ensembles_screenshots)(window, wait_until)
        window.close()
        return
    window.playButton.setChecked(True)
    wait_until(lambda: window.newest_step() >= 3000)
    window.playButton.setChecked(False)
    wait_until(lambda: False, timeout=0.3)
    window.redraw()
    window.grab().save(str(HERE / "main-window.png"))
    print(f"wrote {HERE / 'main-window.png'} at step {window.newest_step()}")

    window.problemCombo.setCurrentIndex(window.problemCombo.findData("moons"))
    window.batchSizeSpin.setValue(32)
    wait_until(lambda: window.ready and window.network is not None)
    window.runList.setCurrentRow(2)
    window.playButton.setChecked(True)
    wait_until(lambda: window.newest_step() >= 1500)
    window.playButton.setChecked(False)
    wait_until(lambda: False, timeout=0.3)
    window.redraw()
    window.grab().save(str(HERE / "network.png"))
    print(f"wrote {HERE / 'network.png'} at step {window.newest_step()}")
    window.lesson_player.leave()
    ensembles_screenshots(window, wait_until)
    window.close()


def presenter_screenshot(window, wait_until) -> None:
    """Lesson 9, step 2 in presenter mode, its question answered, on the screen the window is on."""
    from gradsim.lessons import load_lessons
    lesson = next(item for item in load_lessons() if item.path.stem == "09_adam")
    window.start_lesson(lesson)
    player = window.lesson_player
    player.go_to(1)  # Adam with and without bias correction, with the update rule
    wait_until(lambda: window.ready and player.waiting)
    window.set_presenter(True)
    screen = window.screen().geometry()
    window.setGeometry(screen)  # what a window manager does for a full-screen window (Xvfb has none)
    player.choices.button(1).setChecked(True)  # the class's prediction
    window.transport.set_speed(0)
    player.next()  # the clicker runs the action; the answer follows at its end
    wait_until(lambda: player.revealed)
    wait_until(lambda: False, timeout=0.8)
    window.redraw()
    wait_until(lambda: False, timeout=0.3)
    path = HERE / f"presenter-{screen.width()}x{screen.height()}.png"
    window.grab().save(str(path))
    print(f"wrote {path}")
    window.set_presenter(False)


def ensembles_screenshots(window, wait_until) -> None:
    """A basin map beside the trajectory, and a learning-rate sweep with the theory's marks."""
    from gradsim.experiment import Experiment, RunConfig

    ensembles = window.controller.ensembles
    himmelblau = Experiment(surface="himmelblau", start=(-0.5, 0.5),
                            runs=[RunConfig("momentum", {"lr": 0.01, "momentum": 0.9}, "#d62728")]).validate()
    window.load_experiment(himmelblau)
    wait_until(lambda: window.ready)
    window.model.set_speed(0)
    window.model.play(True)
    wait_until(lambda: window.newest_step() >= 400)
    window.model.play(False)
    ensembles.set_view("basins")
    wait_until(lambda: ensembles.finished("basins"), timeout=120)
    wait_until(lambda: False, timeout=0.5)
    window.grab().save(str(HERE / "basins.png"))
    print(f"wrote {HERE / 'basins.png'}")

    bowl = Experiment(surface="quadratic", surface_params={"a": 1.0, "b": 10.0, "angle": 30.0}, start=(2.0, 1.0),
                      runs=[RunConfig("sgd", {"lr": 0.05}, "#1f77b4")]).validate()
    window.load_experiment(bowl)
    wait_until(lambda: window.ready)
    ensembles.set_setting("sweep", "steps", 300)
    ensembles.set_view("sweep")
    window.model.play(True)
    wait_until(lambda: window.newest_step() >= 150 and ensembles.finished("sweep"), timeout=120)
    window.model.play(False)
    wait_until(lambda: False, timeout=0.5)
    window.grab().save(str(HERE / "sweep.png"))
    print(f"wrote {HERE / 'sweep.png'}")
    ensembles.set_view("trajectory")


if __name__ == "__main__":
    main(*sys.argv[1:2])
