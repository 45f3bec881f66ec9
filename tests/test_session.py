"""The app's stepping session and experiment files, without Qt."""
import json

import numpy as np
import pytest

from gradsim.app import protocol as p
from gradsim.app.runs import Until, play
from gradsim.app.session import SLICE_SECONDS, TICK_SECONDS, Session
from gradsim.experiment import MAX_RUNS, Experiment, RunConfig


def configured(experiment=None, until=None):
    session = Session()
    replies = session.handle(p.Configure(7, (experiment or Experiment.default()).to_json(), until))
    return session, replies


def collect(session, replies, rows=None):
    """Every run's rows from `replies` appended to `rows` ({run: list of row dicts of arrays})."""
    rows = rows if rows is not None else {}
    for reply in replies:
        if isinstance(reply, p.Chunk):
            for index, chunk in reply.rows.items():
                rows.setdefault(index, []).append(chunk)
    return rows


def played(session, replies=()):
    rows = collect(session, replies)
    session.handle(p.Play(session.generation, True))
    while session.playing:
        collect(session, session.tick(), rows)
    return rows


def joined(pieces, key):
    """A run's column over its chunks, the newest point ("current") last."""
    values = [piece[key] for piece in pieces if len(piece["step"])]
    last = pieces[-1].get("current")
    if last is not None:
        values.append(np.asarray(last[key])[None])
    return np.concatenate(values)


def test_configure_reports_every_start():
    session, replies = configured()
    configured_, chunk = replies
    info = configured_.info
    assert info.kind == "surface" and info.start == (-1.2, 1.0) and info.minimum == 0.0
    assert info.stationary == ((1.0, 1.0, "minimum"),) and info.parameter_names[2] == ("x", "y")
    assert isinstance(chunk, p.Chunk) and chunk.generation == 7 and set(chunk.rows) == {0, 1, 2}
    np.testing.assert_array_equal(chunk.rows[0]["current"]["params"], [-1.2, 1.0])


def test_full_speed_keeps_runs_in_lockstep_and_every_tick_is_short():
    session, _ = configured()
    session.handle(p.Play(7, True))
    for _ in range(5):
        session.tick()
    steps = {stepper.k for stepper in session.steppers}
    assert len(steps) == 1 and steps.pop() > 0


def test_a_step_a_live_change_and_its_acknowledgement():
    session, _ = configured()
    (chunk,) = session.handle(p.StepOnce(7))
    assert all(len(r["step"]) == 1 for r in chunk.rows.values())
    adam = session.steppers[2]
    state = dict(adam.state)
    (accepted,) = session.handle(p.SetHparams(7, 2, {"lr": 0.5}))
    assert isinstance(accepted, p.Accepted) and accepted.step == 1 and accepted.changes == {"lr": 0.5}
    assert accepted.current["lr"] == 0.5  # the newest row again, as the new rate computes it
    assert adam.hparams["lr"] == 0.5 and all(adam.state[k] is state[k] for k in state)
    (rejected,) = session.handle(p.SetHparams(7, 2, {"eps": 0.0}))
    assert isinstance(rejected, p.Rejected) and "eps" in rejected.reason and adam.hparams["eps"] == 1e-8


def test_divergence_and_the_end_are_reported():
    experiment = Experiment(surface="quadratic", runs=[RunConfig("sgd", {"lr": 0.25}), RunConfig("sgd", {"lr": 0.1})],
                            max_steps=300)
    session, _ = configured(experiment)
    session.handle(p.Play(7, True))
    replies = []
    while session.playing:
        replies += session.tick()
    diverged = [r for r in replies if isinstance(r, p.Diverged)]
    assert diverged == [p.Diverged(7, 0, 34, "lr 0.25 is above 2/λmax = 0.2")]
    assert replies[-1] == p.Stopped(7, 300) and session.steppers[1].k == 300


class Clock:
    """A session's clock that moves only when told to, and `per_reading` seconds each time it is read."""

    def __init__(self, per_reading: float = 0.0):
        self.now, self.per_reading = 0.0, per_reading

    def __call__(self) -> float:
        self.now += self.per_reading
        return self.now


def on_clock(clock, experiment=None):
    session = Session(clock)
    session.handle(p.Configure(7, (experiment or Experiment.default()).to_json()))
    return session


def test_speed_limit_in_steps_per_second():
    clock = Clock()
    session = on_clock(clock)
    session.handle(p.Speed(7, 1000.0))
    session.handle(p.Play(7, True))
    clock.now += 1 / 16  # 62.5 steps are owed (binary fractions: no rounding), and the slice never runs out
    session.tick()
    assert [s.k for s in session.steppers] == [62, 62, 62]
    clock.now += 1 / 128  # 7.8125 more
    session.tick()
    assert [s.k for s in session.steppers] == [70, 70, 70]  # the half step owed was kept for this tick


def test_at_any_speed_a_tick_ends_within_its_slice_and_the_speed_shown_is_what_the_machine_does():
    clock = Clock(per_reading=0.001)  # every step costs a millisecond: at most a dozen fit in a slice
    session = on_clock(clock)
    session.handle(p.Speed(7, 1000.0))
    session.handle(p.Play(7, True))
    clock.now += 1.0  # a second of steps is owed: far more than one slice can do
    started = clock.now
    (chunk,) = session.tick()
    assert clock.now - started <= SLICE_SECONDS + 0.002
    done = session.steppers[0].k
    assert 0 < done < 1000 and {s.k for s in session.steppers} == {done}
    assert session._debt == 0.0  # the rest is dropped, not owed: the next tick does not start behind
    steps, began = done, clock.now
    while clock.now - began < 1.0:
        clock.now += TICK_SECONDS
        for reply in session.tick():
            if isinstance(reply, p.Chunk):
                steps += len(reply.rows[0]["step"])
                shown = reply.steps_per_second
    assert 0 < shown < 1000 and shown == session.steps_per_second
    achieved = (session.steppers[0].k - done) / (clock.now - began)
    assert shown == pytest.approx(achieved, rel=0.25)  # what the machine did, not the 1,000 asked for


def test_a_full_speed_tick_is_bounded_by_its_slice_too():
    clock = Clock(per_reading=0.001)
    session = on_clock(clock)
    session.handle(p.Play(7, True))  # speed 0: as fast as the machine goes
    started = clock.now
    session.tick()
    assert clock.now - started <= SLICE_SECONDS + 0.002 and 0 < session.steppers[0].k < 100


def test_a_flat_quadratic_started_far_out_diverges_with_a_reason():
    """a = b = 0: no curvature, so no learning-rate bound 2/λmax (it divided by zero and killed the session)."""
    experiment = Experiment(surface="quadratic", surface_params={"a": 0.0, "b": 0.0}, start=(1e6, 1e6),
                            runs=[RunConfig("sgd", {"lr": 0.1})]).validate()
    session, _ = configured(experiment)
    session.handle(p.Play(7, True))
    replies = session.tick()
    diverged = [r for r in replies if isinstance(r, p.Diverged)]
    assert diverged == [p.Diverged(7, 0, 1, f"the parameters ran past the bound {session.steppers[0].max_param_norm:g}")]
    assert isinstance(replies[-1], p.Stopped) and not session.playing


def test_an_error_inside_a_tick_is_reported_and_the_session_goes_on(monkeypatch):
    session, _ = configured()
    session.handle(p.Play(7, True))
    session.tick()
    monkeypatch.setattr(type(session.steppers[0]), "run", lambda *args, **kwargs: 1 / 0)
    (failed,) = session.tick()
    at = session.steppers[0].k
    assert failed == p.Failed(7, f"the simulation stopped at step {at}: ZeroDivisionError: division by zero")
    assert not session.playing
    monkeypatch.undo()
    (chunk,) = session.handle(p.StepOnce(7))  # and it still answers
    assert all(s.k == at + 1 for s in session.steppers)


def test_the_child_loop_answers_every_error_and_ends_quietly_when_the_window_goes(monkeypatch):
    """`serve` as the child runs it (here in a thread): a failing tick is answered with Failed, and
    the loop goes on answering; the window's end of the pipe closing ends it without an error."""
    import multiprocessing
    import threading
    from gradsim.app.session import serve
    monkeypatch.setattr(Session, "_step_slice", lambda self: 1 / 0)
    window, child = multiprocessing.Pipe()
    errors = []
    thread = threading.Thread(target=lambda: _catching(errors, serve, child), daemon=True)
    thread.start()
    window.send(p.Configure(3, Experiment.default().to_json()))
    window.send(p.Play(3, True))
    heard = []
    while not any(isinstance(m, p.Failed) for m in heard):
        assert window.poll(30), f"no Failed from the session; heard {heard}"
        heard.append(window.recv())
    assert "ZeroDivisionError" in heard[-1].text
    window.send(p.StepOnce(3))
    assert window.poll(30) and isinstance(window.recv(), p.Chunk)
    window.close()  # the window has gone
    thread.join(30)
    assert not thread.is_alive() and errors == []


def test_the_child_reads_every_waiting_command_and_answers_only_what_still_counts():
    """Twenty resets waiting in the pipe (the session was busy): only the newest is carried out."""
    import multiprocessing
    import threading
    from gradsim.app.session import serve
    window, child = multiprocessing.Pipe()
    document = Experiment.default().to_json()
    for generation in range(20):
        window.send(p.Configure(generation, document))
        window.send(p.Speed(generation, 10.0 * generation))
    window.send(p.Play(19, True))
    thread = threading.Thread(target=serve, args=(child,), daemon=True)
    thread.start()
    heard = []
    while not any(isinstance(m, p.Chunk) and len(m.rows[0]["step"]) for m in heard):
        assert window.poll(30), f"heard only {heard}"
        heard.append(window.recv())
    assert {m.generation for m in heard if not isinstance(m, p.Heartbeat)} == {19}
    assert sum(isinstance(m, p.Configured) for m in heard) == 1
    window.send(p.Shutdown())
    thread.join(30)
    assert not thread.is_alive()


def _catching(errors, function, *args):
    try:
        function(*args)
    except BaseException as error:  # noqa: BLE001
        errors.append(error)
        raise


def test_newer_commands_make_the_older_ones_moot():
    configure = [p.Configure(g, "{}") for g in range(3)]
    basin = p.BasinRequest(0, 5, None, None, (2, 2), 10, 1e-3)
    commands = [configure[0], p.Play(0, True), p.Speed(0, 10.0), p.SetHparams(0, 0, {"lr": 1}), basin,
                p.FieldRequest(0, (0, 1, 0, 1), 2, 2), configure[1], p.StepOnce(1), p.Speed(1, 20.0), configure[2],
                p.Inspect(2, 0, 0, None), p.BoundaryRequest(2, 1, 0, None, (0, 1, 0, 1), 2, 2),
                p.Play(2, True), p.Inspect(2, 0, 1, None),
                p.BoundaryRequest(2, 0, 5, None, (0, 1, 0, 1), 2, 2)]
    kept = p.newest_wins(commands)
    # ensemble work and the newest speed outlive a new experiment; of several Hessians only the newest counts;
    # boundaries wait each for its own answer (a GIF's frames), so only a repeat is dropped
    assert kept == [basin, p.Speed(1, 20.0), configure[2], p.BoundaryRequest(2, 1, 0, None, (0, 1, 0, 1), 2, 2),
                    p.Play(2, True), p.Inspect(2, 0, 1, None), p.BoundaryRequest(2, 0, 5, None, (0, 1, 0, 1), 2, 2)]
    again = p.BoundaryRequest(2, 0, 5, None, (0, 1, 0, 1), 2, 2)
    assert p.newest_wins(commands + [again]) == kept
    many = [command for g in range(500) for command in (p.Configure(g, "{}"), p.Play(g, True))]
    assert p.newest_wins(many) == [p.Configure(499, "{}"), p.Play(499, True)]


def test_rewind_restores_every_run_exactly_and_the_replay_is_the_same():
    experiment = Experiment.default()
    experiment.grad_noise = 0.5  # the noise stream is rewound too
    session, replies = configured(experiment.validate())
    session.handle(p.Play(7, True))
    rows = collect(session, replies)
    while session.steppers[0].k < 3000:
        collect(session, session.tick(), rows)
    session.handle(p.Play(7, False))
    first = [joined(rows[i], "params") for i in range(3)]
    (rewound,) = session.handle(p.Rewind(8, 1234))
    assert rewound.step == 1234 and all(s.k == 1234 for s in session.steppers)
    for i in range(3):
        np.testing.assert_array_equal(rewound.current[i]["params"], first[i][1234])
    again = collect(session, session.handle(p.StepOnce(8)))
    for i in range(3):
        np.testing.assert_array_equal(again[i][0]["current"]["params"], first[i][1235])


def test_branching_after_a_rewind_follows_the_new_rate_from_the_branch_point():
    session, replies = configured()
    for _ in range(50):
        session.handle(p.StepOnce(7))
    session.handle(p.Rewind(8, 20))
    (accepted,) = session.handle(p.SetHparams(8, 2, {"lr": 0.01}))
    assert accepted.step == 20
    rows = collect(session, session.handle(p.StepOnce(8)))
    assert rows[2][0]["lr"][0] == 0.01 and rows[0][0]["step"][0] == 20
    expected = Experiment.default()
    expected.steps_played, expected.changes = 21, [{"step": 20, "run": 2, "hparams": {"lr": 0.01}}]
    trace = play(expected.validate(), 21)[2]
    np.testing.assert_array_equal(rows[2][0]["current"]["params"], trace.params[21])


def test_resuming_a_saved_experiment_replays_to_where_it_was():
    experiment = Experiment.default()
    experiment.steps_played = 500
    experiment.changes = [{"step": 200, "run": 1, "hparams": {"lr": 2e-3}}]
    session, replies = configured(experiment.validate())
    session = Session()
    replies = session.handle(p.Configure(3, experiment.to_json(), resume=True))
    rows = collect(session, replies)
    traces = play(experiment, 500)
    for i, trace in enumerate(traces):
        np.testing.assert_array_equal(joined(rows[i], "params"), trace.params)
        np.testing.assert_array_equal(joined(rows[i], "lr"), trace.lr)
    assert session.steppers[1].hparams["lr"] == 2e-3


def test_run_until_stops_every_run_where_the_condition_first_holds():
    experiment = Experiment(surface="quadratic", start=(2.0, 1.0), max_steps=1000,
                            runs=[RunConfig("sgd", {"lr": 0.09}), RunConfig("sgd", {"lr": 0.01})]).validate()
    until = Until(0, "loss_below", 1e-4)
    session, replies = configured(experiment, until)
    rows = played(session, replies)
    traces = play(experiment, 1000, until)
    assert len(traces[0].loss) == 54
    for i in range(2):
        np.testing.assert_array_equal(joined(rows[i], "loss"), traces[i].loss)


def test_the_hessian_a_slice_and_a_field_come_from_the_session():
    session, _ = configured()
    (inspection,) = session.handle(p.Inspect(7, 0, 0, np.array([1.0, 1.0]), full=True))
    np.testing.assert_allclose(inspection.hessian, [[802, -400], [-400, 200]])
    assert inspection.kind == "minimum" and inspection.eigenvalues[0] > 0
    (field,) = session.handle(p.FieldRequest(7, (-2, 2, -1, 3), 30, 20))
    assert field.values.shape == (20, 30) and field.values[0, 0] == pytest.approx(2509.0)
    network = Experiment(dataset="xor", model={"hidden": [4]}, runs=[RunConfig("sgd", {"lr": 0.5})]).validate()
    session, replies = configured(network)
    assert replies[0].info.kind == "network" and replies[0].info.layers == 2 and replies[0].info.binary == (True,)
    start = replies[1].rows[0]["current"]["params"]
    (boundary,) = session.handle(p.BoundaryRequest(7, 0, 0, start, (-1, 1, -1, 1), 40, 30))
    assert boundary.values.shape == (30, 40) and 0 <= boundary.values.min() <= boundary.values.max() <= 1
    (sl,) = session.handle(p.SliceRequest(7, 0, 0, np.array([start, start + 0.01])))
    assert sl.values["loss"].shape == (25, 25) and np.allclose(sl.values["path"][-1], 0.0)


def test_experiment_round_trip_and_checks(tmp_path):
    experiment = Experiment.default()
    experiment.start = (0.5, -0.25)
    path = tmp_path / "e.json"
    experiment.save(str(path))
    loaded = Experiment.load(str(path))
    assert loaded == experiment.validate()
    document = json.loads(path.read_text())
    for change, message in [({"version": 99}, "version 99"), ({"format": "other"}, "not a GradSim experiment"),
                            ({"surface": "rosenbrok"}, "did you mean 'rosenbrock'"),
                            ({"runs": []}, f"1 to {MAX_RUNS} runs"),
                            ({"runs": [{"optimizer": "adam", "hparams": {"lr": -1}}]}, "run 1: .*outside"),
                            ({"colour": "red"}, "unknown field"),
                            ({"steps_played": -3}, "steps_played"),
                            ({"steps_played": 10, "changes": [{"step": 11, "run": 0, "hparams": {"lr": 1}}]},
                             "change 1: step"),
                            ({"steps_played": 10, "changes": [{"step": 5, "run": 0, "hparams": {"lr": -1}}]},
                             "change 1: .*outside")]:
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({**document, **change}))
        with pytest.raises(ValueError, match=message):
            Experiment.load(str(bad))
    with pytest.raises(ValueError, match="cannot open"):
        Experiment.load(str(tmp_path / "missing.json"))


def test_the_child_process_steps_with_one_blas_thread(monkeypatch):
    """Several BLAS threads make a small network's step many times slower on a busy machine."""
    from threadpoolctl import threadpool_info
    from gradsim.app import session
    seen = []
    monkeypatch.setattr(session, "serve", lambda connection: seen.extend(
        pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"))
    session.main(None)
    assert seen and set(seen) == {1}
