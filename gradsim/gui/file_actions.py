"""Files: save and open experiments, export a panel (PNG at a chosen width, or SVG), the runs as CSV,
the trajectory as a GIF (made while the window goes on, with a progress dialog)."""
from __future__ import annotations

from PySide6.QtCore import QEventLoop, QObject, Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QProgressDialog

from ..experiment import Experiment
from ..files import write_atomically
from .export import MAX_EXPORT_WIDTH, export_picture, export_plot, runs_csv
from .gif_export import GifExport


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
        path, chosen = QFileDialog.getSaveFileName(self.window, "Export panel", f"{name}.png",
                                                   "PNG image (*.png);;SVG drawing (*.svg)")
        if not path:
            return
        width = None
        if path.lower().endswith(".png"):
            widget = self.plot_area.panel_widget(name)
            width, ok = QInputDialog.getInt(self.window, "Export panel", "Width in pixels:", 2 * widget.width(),
                                            50, MAX_EXPORT_WIDTH, 100)
            if not ok:
                return
        self.try_export(lambda: self.export_panel(name, path, width), path)

    def export_panel(self, name: str, path: str, width: int | None = None) -> None:
        """Panel `name` as PNG (`width` pixels wide) or SVG, with the runs' legend above it; the
        trajectory panel as the 3-D view shows it while that view is on (PNG only)."""
        self.plot_area.redraw()
        views = getattr(self.window, "surface_views", None)
        if name == "trajectoryPlot" and views is not None and views.showing_3d:
            export_picture(lambda w: views.view3d.picture(w), views.view3d.width(), path, width,
                           legend=self.plot_area.legend)
            return
        export_plot(self.plot_area.panel_widget(name), path, width, legend=self.plot_area.legend)

    def export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export runs", "runs.csv", "CSV (*.csv)")
        if path:
            self.try_export(lambda: self.export_csv(path), path)

    def export_gif_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export animation", "trajectory.gif", "GIF (*.gif)")
        if path:
            self.start_gif(path)

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

    def start_gif(self, path: str, frames: int = 48) -> GifExport:
        """The trajectory up to the step on screen as a looping GIF, made while the window goes on;
        a progress dialog shows the frames and can cancel."""
        job = GifExport(self.plot_area, path, frames, self)
        progress = QProgressDialog("Drawing the animation…", "Cancel", 0, max(1, len(job.steps)), self.window)
        progress.setObjectName("gifProgress")
        progress.setWindowTitle("Export animation")
        progress.setWindowModality(Qt.WindowModal)  # the panels are drawn for the frames meanwhile
        progress.setMinimumDuration(0)
        progress.canceled.connect(job.cancel)
        job.progress.connect(lambda done, total: (progress.setValue(done),
                                                  progress.setLabelText(f"Frame {done} of {total}…")))
        job.finished.connect(lambda written: (progress.close(), self.model.say(f"wrote {written}")))
        job.failed.connect(lambda reason: (progress.close(), reason != "cancelled" and
                                           QMessageBox.warning(self.window, "Export animation", reason)))
        self.gif_job = job
        job.start()
        return job

    def export_gif(self, path: str, frames: int = 48) -> None:
        """The same, waiting until the file is written (scripts and tests); raises ValueError if it fails."""
        job = GifExport(self.plot_area, path, frames, self)
        outcome = []
        loop = QEventLoop()
        job.finished.connect(lambda written: (outcome.append(""), loop.quit()))
        job.failed.connect(lambda reason: (outcome.append(reason), loop.quit()))
        job.start()
        if not outcome:
            loop.exec()
        job.wait()
        if outcome[0]:
            raise ValueError(outcome[0])
        self.model.say(f"wrote {path}")
