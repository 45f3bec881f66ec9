"""Files: save and open experiments, export a panel, the runs as CSV, the trajectory as a GIF."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..experiment import Experiment
from ..files import write_atomically
from .export import export_plot, runs_csv, save_gif, widget_image


class FileActions(QObject):
    def __init__(self, window, controller, plot_area):
        super().__init__(window)
        self.window, self.controller, self.model, self.plot_area = window, controller, controller.model, plot_area

    # --- experiments -------------------------------------------------------------------------------
    def save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Save experiment", "experiment.json",
                                              "GradSim experiments (*.json)")
        if path:
            self.save_experiment(path)

    def save_experiment(self, path: str) -> bool:
        """Write the experiment, with where its runs are (opening it resumes there)."""
        try:
            self.model.saved_experiment().save(path)
        except OSError as error:
            QMessageBox.warning(self.window, "Save experiment", f"Could not save {path}: {error.strerror or error}")
            return False
        self.model.say(f"saved {path}")
        return True

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open experiment", "", "GradSim experiments (*.json)")
        if path:
            self.open_experiment(path)

    def open_experiment(self, path: str) -> bool:
        """Load an experiment and resume where it was saved; a bad file leaves the current one and says why."""
        try:
            experiment = Experiment.load(path)
        except ValueError as error:
            self.model.say(f"could not open {path}")
            QMessageBox.warning(self.window, "Open experiment", str(error))
            return False
        self.model.load(experiment, resume=True)
        return True

    # --- exports ---------------------------------------------------------------------------------------
    def export_panel_dialog(self, name: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export panel", f"{name}.png",
                                              "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self.try_export(lambda: export_plot(self.plot_area.panel_widget(name), path), path)

    def export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export runs", "runs.csv", "CSV (*.csv)")
        if path:
            self.try_export(lambda: self.export_csv(path), path)

    def export_gif_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export animation", "trajectory.gif", "GIF (*.gif)")
        if path:
            self.try_export(lambda: self.export_gif(path), path)

    def try_export(self, export, path: str) -> bool:
        try:
            export()
        except (OSError, ValueError) as error:
            QMessageBox.warning(self.window, "Export",
                                f"Could not write {path}: {getattr(error, 'strerror', None) or error}")
            return False
        self.model.say(f"wrote {path}")
        return True

    def export_csv(self, path: str) -> None:
        model = self.model
        write_atomically(path, runs_csv(model.histories, [run.optimizer for run in model.experiment.runs],
                                        network=model.experiment.is_network))

    def export_gif(self, path: str, frames: int = 48) -> None:
        """The trajectory panel at evenly spaced steps up to the one shown, as a looping GIF."""
        model = self.model
        model.play(False)
        shown, keep = model.shown_step(), model.display_step
        images = []
        for step in np.unique(np.linspace(0, shown, frames).astype(int)):
            model.display_step = int(step)
            if model.experiment.is_network:
                self._wait_for_boundary(int(step))
            self.plot_area.draw_part(0, int(step))
            images.append(widget_image(self.plot_area.trajectory.widget))
        model.display_step = keep
        self.plot_area.redraw()
        save_gif(images, path)

    def _wait_for_boundary(self, step: int, timeout_ms: int = 10_000) -> None:
        """Ask the session for the selected run's boundary at `step` and wait for it (a GIF frame)."""
        model = self.model
        row_step = int(model.row(model.selected, step)["step"])
        loop = QEventLoop()
        done = lambda: model.boundary is not None and model.boundary.step == row_step and loop.quit()  # noqa: E731
        self.controller.boundary_ready.connect(done)
        QTimer.singleShot(timeout_ms, loop.quit)
        model.request_boundary(model.selected, step, self.plot_area.trajectory.view, 100, 100)
        loop.exec()
        self.controller.boundary_ready.disconnect(done)
