"""The main window: controls on the left, four linked live panels, a transport bar on top."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer, Qt
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (QApplication, QComboBox, QDockWidget, QFileDialog, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QMainWindow,
                               QMessageBox, QPushButton, QScrollArea, QSlider, QSpinBox, QTextEdit, QToolBar,
                               QVBoxLayout, QWidget)

from ..core import OPTIMIZERS, SCHEDULES, SURFACES, get_optimizer, get_surface
from ..core.equations import explain
from ..core.datasets import DATASETS, make_dataset
from ..core.mlp import ACTIVATIONS, INITS, LOSSES
from ..core.simulate import make_network
from ..core.schedules import WARMUP, make_lr_fn
from ..core.specs import HParam
from ..core.stepper import resolve_clip
from ..experiment import MAX_RUNS, Experiment, RunConfig
from ..files import write_atomically
from .editors import NumberEdit, make_editor
from .equation_panel import EquationPanel, parameter_names
from .export import export_plot, runs_csv, save_gif, widget_image
from ..lessons import load_lessons
from ..lessons.schema import CONTROLS, Scene
from ..app.history import RunHistory
from .lesson_browser import LessonBrowser
from .lesson_player import LessonPlayer
from .panels import TimeSeriesPanel, TrajectoryPanel
from .worker import SimulationWorker

SPEED_MAX = 100  # the speed slider's maximum: as fast as the machine goes


def speed_for(value: int) -> float:
    """Steps per second for a speed-slider position: 1/s at 0, ×10 every 25, unlimited at the top."""
    return 0.0 if value >= SPEED_MAX else float(round(10 ** (value / 25)))


class MainWindow(QMainWindow):
    def __init__(self, experiment: Experiment | None = None):
        super().__init__()
        self.setWindowTitle("GradSim")
        self.resize(1500, 920)
        self.experiment = (experiment or Experiment.default()).validate()
        self.histories: list[RunHistory] = []
        self.generation = 0
        self.display_step: int | None = None  # None: follow the newest step
        self.selected_run = 0
        self._play_when_ready = False
        self.surface = None  # the surface, or
        self.networks = []  # each run's network problem (runs may differ in loss or initialization)
        self.view = None  # a lesson scene's window onto the trajectory panel (None: the problem's own)
        self._dirty = False
        self._font_scale = 1.0

        self._build_panels()
        self._build_controls()
        self._build_transport()
        self.lesson_player = LessonPlayer(self)
        self.addDockWidget(Qt.RightDockWidgetArea, self.lesson_player)
        self.equation_panel = EquationPanel(self)
        self.addDockWidget(Qt.RightDockWidgetArea, self.equation_panel)
        self.equation_panel.hide()
        self.equation_panel.parameterCombo.currentIndexChanged.connect(lambda _: self._update_inspector(self.shown_step()))
        self.equation_panel.visibilityChanged.connect(lambda _: self._update_inspector(self.shown_step()))
        self.presenting = False
        self._build_actions()

        self.worker = SimulationWorker(self)
        self.worker.chunk.connect(self._on_chunk)
        self.worker.diverged.connect(self._on_diverged)
        self.worker.stopped.connect(self._on_stopped)
        self.worker.error.connect(self._say)

        self.panels_in_order = (self.trajectory, *self.time_panels)
        self._part = 0
        self._frame_step = 0
        self.redraw_timer = QTimer(self)
        self.redraw_timer.setInterval(1)
        self.redraw_timer.timeout.connect(self._redraw_if_dirty)
        self.redraw_timer.start()
        self.redraws = 0
        self._load_into_controls()
        # The first contours need sympy and a compiled surface: show the window first, then fill it.
        QTimer.singleShot(0, self.reset)

    @property
    def ready(self) -> bool:
        """True once every run of the current experiment has reported its start."""
        return bool(self.histories) and all(h.current is not None for h in self.histories)

    # --- building ---------------------------------------------------------------------------------
    def _build_panels(self) -> None:
        self.trajectory = TrajectoryPanel()
        self.trajectory.start_clicked = self.set_start
        self.loss_panel = TimeSeriesPanel("lossPlot", "Loss", "loss")
        self.lr_panel = TimeSeriesPanel("lrPlot", "Effective learning rate (x solid, y dashed)", "rate", ("x", "y"))
        self.grad_panel = TimeSeriesPanel("gradNormPlot", "Gradient norm", "‖g‖")
        self.time_panels = (self.loss_panel, self.lr_panel, self.grad_panel)
        self.panel_grid = QGridLayout()
        central = QWidget()
        central.setLayout(self.panel_grid)
        self.setCentralWidget(central)
        self._arrange_panels([p.widget for p in (self.trajectory, *self.time_panels)])

    def _arrange_panels(self, shown) -> None:
        """Lay out the shown plots without holes: 2×2 for four; for three, the first one tall on
        the left and the others stacked on the right; side by side for two."""
        grid = self.panel_grid
        for panel in (self.trajectory, *self.time_panels):
            grid.removeWidget(panel.widget)
            panel.widget.setVisible(panel.widget in shown)
        places = {1: [(0, 0, 2, 2)], 2: [(0, 0, 2, 1), (0, 1, 2, 1)],
                  3: [(0, 0, 2, 1), (0, 1, 1, 1), (1, 1, 1, 1)],
                  4: [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)]}.get(len(shown), [])
        for widget, place in zip(shown, places):
            grid.addWidget(widget, *place)
        for i in range(2):
            grid.setColumnStretch(i, 1 if len(shown) > 1 or i == 0 else 0)
            grid.setRowStretch(i, 1)

    def _build_controls(self) -> None:
        panel = QWidget()
        layout = QVBoxLayout(panel)

        problem = QGroupBox("Problem")
        form = QFormLayout(problem)
        self.problemCombo = QComboBox(objectName="problemCombo")
        self.problemCombo.setAccessibleName("Problem")
        for spec in SURFACES.values():
            self.problemCombo.addItem(spec.title, spec.name)
        self.problemCombo.insertSeparator(self.problemCombo.count())
        for spec in DATASETS.values():
            self.problemCombo.addItem(f"Network on {spec.title.lower()}" + ("…" if spec.name == "csv" else ""),
                                      spec.name)
        self.problemCombo.currentIndexChanged.connect(self._problem_changed)
        form.addRow("Problem", self.problemCombo)
        self.surface_form = QFormLayout()
        form.addRow(self.surface_form)
        self.surface_editors: dict[str, QWidget] = {}
        start_row = QHBoxLayout()
        self.startX = NumberEdit(HParam("x", 0.0, -1e6, 1e6))
        self.startY = NumberEdit(HParam("y", 0.0, -1e6, 1e6))
        for name, editor in (("startX", self.startX), ("startY", self.startY)):
            editor.setObjectName(name)
            editor.setAccessibleName(f"start {name[-1].lower()}")
            editor.setToolTip("start point; or click on the trajectory plot")
            editor.valueChanged.connect(lambda _=None: self.set_start(self.startX.value(), self.startY.value()))
            start_row.addWidget(editor)
        self.start_label = QLabel("Start (x, y)")
        form.addRow(self.start_label, start_row)
        self.start_widgets = (self.start_label, self.startX, self.startY)
        layout.addWidget(problem)

        self.network_box = QGroupBox("Network")
        net_form = QFormLayout(self.network_box)
        self.hiddenEdit = QLineEdit(objectName="hiddenEdit")
        self.hiddenEdit.setAccessibleName("Hidden layer sizes")
        self.hiddenEdit.setToolTip("sizes of the hidden layers, e.g. 16,16 (empty for none; at most 6)")
        self.hiddenEdit.editingFinished.connect(self._network_changed)
        net_form.addRow("Hidden layers", self.hiddenEdit)
        self.network_combos = {}
        for key, label, names in (("activation", "Activation", ACTIVATIONS), ("loss", "Loss", LOSSES),
                                  ("init", "Initialization", INITS)):
            combo = QComboBox(objectName=f"{key}Combo")
            combo.setAccessibleName(label)
            for name in names:
                combo.addItem(name, name)
            combo.currentIndexChanged.connect(self._network_changed)
            net_form.addRow(label, combo)
            self.network_combos[key] = combo
        self.batchSizeSpin = QSpinBox(objectName="batchSizeSpin")
        self.batchSizeSpin.setAccessibleName("Batch size")
        self.batchSizeSpin.setRange(0, 100_000)
        self.batchSizeSpin.setSpecialValueText("all data")
        self.batchSizeSpin.setToolTip("mini-batch size: all data is batch gradient descent, 1 is online SGD")
        self.batchSizeSpin.setKeyboardTracking(False)
        self.batchSizeSpin.valueChanged.connect(self._network_changed)
        net_form.addRow("Batch size", self.batchSizeSpin)
        self.lossSliceButton = QPushButton("Loss slice at this step", objectName="lossSliceButton")
        self.lossSliceButton.setAccessibleName("Show the loss around the selected run's weights")
        self.lossSliceButton.setCheckable(True)
        self.lossSliceButton.setToolTip("the training loss on a plane through the selected run's weights "
                                        "(two random filter-normalized directions), with its path projected; "
                                        "click again to return to the decision boundary")
        self.lossSliceButton.toggled.connect(self._loss_slice_toggled)
        net_form.addRow(self.lossSliceButton)
        layout.addWidget(self.network_box)

        runs = QGroupBox("Runs")
        runs_layout = QVBoxLayout(runs)
        self.runList = QListWidget(objectName="runList")
        self.runList.setAccessibleName("Runs")
        self.runList.setMaximumHeight(150)
        self.runList.currentRowChanged.connect(self._select_run)
        self.runList.itemChanged.connect(self._run_visibility_changed)
        runs_layout.addWidget(self.runList)
        buttons = QHBoxLayout()
        self.addRunButton = QPushButton("Add run", objectName="addRunButton")
        self.addRunButton.setAccessibleName("Add run")
        self.addRunButton.clicked.connect(self.add_run)
        self.removeRunButton = QPushButton("Remove run", objectName="removeRunButton")
        self.removeRunButton.setAccessibleName("Remove run")
        self.removeRunButton.clicked.connect(self.remove_run)
        buttons.addWidget(self.addRunButton)
        buttons.addWidget(self.removeRunButton)
        runs_layout.addLayout(buttons)
        run_form = QFormLayout()
        self.optimizerCombo = QComboBox(objectName="optimizerCombo")
        self.optimizerCombo.setAccessibleName("Optimizer of the selected run")
        for opt in OPTIMIZERS.values():
            self.optimizerCombo.addItem(opt.title, opt.name)
        self.optimizerCombo.currentIndexChanged.connect(self._optimizer_changed)
        run_form.addRow("Optimizer", self.optimizerCombo)
        runs_layout.addLayout(run_form)
        self.hp_form = QFormLayout()
        runs_layout.addLayout(self.hp_form)
        self.hp_editors: dict[str, QWidget] = {}
        layout.addWidget(runs)

        training = QGroupBox("Schedule, clipping, noise (all runs)")
        training_form = QFormLayout(training)
        self.scheduleCombo = QComboBox(objectName="scheduleCombo")
        self.scheduleCombo.setAccessibleName("Learning-rate schedule")
        for schedule in SCHEDULES.values():
            self.scheduleCombo.addItem(schedule.name.replace("_", " "), schedule.name)
            self.scheduleCombo.setItemData(self.scheduleCombo.count() - 1, schedule.formula, Qt.ToolTipRole)
        self.scheduleCombo.currentIndexChanged.connect(self._schedule_changed)
        training_form.addRow("Schedule", self.scheduleCombo)
        self.schedule_form = QFormLayout()
        training_form.addRow(self.schedule_form)
        self.schedule_editors: dict[str, QWidget] = {}
        self.clipCombo = QComboBox(objectName="clipCombo")
        self.clipCombo.setAccessibleName("Gradient clipping")
        for label, kind in (("none", None), ("by global norm", "norm"), ("by value", "value")):
            self.clipCombo.addItem(label, kind)
        self.clipThreshold = make_editor(HParam("clip", 1.0, 0.0, 1e6, "log", "c", "clipping threshold",
                                                low_open=True), "")
        self.clipThreshold.setObjectName("clipThreshold")
        self.clipCombo.currentIndexChanged.connect(self._training_changed)
        self.clipThreshold.changed.connect(self._training_changed)
        clip_row = QHBoxLayout()
        clip_row.addWidget(self.clipCombo)
        clip_row.addWidget(self.clipThreshold)
        training_form.addRow("Clip", clip_row)
        self.gradNoise = make_editor(HParam("grad_noise", 0.0, 0.0, 1e6, "linear", "σ",
                                            "standard deviation of Gaussian noise added to every gradient"), "")
        self.gradNoise.setObjectName("gradNoise")
        self.gradNoise.changed.connect(self._training_changed)
        self.seedSpin = make_editor(HParam("seed", 0, 0, 2**31 - 1, "linear", "seed", "seed of the noise", kind=int), "")
        self.seedSpin.setObjectName("seedSpin")
        self.seedSpin.changed.connect(self._training_changed)
        noise_row = QHBoxLayout()
        noise_row.addWidget(self.gradNoise)
        noise_row.addWidget(QLabel("seed"))
        noise_row.addWidget(self.seedSpin)
        training_form.addRow("Gradient noise σ", noise_row)
        layout.addWidget(training)

        inspector = QGroupBox("Step inspector (selected run)")
        inspector_layout = QVBoxLayout(inspector)
        self.inspector = QTextEdit(objectName="inspector")
        self.inspector.setReadOnly(True)
        self.inspector.setAccessibleName("Step inspector")
        self.inspector.setMinimumHeight(220)
        inspector_layout.addWidget(self.inspector)
        layout.addWidget(inspector)
        layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(panel)
        dock = QDockWidget("Controls", self)
        dock.setObjectName("controlsDock")
        dock.setWidget(scroll)
        dock.setFeatures(QDockWidget.DockWidgetMovable)
        dock.setMinimumWidth(360)
        self.addDockWidget(Qt.LeftDockWidgetArea, dock)

    def _build_transport(self) -> None:
        bar = QToolBar("Transport", self)
        bar.setObjectName("transportBar")
        bar.setMovable(False)
        self.playButton = QPushButton("▶ Play", objectName="playButton")
        self.playButton.setCheckable(True)
        self.playButton.toggled.connect(self._play_toggled)
        self.stepBackButton = QPushButton("◀ Back", objectName="stepBackButton")
        self.stepBackButton.clicked.connect(self.step_back)
        self.stepButton = QPushButton("Step ▶", objectName="stepButton")
        self.stepButton.clicked.connect(self.step_forward)
        self.resetButton = QPushButton("⟲ Reset", objectName="resetButton")
        self.resetButton.clicked.connect(self.reset)
        transport = []
        for button, name in ((self.playButton, "Play or pause"), (self.stepBackButton, "Step back"),
                             (self.stepButton, "Single step"), (self.resetButton, "Reset")):
            button.setAccessibleName(name)
            transport.append(bar.addWidget(button))
        speed = [bar.addSeparator(), bar.addWidget(QLabel(" Speed "))]
        self.speedSlider = QSlider(Qt.Horizontal, objectName="speedSlider")
        self.speedSlider.setAccessibleName("Speed")
        self.speedSlider.setRange(0, SPEED_MAX)
        self.speedSlider.setValue(SPEED_MAX)
        self.speedSlider.setFixedWidth(140)
        self.speedSlider.valueChanged.connect(self._speed_changed)
        speed.append(bar.addWidget(self.speedSlider))
        timeline = [bar.addSeparator(), bar.addWidget(QLabel(" Step "))]
        self.timelineSlider = QSlider(Qt.Horizontal, objectName="timelineSlider")
        self.timelineSlider.setAccessibleName("Timeline")
        self.timelineSlider.setMinimumWidth(300)
        self.timelineSlider.valueChanged.connect(self._timeline_moved)
        timeline.append(bar.addWidget(self.timelineSlider))
        self.stepLabel = QLabel("0", objectName="stepLabel")
        self.stepLabel.setAccessibleName("Current step")
        self.stepLabel.setMinimumWidth(80)
        timeline.append(bar.addWidget(self.stepLabel))
        # what a lesson step may show of the bar in presenter mode (see show_controls)
        self.control_actions = {"transport": transport, "speed": speed, "timeline": timeline, "editors": []}
        bar.addSeparator()
        self.statusLabel = QLabel("ready", objectName="statusLabel")
        self.statusLabel.setAccessibleName("Status")
        bar.addWidget(self.statusLabel)
        self.addToolBar(Qt.TopToolBarArea, bar)

    def _build_actions(self) -> None:
        def action(text, shortcut, slot, name):
            act = QAction(text, self)
            act.setObjectName(name)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.WindowShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(action("&Open experiment…", "Ctrl+O", self.open_dialog, "openAction"))
        file_menu.addAction(action("&Save experiment…", "Ctrl+S", self.save_dialog, "saveAction"))
        file_menu.addSeparator()
        export = file_menu.addMenu("&Export")
        for title, name in (("Trajectory", "trajectoryPlot"), ("Loss", "lossPlot"),
                            ("Effective learning rate", "lrPlot"), ("Gradient norm", "gradNormPlot")):
            export.addAction(action(f"{title} panel as PNG or SVG…", "", lambda _=None, n=name: self.export_panel_dialog(n),
                                    f"export_{name}"))
        export.addAction(action("Runs as CSV…", "", self.export_csv_dialog, "exportCsvAction"))
        export.addAction(action("Trajectory as animated GIF…", "", self.export_gif_dialog, "exportGifAction"))
        lessons = self.menuBar().addMenu("&Lessons")
        lessons.setObjectName("lessonsMenu")
        lessons.addAction(action("&Browse lessons…", "Ctrl+L", self.browse_lessons, "browseLessonsAction"))
        lessons.addSeparator()
        for lesson in load_lessons():
            act = QAction(lesson.title, self)
            act.setToolTip(lesson.goal)
            act.triggered.connect(lambda _=None, chosen=lesson: self.start_lesson(chosen))
            lessons.addAction(act)
        lessons.addSeparator()
        presenter = action("Presenter mode", "F5", lambda: self.set_presenter(not self.presenting), "presenterAction")
        lessons.addAction(presenter)
        view = self.menuBar().addMenu("&View")
        view.addAction(action("Full screen", "F11", self.toggle_full_screen, "fullScreenAction"))
        view.addAction(action("Larger text", "Ctrl++", lambda: self.scale_fonts(1.15), "zoomInAction"))
        view.addAction(action("Smaller text", "Ctrl+-", lambda: self.scale_fonts(1 / 1.15), "zoomOutAction"))
        self.darkAction = action("Dark theme", "", self.toggle_theme, "darkThemeAction")
        self.darkAction.setCheckable(True)
        view.addAction(self.darkAction)
        equation = self.equation_panel.toggleViewAction()
        equation.setText("Update rule with this step's numbers")
        equation.setObjectName("equationAction")
        equation.setShortcut(QKeySequence("Ctrl+E"))
        view.addAction(equation)
        action("Play/pause", "Space", lambda: self.playButton.toggle(), "playAction")
        action("Step", "Right", lambda: self.lesson_player.next() if self.lesson_player.lesson else self.step_forward(),
               "stepAction")
        action("Step back", "Left",
               lambda: self.lesson_player.previous() if self.lesson_player.lesson else self.step_back(), "stepBackAction")
        action("Next lesson step", "PgDown", lambda: self.lesson_player.next(), "lessonNextAction")
        action("Previous lesson step", "PgUp", lambda: self.lesson_player.previous(), "lessonPrevAction")
        action("Reset", "R", self.reset, "resetAction")

    # --- the experiment in the controls -------------------------------------------------------------
    def _load_into_controls(self) -> None:
        e = self.experiment
        self.problemCombo.blockSignals(True)
        self.problemCombo.setCurrentIndex(self.problemCombo.findData(e.dataset if e.is_network else e.surface))
        self.problemCombo.blockSignals(False)
        self._load_network_controls()
        self._rebuild_surface_editors()
        for widget in (self.scheduleCombo, self.clipCombo, self.clipThreshold, self.gradNoise, self.seedSpin):
            widget.blockSignals(True)
        self.scheduleCombo.setCurrentIndex(self.scheduleCombo.findData((e.schedule or {}).get("name", "constant")))
        self.clipCombo.setCurrentIndex(self.clipCombo.findData(next(iter(e.clip)) if e.clip else None))
        self.clipThreshold.setValue(next(iter(e.clip.values())) if e.clip else 1.0)
        self.clipThreshold.setEnabled(bool(e.clip))
        self.gradNoise.setValue(e.grad_noise)
        self.seedSpin.setValue(e.seed)
        for widget in (self.scheduleCombo, self.clipCombo, self.clipThreshold, self.gradNoise, self.seedSpin):
            widget.blockSignals(False)
        self._rebuild_schedule_editors()
        self._refresh_run_list()
        self._select_run(min(self.selected_run, len(e.runs) - 1))

    def _rebuild_schedule_editors(self) -> None:
        while self.schedule_form.rowCount():
            self.schedule_form.removeRow(0)
        config = dict(self.experiment.schedule or {"name": "constant"})
        self.schedule_editors = {}
        for spec in (*SCHEDULES[config["name"]].hparams, WARMUP):
            editor = make_editor(spec, "sched_")
            editor.setValue(config.get(spec.name, spec.default))
            editor.changed.connect(self._training_changed)
            self.schedule_form.addRow(f"{spec.symbol}  {spec.name}", editor)
            self.schedule_editors[spec.name] = editor

    def _schedule_changed(self) -> None:
        self.experiment.schedule = {"name": self.scheduleCombo.currentData()}
        self._rebuild_schedule_editors()
        self._training_changed()

    def _training_changed(self, *_) -> None:
        """Schedule, clipping and noise apply to every run: they restart the runs."""
        schedule = {"name": self.scheduleCombo.currentData(),
                    **{name: editor.value() for name, editor in self.schedule_editors.items()}}
        kind = self.clipCombo.currentData()
        clip = {kind: self.clipThreshold.value()} if kind else None
        try:
            make_lr_fn(schedule)
            resolve_clip(clip)
        except ValueError as error:
            self._say(str(error))
            return
        self.clipThreshold.setEnabled(kind is not None)
        self.experiment.schedule = schedule
        self.experiment.clip = clip
        self.experiment.grad_noise = self.gradNoise.value()
        self.experiment.seed = self.seedSpin.value()
        self.reset()

    def _problem_specs(self):
        e = self.experiment
        if e.is_network:
            spec = DATASETS[e.dataset]
            common = [HParam("n", spec.n, 2, 100_000, "log", "n", "number of points", kind=int),
                      HParam("noise", spec.noise, 0.0, 10.0, "linear", "σ", "noise on the inputs"),
                      HParam("test_fraction", 0.0, 0.0, 0.9, "linear", "test", "fraction held out for testing")]
            if e.dataset == "csv":  # the file is the data: no size or noise to set
                common = common[2:]
            return [*common, *spec.params], e.dataset_params
        return list(SURFACES[e.surface].params), e.surface_params

    def _rebuild_surface_editors(self) -> None:
        while self.surface_form.rowCount():
            self.surface_form.removeRow(0)
        self.surface_editors = {}
        specs, values = self._problem_specs()
        network = self.experiment.is_network
        self.network_box.setVisible(network)
        for widget in self.start_widgets:
            widget.setVisible(not network)
        for spec in specs:
            editor = make_editor(spec, "sp_")
            editor.setValue(values.get(spec.name, spec.default))
            editor.changed.connect(lambda _=None, name=spec.name: self._surface_param_changed(name))
            self.surface_form.addRow(spec.symbol or spec.name, editor)
            self.surface_editors[spec.name] = editor

    def _refresh_run_list(self) -> None:
        self.runList.blockSignals(True)
        self.runList.clear()
        for run in self.experiment.runs:
            item = QListWidgetItem(run.label)
            pixmap = QPixmap(14, 14)
            pixmap.fill(QColor(run.color))
            item.setIcon(QIcon(pixmap))
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if run.visible else Qt.Unchecked)
            self.runList.addItem(item)
        self.runList.setCurrentRow(min(self.selected_run, len(self.experiment.runs) - 1))
        self.runList.blockSignals(False)
        self.addRunButton.setEnabled(len(self.experiment.runs) < MAX_RUNS)
        self.removeRunButton.setEnabled(len(self.experiment.runs) > 1)

    @property
    def network(self):
        """The selected run's network problem (None on a surface)."""
        return self.networks[min(self.selected_run, len(self.networks) - 1)] if self.networks else None

    def _select_run(self, index: int) -> None:
        if index < 0:
            return
        self.selected_run = index
        run = self.experiment.runs[index]
        if self.network is not None and self.trajectory.problem is not self.network:
            self.trajectory.set_network(self.network, self.view)  # this run has its own loss or initialization
        self.optimizerCombo.blockSignals(True)
        self.optimizerCombo.setCurrentIndex(self.optimizerCombo.findData(run.optimizer))
        self.optimizerCombo.blockSignals(False)
        while self.hp_form.rowCount():
            self.hp_form.removeRow(0)
        self.hp_editors = {}
        for spec in get_optimizer(run.optimizer).hparams:
            editor = make_editor(spec, "hp_")
            editor.setValue(run.hparams.get(spec.name, spec.default))
            editor.changed.connect(lambda _=None, name=spec.name: self._hparam_changed(name))
            self.hp_form.addRow(f"{spec.symbol}  {spec.name}", editor)
            self.hp_editors[spec.name] = editor
        self._dirty = True

    # --- user changes -------------------------------------------------------------------------------
    def _problem_changed(self) -> None:
        self.view = None  # a lesson's framing belongs to its own problem
        name = self.problemCombo.currentData()
        e = self.experiment
        if name == "csv":
            path, _ = QFileDialog.getOpenFileName(self, "Open a dataset", "", "CSV files (*.csv)")
            if not path or not self.use_csv(path):
                self.problemCombo.blockSignals(True)
                self.problemCombo.setCurrentIndex(self.problemCombo.findData(e.dataset if e.is_network else e.surface))
                self.problemCombo.blockSignals(False)
            return
        if name in DATASETS:
            e.dataset, e.dataset_params = name, {}
            classes = make_dataset(name, seed=e.seed).classes
            e.model = {**e.model, "loss": "mse" if classes == 0 else "ce" if classes > 2 else "bce"}
        else:
            e.dataset, e.surface, e.surface_params, e.start = None, name, {}, None
        self._load_network_controls()
        self._rebuild_surface_editors()
        self.reset()

    def use_csv(self, path: str, task: str = "classification") -> bool:
        """Train on a user's CSV file (x1,x2,label); a bad file is refused with its line and problem."""
        e = self.experiment
        params = {"path": path, "task": task}
        try:
            data = make_dataset("csv", params, seed=e.seed)
        except ValueError as error:
            self._say("could not use the file")
            QMessageBox.warning(self, "Open a dataset", str(error))
            return False
        e.dataset, e.dataset_params = "csv", params
        e.model = {**e.model, "loss": "mse" if data.classes == 0 else "ce" if data.classes > 2 else "bce"}
        self.problemCombo.blockSignals(True)
        self.problemCombo.setCurrentIndex(self.problemCombo.findData("csv"))
        self.problemCombo.blockSignals(False)
        self._load_network_controls()
        self._rebuild_surface_editors()
        self.reset()
        return True

    def _surface_param_changed(self, name: str) -> None:
        e = self.experiment
        specs, values = self._problem_specs()
        params = {**values, name: self.surface_editors[name].value()}
        try:
            if e.is_network:
                make_dataset(e.dataset, params, seed=e.seed)
            else:
                get_surface(e.surface, params)
        except ValueError as error:
            self._say(str(error))
            editor = self.surface_editors[name]
            editor.blockSignals(True)
            editor.setValue(values.get(name, next(spec.default for spec in specs if spec.name == name)))
            editor.blockSignals(False)
            return
        if e.is_network:
            e.dataset_params = params
        else:
            e.surface_params = params
        self.reset()

    def _load_network_controls(self) -> None:
        model = self.experiment.model
        widgets = (self.hiddenEdit, self.batchSizeSpin, *self.network_combos.values())
        for widget in widgets:
            widget.blockSignals(True)
        self.hiddenEdit.setText(",".join(str(h) for h in model.get("hidden", [16])))
        for key, combo in self.network_combos.items():
            combo.setCurrentIndex(combo.findData(model.get(key, {"activation": "tanh", "loss": "bce",
                                                                 "init": "xavier"}[key])))
        self.batchSizeSpin.setValue(self.experiment.batch_size or 0)
        for widget in widgets:
            widget.blockSignals(False)

    def _network_changed(self, *_) -> None:
        e = self.experiment
        text = self.hiddenEdit.text().strip()
        try:
            hidden = [int(h) for h in text.split(",")] if text else []
        except ValueError:
            self._say(f"hidden layers must be whole numbers separated by commas, got '{text}'")
            return
        model = {**e.model, "hidden": hidden, **{k: c.currentData() for k, c in self.network_combos.items()}}
        batch_size = self.batchSizeSpin.value() or None
        try:
            make_network(e.dataset, e.dataset_params, model, batch_size, e.seed)
        except ValueError as error:
            self._say(str(error))
            return
        e.model, e.batch_size = model, batch_size
        self.reset()

    def set_start(self, x: float, y: float) -> None:
        """Start every run from (x, y), exactly as given (a click on the plot lands here)."""
        self.experiment.start = (float(x), float(y))
        for editor, value in ((self.startX, x), (self.startY, y)):
            editor.blockSignals(True)
            editor.setValue(value)
            editor.blockSignals(False)
        self.reset()

    def _optimizer_changed(self) -> None:
        run = self.experiment.runs[self.selected_run]
        run.optimizer = self.optimizerCombo.currentData()
        run.hparams = get_optimizer(run.optimizer).resolve()
        self._refresh_run_list()
        self._select_run(self.selected_run)
        self.reset()

    def _hparam_changed(self, name: str) -> None:
        run = self.experiment.runs[self.selected_run]
        value = self.hp_editors[name].value()
        try:
            run.hparams = get_optimizer(run.optimizer).resolve({**run.hparams, name: value})
        except ValueError as error:
            self._say(str(error))
            return
        self.runList.item(self.selected_run).setText(run.label)
        # Takes effect from the next update; the worker keeps the run's optimizer state.
        self.worker.set_hparams(self.selected_run, {name: run.hparams[name]})

    def _run_visibility_changed(self, item: QListWidgetItem) -> None:
        index = self.runList.row(item)
        self.experiment.runs[index].visible = item.checkState() == Qt.Checked
        self._dirty = True

    def add_run(self) -> None:
        if len(self.experiment.runs) >= MAX_RUNS:
            return
        used = {run.optimizer for run in self.experiment.runs}
        name = next((n for n in ("adam", "momentum", "rmsprop", "nesterov", "adagrad", "adadelta", "nadam", "sgd")
                     if n not in used), "adam")
        self.experiment.runs.append(RunConfig(name, get_optimizer(name).resolve(), self.experiment.next_color()))
        self.selected_run = len(self.experiment.runs) - 1
        self._refresh_run_list()
        self._select_run(self.selected_run)
        self.reset()

    def remove_run(self) -> None:
        if len(self.experiment.runs) <= 1:
            return
        del self.experiment.runs[self.selected_run]
        self.selected_run = max(0, self.selected_run - 1)
        self._refresh_run_list()
        self._select_run(self.selected_run)
        self.reset()

    # --- transport --------------------------------------------------------------------------------
    def reset(self) -> None:
        """Restart every run from the start point (the worker rebuilds its steppers)."""
        self.playButton.setChecked(False)
        self.generation += 1
        e = self.experiment
        self.histories = [RunHistory() for _ in e.runs]
        self.display_step = None
        colors = [run.color for run in e.runs]
        labels = [run.label for run in e.runs]
        self.trajectory.set_runs(colors)
        self.lossSliceButton.blockSignals(True)
        self.lossSliceButton.setChecked(False)
        self.lossSliceButton.blockSignals(False)
        if e.is_network:
            self.surface = None
            self.networks = [problem for problem, _ in e.run_problems()]
            self.trajectory.set_network(self.network, self.view)
            layers = [f"layer {i + 1}" for i in range(self.network.mlp.n_layers)]
            self.loss_panel.set_runs(labels, colors)
            self.lr_panel.set_runs(labels, colors, layers)
            self.grad_panel.set_runs(labels, colors, layers)
            self.lr_panel.widget.setTitle("Effective rate per layer (median)")
            self.grad_panel.widget.setTitle("Gradient norm per layer")
        else:
            surface = self.surface = get_surface(e.surface, e.surface_params)
            self.networks = []
            self.trajectory.set_surface(surface, self.view)
            start = e.resolved_start()
            self.trajectory.set_start(*start)
            for editor, value in ((self.startX, start[0]), (self.startY, start[1])):
                editor.blockSignals(True)
                editor.setValue(value)
                editor.blockSignals(False)
            for panel in self.time_panels:
                panel.set_runs(labels, colors)
            self.lr_panel.widget.setTitle("Effective learning rate (x solid, y dashed)")
            self.grad_panel.widget.setTitle("Gradient norm")
        self._say("ready")
        self.worker.configure(self.experiment, self.generation, getattr(self, "until", None))

    def _play_toggled(self, playing: bool) -> None:
        self.playButton.setText("❚❚ Pause" if playing else "▶ Play")
        if playing:
            self.display_step = None
            self._say("running")
        elif self.statusLabel.text() == "running":
            self._say("paused")
        self.worker.set_playing(playing)

    def _speed_changed(self, value: int) -> None:
        self.worker.set_speed(speed_for(value))

    def step_forward(self) -> None:
        live = self.newest_step()
        if self.display_step is not None and self.display_step < live:
            self.display_step += 1
            self._dirty = True
        else:
            self.playButton.setChecked(False)
            self.worker.step_once()

    def step_back(self) -> None:
        self.playButton.setChecked(False)
        current = self.newest_step() if self.display_step is None else self.display_step
        self.display_step = max(0, current - 1)
        self._dirty = True

    def _timeline_moved(self, value: int) -> None:
        if self.timelineSlider.signalsBlocked():
            return
        self.display_step = None if value >= self.newest_step() else value
        self._dirty = True

    def newest_step(self) -> int:
        return max((h.last_step for h in self.histories), default=0)

    def shown_step(self) -> int:
        return self.newest_step() if self.display_step is None else self.display_step

    # --- from the worker -------------------------------------------------------------------------
    def _on_chunk(self, message: dict) -> None:
        if message["generation"] != self.generation:
            return  # from before a reset
        for index, rows in message["rows"].items():
            if index < len(self.histories):
                self.histories[index].extend(rows)
        self._dirty = True
        if self._play_when_ready and self.ready:
            self._play_when_ready = False
            self.playButton.setChecked(True)

    def _on_diverged(self, generation: int, index: int, step: int, reason: str) -> None:
        if generation != self.generation:
            return
        history = self.histories[index]
        history.status, history.diverged_at, history.reason = "diverged", step, reason
        run = self.experiment.runs[index]
        self._say(f"{get_optimizer(run.optimizer).title} diverged at step {step}" + (f": {reason}" if reason else ""))

    def _on_stopped(self, generation: int) -> None:
        if generation != self.generation:
            return
        self.playButton.blockSignals(True)
        self.playButton.setChecked(False)
        self.playButton.setText("▶ Play")
        self.playButton.blockSignals(False)
        if "diverged" not in self.statusLabel.text():
            self._say("finished")
        if self.lesson_player.lesson is not None:
            self.lesson_player.action_finished()

    # --- drawing ---------------------------------------------------------------------------------
    def _redraw_if_dirty(self) -> None:
        # One panel per tick (Qt paints it right after): the event loop is never held for a whole
        # frame, so clicks and keys wait for at most one panel's painting.
        if self._part == 0:
            if not self._dirty:
                return
            self._dirty = False
            self._frame_step = self.shown_step()
            self._draw_status(self._frame_step)
        self._draw_part(self._part, self._frame_step)
        self._part = (self._part + 1) % len(self.panels_in_order)
        if self._part == 0:
            self.redraws += 1

    def redraw(self) -> None:
        """Every panel at once, at the shown step."""
        shown = self.shown_step()
        self._draw_status(shown)
        for part in range(len(self.panels_in_order)):
            self._draw_part(part, shown)

    def _draw_status(self, shown: int) -> None:
        self.timelineSlider.blockSignals(True)
        self.timelineSlider.setMaximum(self.newest_step())
        self.timelineSlider.setValue(shown)
        self.timelineSlider.blockSignals(False)
        self.stepLabel.setText(str(shown))
        self._update_inspector(shown)

    def _draw_part(self, part: int, shown: int) -> None:
        """Panel `part` (trajectory, loss, rates, gradient norms) up to step `shown`."""
        for i, (history, run) in enumerate(zip(self.histories, self.experiment.runs)):
            if history.count == 0:
                continue
            end = history.index_at(shown) + 1
            steps = history.get("step")[:end]
            network = self.network is not None
            if part == 0:
                if not network:
                    self.trajectory.set_run_path(i, history.get("params")[:end], run.visible)
                elif i == self.selected_run and not self.lossSliceButton.isChecked():
                    self.trajectory.set_boundary(history.get("params")[end - 1])
            elif part == 1:
                loss = history.get("extra.train_loss" if network else "loss")[:end]
                self.loss_panel.set_run_data(i, steps, [loss], run.visible)
            elif part == 2:
                rates = history.get("extra.lr_eff_layers")[:end, :, 1] if network else history.get("lr_eff")[:end]
                self.lr_panel.set_run_data(i, steps, list(rates.T), run.visible)
            else:
                norms = (history.get("extra.grad_norm_layers")[:end].T if network
                         else [np.linalg.norm(history.get("grad")[:end], axis=1)])
                self.grad_panel.set_run_data(i, steps, list(norms), run.visible)
        if part:
            self.time_panels[part - 1].set_cursor(shown)

    def _update_inspector(self, shown: int) -> None:
        if not self.histories or self.selected_run >= len(self.histories):
            return
        history = self.histories[self.selected_run]
        if history.count == 0:
            return
        row = history.current if history.current is not None and history.last_step <= shown else \
            history.row(history.index_at(shown))
        run = self.experiment.runs[self.selected_run]
        self._update_equation(history, row, run)
        if self.network is not None:
            self.inspector.setHtml("<br>".join(self._network_lines(run, row)))
            return
        surface = self.surface
        point = np.asarray(row["params"], dtype=float)

        def vec(v):
            return "(" + ", ".join(f"{x:.5g}" for x in np.atleast_1d(v)) + ")"
        rule = get_optimizer(run.optimizer).rule.split("\n\n")[0].replace("\n", "<br>")
        lines = [f"<b>{run.label}</b> — step {int(row['step'])}",
                 f"<i>update rule:</i> <span style='font-family: monospace'>{rule}</span>",
                 f"θ = {vec(point)}   f = {float(row['loss']):.6g}",
                 f"g = {vec(row['grad'])}",
                 f"η(k) = {float(row['lr']):.4g}   effective rate = {vec(row['lr_eff'])}",
                 f"Δθ = {vec(row['update'])}"]
        for name, value in row["state"].items():
            lines.append(f"{name} = {vec(value)}")
        if np.all(np.isfinite(point)):
            with np.errstate(all="ignore"):
                hess = surface.hessian(point)
            if np.all(np.isfinite(hess)):
                eig = np.linalg.eigvalsh(hess)
                cond = abs(eig).max() / abs(eig).min() if abs(eig).min() > 0 else float("inf")
                lines.append(f"Hessian eigenvalues {vec(eig)}, condition number {cond:.4g}: "
                             f"{surface.classify(point)}-like curvature")
        if history.status == "diverged":
            lines.append(f"<span style='color:#c00'>diverged at step {history.diverged_at}: {history.reason}</span>")
        self.inspector.setHtml("<br>".join(lines))

    def _update_equation(self, history: RunHistory, row: dict, run) -> None:
        """The selected run's update rule with the numbers of the step shown, for one parameter."""
        panel = self.equation_panel
        if not panel.isVisible():
            return
        network = self.network
        panel.set_parameters(parameter_names(network.mlp if network is not None else None))
        k, index = int(row["step"]), panel.index
        title = f"{run.label}, step {k}: {panel.parameterCombo.currentText()}"
        point = np.asarray(row["params"], dtype=float)
        if not np.all(np.isfinite(point)) or not np.all(np.isfinite(np.asarray(row["update"], dtype=float))):
            panel.show_message(title, "This run has diverged: there is no finite step to show.")
            return
        previous = None
        if k > 0:
            before = history.row(history.index_at(k - 1))
            if int(before["step"]) != k - 1:
                panel.show_message(title, "This part of a long run is kept thinned, without every step's "
                                          "optimizer state: step back near the end, or reset, to see the numbers.")
                return
            previous = before["state"]
        hessian = None
        if get_optimizer(run.optimizer).needs_hessian:
            with np.errstate(all="ignore"):
                hessian = network.hessian(point, k) if network is not None else self.surface.hessian(point)
        lines = explain(run.optimizer, run.hparams, row, previous, index, clip=self.experiment.clip, hessian=hessian)
        panel.show_lines(title, lines)

    def _loss_slice_toggled(self, on: bool) -> None:
        if self.network is None or not self.histories:
            return
        if not on:
            self.trajectory.set_network(self.network, self.view)
            self._dirty = True
            return
        self.playButton.setChecked(False)
        history = self.histories[self.selected_run]
        end = history.index_at(self.shown_step()) + 1
        path = history.get("params")[:end]
        center = path[-1]
        d1, d2 = self.network.directions(center, "random", seed=0)
        span = 1.2 * max(1.0, float(np.abs(np.linalg.lstsq(np.column_stack([d1, d2]), (path - center).T,
                                                            rcond=None)[0]).max()))
        self.trajectory.show_loss_slice(self.network.loss_slice(center, d1, d2, span=span, n=25, path=path),
                                        self.experiment.runs[self.selected_run].color)

    def _network_lines(self, run, row) -> list[str]:
        extra = row.get("extra", {})
        lines = [f"<b>{run.label}</b> — iteration {int(row['step'])}, epoch {int(extra.get('epoch', 0))}",
                 f"training loss (all data) {float(extra.get('train_loss', np.nan)):.6g}, "
                 f"batch loss {float(row['loss']):.6g}",
                 f"training accuracy {float(extra.get('train_accuracy', np.nan)):.3f}",
                 f"η(k) = {float(row['lr']):.4g}"]
        for i, (g, w, r, rates) in enumerate(zip(extra.get("grad_norm_layers", []), extra.get("weight_norm_layers", []),
                                                 extra.get("update_ratio_layers", []), extra.get("lr_eff_layers", [])),
                                             start=1):
            lines.append(f"layer {i}: ‖g‖ {g:.3g}, ‖W,b‖ {w:.3g}, ‖Δ‖/‖θ‖ {r:.3g}, "
                         f"rate min/median/max {rates[0]:.3g} / {rates[1]:.3g} / {rates[2]:.3g}")
        return lines

    def _say(self, text: str) -> None:
        self.statusLabel.setText(text)

    # --- files, view -------------------------------------------------------------------------------
    def save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save experiment", "experiment.json", "GradSim experiments (*.json)")
        if path:
            self.save_experiment(path)

    def save_experiment(self, path: str) -> bool:
        try:
            self.experiment.save(path)
        except OSError as error:
            QMessageBox.warning(self, "Save experiment", f"Could not save {path}: {error.strerror or error}")
            return False
        self._say(f"saved {path}")
        return True

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open experiment", "", "GradSim experiments (*.json)")
        if path:
            self.open_experiment(path)

    def open_experiment(self, path: str) -> bool:
        """Load an experiment; a bad file leaves the current one untouched and says why."""
        try:
            experiment = Experiment.load(path)
        except ValueError as error:
            self._say(f"could not open {path}")
            QMessageBox.warning(self, "Open experiment", str(error))
            return False
        self.load_experiment(experiment)
        return True

    def load_experiment(self, experiment: Experiment, play: bool = False, view=None, until=None) -> None:
        """Show `experiment` (checked already) from its start; `play` runs it as soon as it is ready;
        `view` (xmin, xmax, ymin, ymax) frames the trajectory panel."""
        self.experiment = experiment
        self.view = view
        self.until = until
        self.selected_run = 0
        self._load_into_controls()
        self.reset()
        self.until = None  # a lesson's condition holds for its own scene only
        self._play_when_ready = play

    def play_when_ready(self) -> None:
        """Play now, or as soon as every run has reported its start."""
        if self.ready:
            self.playButton.setChecked(True)
        else:
            self._play_when_ready = True

    # --- lessons -----------------------------------------------------------------------------------
    def browse_lessons(self) -> None:
        browser = LessonBrowser(load_lessons(), self)
        if browser.exec() and browser.chosen() is not None:
            self.start_lesson(browser.chosen())

    def start_lesson(self, lesson) -> None:
        self.lesson_player.start(lesson)
        # A clicker sends Page Down/Up and arrows: keep them away from editors that would use them.
        self.lesson_player.nextButton.setFocus()

    def show_panels(self, names) -> None:
        """Show only the named panels (a lesson step's choice); "equationDock" is the update rule."""
        self._arrange_panels([panel.widget for panel in (self.trajectory, *self.time_panels)
                              if panel.widget.objectName() in names])
        self.equation_panel.setVisible("equationDock" in names)
        if "equationDock" in names and self.lesson_player.isVisible():
            self.splitDockWidget(self.lesson_player, self.equation_panel, Qt.Vertical)

    def show_controls(self, names=CONTROLS) -> None:
        """In presenter mode, only the named controls of the transport bar (and the run editors
        for "editors"); outside it, all of them."""
        names = set(CONTROLS if not self.presenting else names)
        for name, actions in self.control_actions.items():
            for act in actions:
                act.setVisible(name in names)
        self.findChild(QDockWidget, "controlsDock").setVisible("editors" in names)

    def set_presenter(self, on: bool) -> None:
        """Full screen, large text, only the lesson and the panels the step names."""
        if on == self.presenting:
            return
        self.presenting = on
        step = self.lesson_player.current_step()
        self.show_controls(step.scene.controls if step is not None else Scene.controls)
        self.scale_fonts(1.6 if on else 1 / 1.6)
        # projected text needs room: the lesson may take up to two fifths of the screen
        self.lesson_player.setMaximumWidth(max(520, int(0.4 * self.screen().size().width())) if on else 520)
        if on:
            self.showFullScreen()
        else:
            self.showNormal()

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def scale_fonts(self, factor: float) -> None:
        """Larger or smaller text everywhere, for a projector."""
        self._font_scale = min(3.0, max(0.6, self._font_scale * factor))
        font = QFont(QApplication.font())
        font.setPointSizeF(10 * self._font_scale)
        self.setFont(font)
        for widget in (self.trajectory.widget, *(p.widget for p in self.time_panels)):
            for axis in ("left", "bottom"):
                widget.getPlotItem().getAxis(axis).setStyle(tickFont=font)
        for panel in self.time_panels:
            legend = panel.widget.getPlotItem().legend
            legend.opts["labelTextSize"] = f"{8 * self._font_scale:.0f}pt"  # for the labels made from now on
            for _, label in legend.items:
                label.setText(label.text, size=legend.opts["labelTextSize"])
            for curves in panel.curves:
                for curve in curves:
                    pen = curve.opts["pen"]
                    pen.setWidthF(2 * self._font_scale)
                    curve.setPen(pen)
        self.trajectory.point_size = 7 * self._font_scale  # a network's data, seen from the back row
        self.trajectory.data_points.setSize(self.trajectory.point_size)
        for path in self.trajectory.paths:
            pen = path.opts["pen"]
            pen.setWidthF(2 * self._font_scale)
            path.setPen(pen)

    # --- export ----------------------------------------------------------------------------------
    def panel_widget(self, name: str):
        return {"trajectoryPlot": self.trajectory.widget, "lossPlot": self.loss_panel.widget,
                "lrPlot": self.lr_panel.widget, "gradNormPlot": self.grad_panel.widget}[name]

    def export_panel_dialog(self, name: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export panel", f"{name}.png", "PNG image (*.png);;SVG drawing (*.svg)")
        if path:
            self._try_export(lambda: export_plot(self.panel_widget(name), path), path)

    def export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export runs", "runs.csv", "CSV (*.csv)")
        if path:
            self._try_export(lambda: self.export_csv(path), path)

    def export_gif_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export animation", "trajectory.gif", "GIF (*.gif)")
        if path:
            self._try_export(lambda: self.export_gif(path), path)

    def _try_export(self, export, path: str) -> bool:
        try:
            export()
        except (OSError, ValueError) as error:
            QMessageBox.warning(self, "Export", f"Could not write {path}: {getattr(error, 'strerror', None) or error}")
            return False
        self._say(f"wrote {path}")
        return True

    def export_csv(self, path: str) -> None:
        write_atomically(path, runs_csv(self.histories, [run.optimizer for run in self.experiment.runs]))

    def export_gif(self, path: str, frames: int = 48) -> None:
        """The trajectory panel at evenly spaced steps up to the one shown, as a looping GIF."""
        self.playButton.setChecked(False)
        shown, keep = self.shown_step(), self.display_step
        images = []
        for step in np.unique(np.linspace(0, shown, frames).astype(int)):
            self.display_step = int(step)
            self.redraw()
            images.append(widget_image(self.trajectory.widget))
        self.display_step = keep
        self.redraw()
        save_gif(images, path)

    def toggle_theme(self) -> None:
        """Light (for projectors) or dark plots."""
        dark = self.darkAction.isChecked()
        background, foreground = ("k", "w") if dark else ("w", "k")
        for widget in (self.trajectory.widget, *(p.widget for p in self.time_panels)):
            widget.setBackground(background)
            item = widget.getPlotItem()
            for axis in ("left", "bottom"):
                item.getAxis(axis).setPen(foreground)
                item.getAxis(axis).setTextPen(foreground)
            item.titleLabel.setText(item.titleLabel.text, color=foreground)

    def closeEvent(self, event) -> None:
        self.redraw_timer.stop()
        self.worker.shutdown()
        super().closeEvent(event)
