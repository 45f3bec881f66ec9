"""The panels tell the truth: what is drawn is checked against the runs' traces, offscreen, no sleeps."""
import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QSlider, QWidget

import gradsim
from gradsim.experiment import Experiment, RunConfig

pytestmark = pytest.mark.usefixtures("no_leftover_threads")


def named(win, name, kind=QWidget):
    widget = win.findChild(kind, name)
    assert widget is not None, name
    return widget


def play_until(win, qtbot, done, timeout=30000, speed=0):
    win.transport.set_speed(speed)  # 0: flat out
    named(win, "playButton").setChecked(True)
    qtbot.waitUntil(done, timeout=timeout)
    named(win, "playButton").setChecked(False)


def load(win, qtbot, experiment):
    win.load_experiment(experiment.validate())
    qtbot.waitUntil(lambda: win.ready and win.model.info is not None, timeout=20000)


def watch(area, part, check):
    """Call check() after every drawing of panel `part` (0 trajectory, 1 loss, 2 rates, 3 gradient norms)."""
    original = area.draw_part
    calls = []

    def drawn(index, shown):
        original(index, shown)
        if index == part:
            calls.append(shown)
            check(shown)
    area.draw_part = drawn
    return calls


def labelled_ticks(panel):
    """The y axis's labelled ticks as (pixel position, text), as the axis would draw them now."""
    axis = panel.axis
    low, high = panel.box.viewRange()[1]
    size = axis.geometry().height()
    out = []
    for spacing, values in axis.tickValues(low, high, size):
        for value, text in zip(values, axis.tickStrings(values, 1.0, spacing)):
            if text:
                out.append(((value - low) / (high - low) * size, text))
    return sorted(out)


def no_labels_overlap(panel):
    from PySide6.QtGui import QFontMetricsF
    height = QFontMetricsF(panel.axis.style["tickFont"] or panel.axis.font()).height()
    positions = [p for p, _ in labelled_ticks(panel)]
    return len(positions) >= 2 and min(b - a for a, b in zip(positions, positions[1:])) >= height


def sign_changes(values):
    signs = np.sign(values)
    signs = signs[signs != 0]
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


def test_a_zig_zag_is_drawn_with_every_reversal_at_every_redraw(window, qtbot):
    # gradient descent at lr 0.19 on the quadratic (b = 10) flips y's sign on every step
    load(window, qtbot, Experiment(surface="quadratic", start=(-2.5, 1.5), runs=[RunConfig("sgd", {"lr": 0.19})]))
    area = window.plot_area
    reference = gradsim.simulate(surface="quadratic", optimizer="sgd", hparams={"lr": 0.19}, start=(-2.5, 1.5),
                                 steps=2500).params

    def check(shown):
        x, y = area.trajectory.paths[0].getData()
        (x0, x1), (y0, y1) = area.trajectory.box.viewRange()
        end = window.histories[0].index_at(shown) + 1
        truth = reference[:end]
        inside = (truth[:, 0] >= x0) & (truth[:, 0] <= x1) & (truth[:, 1] >= y0) & (truth[:, 1] <= y1)
        drawn_inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        assert sign_changes(y[drawn_inside]) == sign_changes(truth[inside, 1])
        assert set(map(tuple, np.column_stack([x, y]))) <= set(map(tuple, truth))  # nothing made up
    calls = watch(area, 0, check)
    play_until(window, qtbot, lambda: window.newest_step() >= 2000, speed=1000)  # several redraws a second
    area.trajectory.box.setRange(xRange=(-0.3, 0.05), yRange=(-0.02, 0.02), padding=0)  # zoomed in too
    area.redraw()
    assert len(calls) > 4


def test_curves_are_the_trace_at_every_redraw_to_the_newest_step(window, qtbot):
    """What each time panel draws is the trace: its points are rows of the runs, every pixel column
    shows the lowest and highest value the run took there, and each curve ends at the newest row."""
    area = window.plot_area
    runs = window.experiment.runs
    traces = [gradsim.simulate(surface="rosenbrock", optimizer=run.optimizer, hparams=run.hparams,
                               start=(-1.2, 1.0), steps=6000) for run in runs]
    checked = []

    def check_panel(panel, values_of):
        def check(shown):
            x0, x1 = panel.box.viewRange()[0]
            columns = int(panel.box.width())
            for i, run in enumerate(panel.runs):
                x, y = run.curves[0].getData()
                history = window.histories[i]
                last = int(history.get("step")[history.index_at(shown)])
                assert x[-1] == last  # ends at the newest row shown, exactly
                truth = values_of(traces[i])[:last + 1]
                np.testing.assert_array_equal(y, panel.scale.transform(truth[x.astype(int)]))
                # per pixel column of the window, the drawn extremes are the trace's
                steps = np.arange(last + 1)
                column = np.floor((steps - x0) / ((x1 - x0) / columns))
                drawn_column = np.floor((x - x0) / ((x1 - x0) / columns))
                for c in np.unique(column)[:-1:7]:
                    values = truth[column == c]
                    shown_values = truth[x[drawn_column == c].astype(int)]
                    assert shown_values.min() == values.min() and shown_values.max() == values.max()
            checked.append(shown)
        return check
    watch(area, 1, check_panel(area.loss_panel, lambda t: t.loss))
    watch(area, 3, check_panel(area.grad_panel, lambda t: np.linalg.norm(t.grad, axis=1)))
    play_until(window, qtbot, lambda: window.newest_step() >= 4000, speed=2000)
    assert len(checked) >= 10


def test_negative_losses_are_drawn_on_a_scale_that_shows_them(window, qtbot):
    combo = named(window, "problemCombo")
    combo.setCurrentIndex(combo.findData("styblinski_tang"))
    qtbot.waitUntil(lambda: window.ready and window.model.info.minimum is not None, timeout=20000)
    play_until(window, qtbot, lambda: window.newest_step() >= 300)
    area = window.plot_area
    area.redraw()
    panel = area.loss_panel
    assert panel.scale.mode == "gap" and "f* = -78.33" in panel.axis.labelText
    for log_panel in (panel, area.lr_panel, area.grad_panel):  # two decades or thirty: labels never crowd
        assert log_panel.scale.logarithmic and no_labels_overlap(log_panel), labelled_ticks(log_panel)
    for run in panel.runs:
        x, y = run.curves[0].getData()
        assert len(x) > 100 and np.all(np.isfinite(y))
    # the saddle has no minimum: its loss goes below −1 and is drawn there
    combo.setCurrentIndex(combo.findData("saddle"))
    qtbot.waitUntil(lambda: window.ready and window.experiment.surface == "saddle", timeout=20000)
    play_until(window, qtbot, lambda: window.histories[2].get("loss").min() < -5)
    area.redraw()
    assert panel.scale.mode in ("symlog", "linear")
    x, y = panel.runs[2].curves[0].getData()
    assert np.all(np.isfinite(y)) and panel.scale.inverse(y).min() < -5
    low, high = panel.box.viewRange()[1]
    assert low <= panel.scale.transform(np.array([-5.0]))[0] < high


def test_a_loss_that_underflows_never_stretches_the_axis(window, qtbot):
    load(window, qtbot, Experiment(surface="quadratic", start=(-2.5, 1.5), runs=[RunConfig("sgd", {"lr": 0.1})]))
    play_until(window, qtbot, lambda: window.newest_step() >= 3000)  # reaches exact 0 (1e-300 and below)
    assert window.histories[0].get("loss").min() < 1e-250
    window.plot_area.redraw()
    panel = window.plot_area.loss_panel
    low, high = panel.box.viewRange()[1]
    assert panel.scale.mode == "log" and high - low < 40  # about thirty decades, not two hundred and fifty
    assert panel.axis.labelText == "loss, log scale"  # short and plain; the key under the plot says the rest
    note = panel.key.entries[-1][-1]
    assert note.startswith("loss below 1e-") and " drawn at 1e-" in note
    assert no_labels_overlap(panel)


def test_the_loss_scale_can_be_chosen(window, qtbot):
    play_until(window, qtbot, lambda: window.newest_step() >= 50)
    window.findChild(QAction, "lossScale_linear").trigger()
    window.plot_area.redraw()
    panel = window.plot_area.loss_panel
    assert panel.scale.mode == "linear" and panel.axis.labelText == "loss"
    window.findChild(QAction, "lossScale_auto").trigger()
    window.plot_area.redraw()
    assert panel.scale.mode == "log"


def test_contours_are_computed_again_for_the_window_shown(window, qtbot):
    trajectory = window.plot_area.trajectory
    qtbot.waitUntil(lambda: trajectory.field is not None, timeout=10000)
    first = trajectory.field
    assert first.values.shape == (int(trajectory.box.height()), int(trajectory.box.width()))
    trajectory.box.setRange(xRange=(0.5, 1.2), yRange=(0.3, 1.4), padding=0)  # zoom into the valley
    qtbot.waitUntil(lambda: trajectory.field is not first, timeout=10000)
    field = trajectory.field
    np.testing.assert_allclose(field.view, (0.5, 1.2, 0.3, 1.4), atol=1e-9)
    assert field.values.shape == (int(trajectory.box.height()), int(trajectory.box.width()))  # screen pixels
    rect = trajectory.image.mapRectToParent(trajectory.image.boundingRect())
    assert (rect.left(), rect.right()) == pytest.approx((0.5, 1.2)) and (rect.top(), rect.bottom()) == pytest.approx((0.3, 1.4))
    assert trajectory.colorbar.isVisible() and trajectory.field_levels.log
    item = trajectory.widget.getPlotItem()
    assert item.getAxis("bottom").labelText == "x" and item.getAxis("left").labelText == "y"
    assert "minimum" in [entry[-1] for entry in trajectory.key.entries]


def hover(widget, point: QPoint):
    event = QMouseEvent(QEvent.MouseMove, QPointF(point), QPointF(widget.viewport().mapToGlobal(point)),
                        Qt.NoButton, Qt.NoButton, Qt.NoModifier)
    QApplication.sendEvent(widget.viewport(), event)


def test_read_outs_follow_the_mouse_stay_inside_and_hide_when_it_leaves(window, qtbot):
    window.resize(1400, 900)
    play_until(window, qtbot, lambda: window.newest_step() >= 200)
    window.plot_area.redraw()
    for panel in (window.plot_area.loss_panel, window.plot_area.trajectory):
        widget, readout = panel.widget, panel.readout
        box = widget.getPlotItem().vb
        area = box.sceneBoundingRect()
        for fx, fy in ((0.5, 0.5), (0.98, 0.03), (0.02, 0.97)):  # middle and corners: the text stays inside
            scene = QPointF(area.left() + fx * area.width(), area.top() + fy * area.height())
            hover(widget, widget.mapFromScene(scene))
            assert readout.visible, panel
            text = readout.item.mapRectToScene(readout.item.boundingRect())
            assert area.adjusted(-1, -1, 1, 1).contains(text), (fx, fy)
        QApplication.sendEvent(widget.viewport(), QEvent(QEvent.Leave))
        assert not readout.visible
    assert "Adam (η=0.05)" in window.plot_area.loss_panel.readout.item.toPlainText()


def test_the_network_view_reads_out_a_point_its_class_and_the_predicted_probability(window, qtbot):
    combo = named(window, "problemCombo")
    combo.setCurrentIndex(combo.findData("moons"))
    qtbot.waitUntil(lambda: window.ready and window.model.info.kind == "network", timeout=20000)
    named(window, "stepButton").click()
    qtbot.waitUntil(lambda: window.model.boundary is not None, timeout=20000)
    trajectory = window.plot_area.trajectory
    info = window.model.info
    point = info.points[0]
    hover(trajectory.widget, trajectory.widget.mapFromScene(trajectory.box.mapViewToScene(QPointF(*point))))
    text = trajectory.readout.item.toPlainText()
    assert f"class {int(info.targets[0])}" in text and "P(class 1)" in text
    # classes are told apart by grey and shape, never by a run's colour
    brushes = {spot.brush().color().name() for spot in trajectory.data_points.points()}
    assert not brushes & {run.color for run in window.experiment.runs}


def test_the_legend_is_outside_the_plots_live_and_marks_a_diverged_run(window, qtbot):
    legend = window.plot_area.legend
    for panel in window.plot_area.panels:
        assert not panel.widget.isAncestorOf(legend)
    assert legend.labels() == [window.model.label(i) for i in range(3)]
    load(window, qtbot, Experiment(surface="quadratic", runs=[RunConfig("sgd", {"lr": 0.25}), RunConfig("sgd", {"lr": 0.05})]))
    assert legend.labels() == ["Gradient descent (η=0.25)", "Gradient descent (η=0.05)"]
    play_until(window, qtbot, lambda: window.histories[0].status == "diverged")
    window.plot_area.redraw()
    assert "diverged at step" in legend.plain_text()
    assert window.plot_area.loss_panel.runs[0].curves[0].opts["pen"].color().alpha() < 255  # faded
    assert window.plot_area.loss_panel.runs[1].curves[0].opts["pen"].color().alpha() == 255
    item = named(window, "runList").item(0)
    assert "diverged at step" in item.text() and "2/λmax" in item.toolTip()


def test_the_message_log_keeps_both_divergences_with_their_steps_and_reasons(window, qtbot):
    load(window, qtbot, Experiment(surface="quadratic", runs=[RunConfig("sgd", {"lr": 0.25}), RunConfig("sgd", {"lr": 0.3}),
                                                                 RunConfig("adam", {"lr": 0.1})]))
    play_until(window, qtbot, lambda: all(h.status == "diverged" for h in window.histories[:2]))
    rows = {row[1]: row for row in window.message_log.entries() if row[2] == "diverged"}
    assert sorted(rows) == ["1", "2"]  # the faster one first, and neither overwrites the other
    for run, history in zip(("1", "2"), window.histories[:2]):
        assert rows[run][0] == str(history.diverged_at) and "2/λmax" in rows[run][3]
    status = named(window, "statusLabel", QLabel).text()
    assert "diverged" in status  # the status line shows the newest; the log keeps both
    window.resize(1024, 768)  # a small screen: the newest message is cut short, not hidden behind "»"
    label = window.transport.statusLabel
    qtbot.waitUntil(label.isVisible)
    shown = QLabel.text(label)
    assert shown == status or (shown.endswith("…") and status.startswith(shown[:-1]))
    assert label.toolTip() == status
    named(window, "runList").setCurrentRow(2)
    named(window, "hp_eps").setValue(0.0)
    refused = window.message_log.entries()[-1]
    assert refused[2] == "refused" and refused[3].startswith("eps: ")


def test_a_refused_formula_stays_in_its_editor_with_the_error_at_its_column(window, qtbot):
    combo = named(window, "problemCombo")
    combo.setCurrentIndex(combo.findData("custom"))
    qtbot.waitUntil(lambda: window.ready and window.experiment.surface == "custom", timeout=20000)
    editor = named(window, "sp_expr")
    editor.setText("x**2 + * y")
    editor.editingFinished.emit()
    assert editor.text() == "x**2 + * y"  # not thrown away
    reason = named(window, "problemReason", QLabel)
    assert reason.isVisible() and "column 8" in reason.text() and "^" in reason.text()
    assert editor.cursorPosition() == 7
    assert window.message_log.entries()[-1][3].startswith("problem expr: ")
    editor.setText("x**2 + 4*y**2")
    editor.editingFinished.emit()  # compiled off the GUI thread, then applied
    qtbot.waitUntil(lambda: window.experiment.surface_params.get("expr") == "x**2 + 4*y**2", timeout=20000)
    assert not reason.isVisible()


def test_before_the_first_step_the_time_axes_show_the_first_steps(window, qtbot):
    named(window, "resetButton").click()
    qtbot.waitUntil(lambda: window.ready and window.newest_step() == 0)
    window.plot_area.redraw()
    for panel in window.plot_area.time_panels[:3]:
        (x0, x1), _ = panel.box.viewRange()
        assert -1 < x0 <= 0 and 10 <= x1 <= 11
        axis = panel.widget.getPlotItem().getAxis("bottom")
        assert axis.labelText == "step" and axis.autoSIPrefixScale == 1.0  # no "(x0.001)"


def test_clipping_draws_its_threshold_and_the_clipped_norm(window, qtbot):
    clip = named(window, "clipCombo")
    clip.setCurrentIndex(clip.findData("norm"))
    named(window, "clipThreshold").setValue(2.0)
    qtbot.waitUntil(lambda: window.ready and window.experiment.clip == {"norm": 2.0}, timeout=20000)
    play_until(window, qtbot, lambda: window.newest_step() >= 100)
    window.plot_area.redraw()
    panel = window.plot_area.grad_panel
    assert [part.name for part in panel.parts] == ["raw", "clipped"]
    assert panel.threshold_line.isVisible() and panel.threshold_line.value() == pytest.approx(np.log10(2.0))
    raw = panel.scale.inverse(panel.runs[0].curves[0].getData()[1])
    clipped = panel.scale.inverse(panel.runs[0].curves[1].getData()[1])
    assert raw.max() > 2.0 and clipped.max() <= 2.0 * (1 + 1e-9)
    assert "clipping threshold 2" in [entry[-1] for entry in panel.key.entries]
    # drawn over the curves: the clipped norms lie along it and would hide it
    assert all(panel.threshold_line.zValue() > curve.zValue() for run in panel.runs for curve in run.curves)


def test_held_out_data_shows_its_loss_and_accuracy_beside_the_training_ones(window, qtbot):
    experiment = Experiment(dataset="moons", dataset_params={"test_fraction": 0.25}, model={"hidden": [8], "loss": "bce"},
                            runs=[RunConfig("adam", {"lr": 0.02})])
    load(window, qtbot, experiment)
    for expected in range(1, 6):
        named(window, "stepButton").click()
        qtbot.waitUntil(lambda: window.newest_step() == expected, timeout=10000)
    area = window.plot_area
    area.redraw()
    assert [part.name for part in area.loss_panel.parts] == ["training", "test"]
    assert area.accuracy_panel.widget.isVisible()
    history = window.histories[0]
    x, y = area.accuracy_panel.runs[0].curves[1].getData()
    np.testing.assert_array_equal(y, history.get("extra.test_accuracy"))
    x, y = area.loss_panel.runs[0].curves[1].getData()
    np.testing.assert_allclose(10 ** y, history.get("extra.test_loss"), rtol=1e-12)
    # five panels on a 1024×768 screen: each plot fits its widget (long titles cut short with …)
    window.resize(1024, 768)
    shown = [panel.widget for panel in area.panels if panel.widget.isVisible()]
    assert len(shown) == 5
    qtbot.waitUntil(lambda: all(w.getPlotItem().width() <= w.width() + 1 for w in shown))
    titles = [w.getPlotItem().titleLabel.text for w in shown]
    assert any(title.endswith("…") for title in titles) and titles[0].startswith("Decision regions")


def test_dark_theme_and_text_scale_reach_every_widget_and_every_plot_element(window, qtbot):
    from PySide6.QtGui import QPalette
    area = window.plot_area
    title = area.loss_panel.widget.getPlotItem().titleLabel
    label_before = area.loss_panel.widget.getPlotItem().getAxis("left").labelStyle["font-size"]
    tick_before = area.loss_panel.widget.getPlotItem().getAxis("left").style["tickFont"].pointSizeF()
    legend_before = area.legend.font().pointSizeF()
    dock = window.findChild(QWidget, "controlsDock")
    dock_before = dock.minimumWidth()
    for _ in range(3):
        window.findChild(QAction, "zoomInAction").trigger()
    assert "15" in title.opts["size"] or float(title.opts["size"][:-2]) > 15
    assert area.loss_panel.widget.getPlotItem().getAxis("left").labelStyle["font-size"] != label_before
    assert area.loss_panel.widget.getPlotItem().getAxis("left").style["tickFont"].pointSizeF() > tick_before
    assert area.legend.font().pointSizeF() > legend_before
    qtbot.waitUntil(lambda: dock.minimumWidth() > dock_before)  # widened once the larger text is laid out
    assert area.trajectory.paths[0].opts["pen"].widthF() > 2.0
    window.resize(1024, 768)  # a small screen at large text: the keys wrap, nothing is cut at a panel's edge,
    qtbot.waitUntil(lambda: area.width() >= 0.55 * window.width())  # and the controls leave the plots room
    for panel in area.panels:
        qtbot.waitUntil(lambda: all(right <= panel.key.boundingRect().width() for _, right in panel.key.extents()))
        lines = max((line for *_, line in panel.key.layout_entries()), default=-1) + 1
        assert panel.key.boundingRect().height() >= lines * panel.key._line_height()  # and every line shown
    remove = named(window, "removeRunButton", QPushButton)
    qtbot.waitUntil(lambda: remove.width() >= remove.sizeHint().width())  # "Remove run", not "Remo"
    table = window.message_log.table  # the messages keep three rows in sight at the larger text
    qtbot.waitUntil(lambda: table.viewport().height() >= 3 * table.verticalHeader().defaultSectionSize())
    window.darkAction.trigger()
    qtbot.waitUntil(lambda: named(window, "messageTable").palette().color(QPalette.Base).lightness() < 80)
    assert window.transport.palette().color(QPalette.Window).lightness() < 80
    for panel in area.panels:
        assert panel.widget.backgroundBrush().color().lightness() < 80
    assert area.loss_panel.widget.getPlotItem().getAxis("left").textPen().color().lightness() > 180


def test_exports_open_png_at_the_width_asked_svg_csv_and_a_gif_with_early_frames(window, qtbot, tmp_path):
    from PIL import Image
    import xml.etree.ElementTree as ElementTree
    play_until(window, qtbot, lambda: window.newest_step() > 3000)
    png = tmp_path / "loss.png"
    window.files.export_panel("lossPlot", str(png), width=1234)
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width == 1234 and image.height > 300
        assert len(image.getcolors(1 << 20) or []) > 20  # a drawn plot, not a blank page
    svg = tmp_path / "traj.svg"
    window.files.export_panel("trajectoryPlot", str(svg))
    assert ElementTree.parse(svg).getroot().tag.endswith("svg")
    gif = tmp_path / "trajectory.gif"
    job = window.files.start_gif(str(gif), frames=12)
    frames = job.steps
    assert len(frames) == 12 and frames[0] == 0 and frames[-1] == window.shown_step()
    assert sum(step < 100 for step in frames) >= 5  # the fast descent of the first hundred steps is not skipped
    progress = []
    job.progress.connect(lambda done, total: progress.append(done))
    with qtbot.waitSignal(job.finished, timeout=30000):
        pass
    job.wait()
    assert progress[-1] == 12
    with Image.open(gif) as image:
        assert image.format == "GIF" and image.n_frames == 12 and image.info.get("loop") == 0
        image.seek(11)
        assert image.info["duration"] > 500  # the end holds a moment
        # every frame carries its step counter at its top left, under the runs' legend: light box, dark digits
        top = image.height - window.plot_area.trajectory.widget.height()
        counters = []
        for k in range(12):
            image.seek(k)
            box = np.asarray(image.convert("L").crop((10, top + 8, 70, top + 24)), dtype=float)
            assert (box > 200).mean() > 0.5 and box.min() < 100, k
            counters.append(box)
    assert not np.array_equal(counters[0], counters[-1])  # "step 0" is not the last step's counter


def test_playback_starts_slow_enough_to_watch_and_goes_flat_out(window, qtbot):
    speed = named(window, "speedSlider", QSlider)
    assert window.model.speed == pytest.approx(60, rel=0.1)  # about 60 steps a second
    assert named(window, "speedLabel", QLabel).text() == f"{window.model.speed:,.0f}/s"
    speed.setValue(speed.maximum())
    assert window.model.speed == 0 and named(window, "speedLabel", QLabel).text() == "max"


def test_the_message_log_shows_three_messages_at_1024_by_768_and_lesson_events(window, qtbot):
    from gradsim.lessons import load_lessons
    window.resize(1024, 768)
    table = window.message_log.table
    row = table.verticalHeader().defaultSectionSize()
    qtbot.waitUntil(lambda: table.viewport().height() >= 3 * row)  # two divergences and a note, unscrolled
    assert window.plot_area.loss_panel.widget.height() > 200  # and the plots keep their room
    window.start_lesson(next(item for item in load_lessons() if item.path.stem == "02_learning_rate"))
    lessons = [entry for entry in window.message_log.entries() if entry[2] == "lesson"]
    assert lessons and "step 1 of 3" in lessons[-1][3]
    qtbot.waitUntil(lambda: window.ready)
