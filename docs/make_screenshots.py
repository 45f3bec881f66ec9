"""Regenerate the README's screenshots.

    python docs/make_screenshots.py [name ...]    # offscreen; names: main-window, network, zigzag,
                                                  # scales, contours, messages, clipping, dark, ensembles
                                                  # (default: all but presenter)
    python docs/make_screenshots.py --size 1024x768 --out DIR [name ...]   # another window size, elsewhere
    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" python docs/make_screenshots.py presenter
    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" python docs/make_screenshots.py presenter

`presenter` draws presenter mode on the screen it runs on, as presenter-WIDTHxHEIGHT.png.
"""
from __future__ import annotations

import os
import pathlib
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # or run it under xvfb-run with QT_QPA_PLATFORM=xcb
HERE = pathlib.Path(__file__).parent / "screenshots"
SIZE = (1600, 960)  # the README's


def wait_until(condition, timeout: float = 30.0) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    timer, loop = QTimer(), QEventLoop()
    timer.timeout.connect(lambda: loop.quit() if condition() else None)
    timer.start(20)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    loop.exec()


def play_to(window, step: int, speed: float = 0) -> None:
    window.transport.set_speed(speed)
    window.transport.playButton.setChecked(True)
    wait_until(lambda: window.newest_step() >= step, timeout=120)
    window.transport.playButton.setChecked(False)
    wait_until(lambda: False, timeout=0.4)


def fresh(window) -> None:
    """The default experiment again (gradient descent, momentum and Adam on Rosenbrock)."""
    from gradsim.experiment import Experiment
    window.load_experiment(Experiment.default().validate())
    wait_until(lambda: window.ready and window.experiment.surface == "rosenbrock" and window.newest_step() == 0)


def choose(window, problem: str) -> None:
    fresh(window)
    combo = window.problem_controls.problemCombo
    combo.setCurrentIndex(combo.findData(problem))
    wait_until(lambda: window.ready and window.model.info is not None
               and problem in (window.experiment.surface if not window.experiment.is_network else window.experiment.dataset))


def save(window, name: str, widget=None) -> None:
    window.redraw()
    wait_until(lambda: False, timeout=0.3)
    HERE.mkdir(parents=True, exist_ok=True)
    window.plot_area.redraw()
    (widget or window).grab().save(str(HERE / f"{name}.png"))
    print(f"wrote {HERE / name}.png at step {window.newest_step()}")


def main_window(window) -> None:
    fresh(window)
    play_to(window, 3000)
    save(window, "main-window")


def network(window) -> None:
    from gradsim.experiment import Experiment, RunConfig
    experiment = Experiment(dataset="moons", dataset_params={"n": 400, "noise": 0.2, "test_fraction": 0.25},
                            model={"hidden": [16, 16], "activation": "tanh", "loss": "bce"}, batch_size=32,
                            runs=[RunConfig("sgd", {"lr": 0.1}, "#1f77b4"), RunConfig("momentum", {"lr": 0.03}, "#d62728"),
                                  RunConfig("adam", {"lr": 0.01}, "#2ca02c")]).validate()
    window.load_experiment(experiment)
    wait_until(lambda: window.ready and window.model.info is not None and window.model.info.kind == "network")
    window.run_editor.runList.setCurrentRow(2)
    play_to(window, 1500)
    wait_until(lambda: window.model.boundary is not None and window.model.boundary.step == window.newest_step())
    trajectory = window.plot_area.trajectory
    point = window.model.info.points[7]
    point_at(trajectory, float(point[0]), float(point[1]))
    save(window, "network")


def zigzag(window) -> None:
    """Gradient descent at η = 0.19 on the quadratic: every reversal drawn, zoomed in or not."""
    from gradsim.experiment import Experiment, RunConfig
    window.load_experiment(Experiment(surface="quadratic", start=(-2.5, 1.5),
                                      runs=[RunConfig("sgd", {"lr": 0.19}, "#1f77b4"),
                                            RunConfig("momentum", {"lr": 0.02, "momentum": 0.9}, "#d62728")]).validate())
    wait_until(lambda: window.ready and window.experiment.surface == "quadratic")
    play_to(window, 2000)
    window.plot_area.trajectory.box.setRange(xRange=(-1.2, 0.15), yRange=(-0.35, 0.35), padding=0)
    wait_until(lambda: window.model.field is not None and window.model.field.view[0] == -1.2, timeout=10)
    save(window, "zigzag")


def scales(window) -> None:
    """A saddle's loss falls below zero and goes on falling: drawn on a symmetric log axis, read out."""
    choose(window, "saddle")
    play_to(window, 1500)
    loss = window.plot_area.loss_panel
    values = loss.runs[2].data.values[0]
    point_at(loss, 700.0, float(loss.scale.transform([values[700]])[0]))
    save(window, "scales")


def contours(window) -> None:
    """Zoomed in on Himmelblau's centre: the field computed again for the window at screen pixels,
    its colour bar, iso-lines, and the key of the minima, saddles and the maximum."""
    choose(window, "himmelblau")
    play_to(window, 1500)
    trajectory = window.plot_area.trajectory
    trajectory.box.setRange(xRange=(-4.2, 1.2), yRange=(-3.6, 3.4), padding=0)
    wait_until(lambda: window.model.field is not None and abs(window.model.field.view[0] + 4.2) < 1e-9, timeout=10)
    point_at(trajectory, -0.27, -0.92)
    save(window, "contours")


def messages(window) -> None:
    """Two runs diverge on the quadratic (η above 2/λmax), each logged with its step and reason; a
    third converges. The diverged runs are marked in the run list and the legend and drawn faint."""
    from gradsim.experiment import Experiment, RunConfig
    window.load_experiment(Experiment(surface="quadratic", start=(-2.5, 1.5),
                                      runs=[RunConfig("sgd", {"lr": 0.21}, "#1f77b4"), RunConfig("sgd", {"lr": 0.25}, "#d62728"),
                                            RunConfig("adam", {"lr": 0.1}, "#2ca02c")]).validate())
    wait_until(lambda: window.ready and window.experiment.surface == "quadratic")
    play_to(window, 600, speed=0)
    save(window, "messages")


def clipping(window) -> None:
    """Gradient clipping by norm at 1 on Rosenbrock: the threshold on the gradient-norm panel, the
    clipped norm (dashed) beside the raw one."""
    choose(window, "rosenbrock")
    clip = window.training_controls.clipCombo
    clip.setCurrentIndex(clip.findData("norm"))
    window.training_controls.clipThreshold.setValue(1.0)
    wait_until(lambda: window.ready and window.experiment.clip == {"norm": 1.0})
    play_to(window, 2000)
    save(window, "clipping")


def dark(window) -> None:
    window.darkAction.trigger()
    for _ in range(2):
        window.appearance.scale_text(1.15)
    choose(window, "himmelblau")
    while len(window.experiment.runs) < 5:
        window.run_editor.addRunButton.click()
        wait_until(lambda: window.ready)
    play_to(window, 800, speed=0)
    save(window, "dark")
    window.darkAction.trigger()
    window.appearance.scale_text(1 / 1.15 ** 2)


def presenter(window) -> None:
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
    save(window, f"presenter-{screen.width()}x{screen.height()}")
    window.set_presenter(False)
    player.leave()


def ensembles(window) -> None:
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


def point_at(panel, x: float, y: float) -> None:
    """Move the mouse over data point (x, y) of a panel, so that its read-out shows."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication
    widget = panel.widget
    position = widget.mapFromScene(widget.getPlotItem().vb.mapViewToScene(QPointF(x, y)))
    event = QMouseEvent(QEvent.MouseMove, QPointF(position), QPointF(widget.viewport().mapToGlobal(position)),
                        Qt.NoButton, Qt.NoButton, Qt.NoModifier)
    QApplication.sendEvent(widget.viewport(), event)


SHOTS = {"main-window": main_window, "network": network, "zigzag": zigzag, "scales": scales, "contours": contours,
         "messages": messages, "clipping": clipping, "dark": dark, "ensembles": ensembles, "presenter": presenter}


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from gradsim.gui import MainWindow

    global HERE
    arguments = sys.argv[1:]
    size = SIZE
    while arguments and arguments[0] in ("--size", "--out"):
        option, value, arguments = arguments[0], arguments[1], arguments[2:]
        if option == "--size":
            size = tuple(int(v) for v in value.split("x"))
        else:
            HERE = pathlib.Path(value)
    names = arguments or [name for name in SHOTS if name != "presenter"]
    _app = QApplication.instance() or QApplication(sys.argv)  # must live while the window does
    window = MainWindow()
    window.resize(*size)
    window.show()
    wait_until(lambda: window.ready)
    for name in names:
        SHOTS[name](window)
    window.close()


if __name__ == "__main__":
    main()
