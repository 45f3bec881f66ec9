"""The window when its session fails: what it says, and when it stops restarting (the session in this
process; tests/test_gui_session.py kills and stops real child processes)."""
from gradsim.app import protocol as p
from gradsim.app.session import Session
from gradsim.gui.controller import MAX_RESTARTS, RESTART_WINDOW


def test_an_error_inside_the_session_is_shown_and_playing_stops(window, qtbot, monkeypatch):
    window.transport.playButton.click()
    qtbot.waitUntil(lambda: window.newest_step() > 5, timeout=20000)
    monkeypatch.setattr(Session, "_step_slice", lambda self: 1 / 0)
    qtbot.waitUntil(lambda: not window.model.playing, timeout=20000)
    assert window.model.status.startswith("the simulation stopped at step ")
    assert window.model.status.endswith(": ZeroDivisionError: division by zero")
    assert window.model.log[-1].kind == "error" and window.model.log[-1].text == window.model.status
    assert not window.transport.playButton.isChecked()


def test_a_session_lost_again_and_again_is_not_restarted_for_ever(window, qtbot):
    controller = window.controller
    for _ in range(MAX_RESTARTS + 1):  # something kills every new one at once
        controller.client.died.emit("the simulation stopped unexpectedly")
    assert controller.client is None
    assert window.model.log[-1].text.endswith(f"lost {MAX_RESTARTS + 1} times within {RESTART_WINDOW:g} s, so it is "
                                              "not restarted again (reset or open an experiment to try again)")
    assert window.model.status == "the simulation stopped: the simulation stopped unexpectedly"
    window.model.reset()  # the user tries again: a new session
    qtbot.waitUntil(lambda: controller.client is not None and window.ready, timeout=20000)
    controller.client.died.emit("the simulation stopped unexpectedly")  # once more: restarted, as usual
    qtbot.waitUntil(lambda: window.ready, timeout=20000)
    assert controller.client is not None


def test_the_speed_shown_is_what_the_session_achieves_when_it_is_slower_than_asked(window, qtbot):
    window.transport.set_speed(1000)
    window.model.play(True)
    qtbot.waitUntil(lambda: window.model.playing, timeout=20000)
    window.model._on_chunk(p.Chunk(window.model.generation, {}, 120.0))  # the session's measured speed
    assert window.transport.speedLabel.text() == "120/s of 1,000"
