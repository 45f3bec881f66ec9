"""What the GUI monkey (tests/test_monkey.py) found, each as its own regression test."""
from PySide6.QtWidgets import QComboBox

from gradsim.experiment import Experiment, RunConfig


def test_a_swarm_on_screen_while_a_network_gives_way_to_a_surface_waits_for_the_new_runs(window, qtbot):
    """Loading an experiment announces the selection before the session has built the new runs:
    the ensemble views must not read the old problem's info (a network's, without a start) as the
    new surface's."""
    window.load_experiment(Experiment(dataset="xor", runs=[RunConfig("sgd", {"lr": 0.5})]).validate())
    qtbot.waitUntil(lambda: window.ready and window.model.info.kind == "network", timeout=20000)
    view = window.findChild(QComboBox, "viewCombo")
    view.setCurrentIndex(view.findData("swarm"))
    window.load_experiment(Experiment(surface="quadratic", runs=[RunConfig("sgd", {"lr": 0.1})]).validate())
    qtbot.waitUntil(lambda: window.ready and window.model.info.kind == "surface", timeout=20000)
    qtbot.waitUntil(lambda: window.controller.ensembles.results["swarm"] is not None, timeout=30000)
