"""The messages between the app and its stepping session: one small dataclass each (Qt-free).

Every message carries the generation it belongs to. The app starts a new generation whenever what
was computed so far stops being valid (a reset, a new experiment, a rewind); the session answers
in the generation of the command it is answering, so the app drops whatever arrives late from an
older one. Arrays inside messages are fresh copies (they cross a process boundary by pickling).
"""
from __future__ import annotations

from dataclasses import dataclass, field
import numpy as np

from .runs import Until


# --- commands: app → session -------------------------------------------------------------------------
@dataclass(frozen=True)
class Configure:
    """Build every run of the experiment (JSON, checked already) and report where they start. With
    `resume`, replay them first to the experiment's `steps_played`, with its recorded changes."""
    generation: int
    experiment: str
    until: Until | None = None
    resume: bool = False


@dataclass(frozen=True)
class Play:
    generation: int
    playing: bool


@dataclass(frozen=True)
class Extend:
    """Let the runs go on to `max_steps` updates (a lesson's action that paused part way)."""
    generation: int
    max_steps: int


@dataclass(frozen=True)
class Speed:
    generation: int
    steps_per_second: float  # 0: as fast as the machine goes


@dataclass(frozen=True)
class StepOnce:
    generation: int


@dataclass(frozen=True)
class SetHparams:
    """Change run `run`'s hyperparameters from its next update on, keeping its optimizer state."""
    generation: int
    run: int
    changes: dict


@dataclass(frozen=True)
class Rewind:
    """Take every run back to `step` (its optimizer state as it was there); `generation` is new."""
    generation: int
    step: int


@dataclass(frozen=True)
class Inspect:
    """The Hessian at `params` (the point of run `run` after `step` updates): its eigenvalues, what
    kind of point it looks like, and, with `full`, the matrix itself (for Newton's equation lines)."""
    generation: int
    run: int
    step: int
    params: np.ndarray
    full: bool = False


@dataclass(frozen=True)
class SliceRequest:
    """The training loss on a plane through the weights `path[-1]` of run `run`, path projected."""
    generation: int
    run: int
    step: int
    path: np.ndarray


@dataclass(frozen=True)
class FieldRequest:
    """The surface's loss on an nx × ny grid over `view` (xmin, xmax, ymin, ymax), for contours."""
    generation: int
    view: tuple[float, float, float, float]
    nx: int
    ny: int


@dataclass(frozen=True)
class BoundaryRequest:
    """Run `run`'s network output over an nx × ny grid of `view`, with the weights `params`."""
    generation: int
    run: int
    step: int
    params: np.ndarray
    view: tuple[float, float, float, float]
    nx: int
    ny: int


# --- ensembles: many starts or many settings at once (answered a piece at a time, see app.ensemble_jobs) ---
@dataclass(frozen=True)
class EnsembleSpec:
    """What every start or setting of an ensemble shares: the surface and the selected run's settings."""
    surface: str
    surface_params: dict
    optimizer: str
    hparams: dict
    schedule: dict | None = None
    clip: dict | None = None
    grad_noise: float = 0.0
    seed: int | None = 0


@dataclass(frozen=True)
class BasinRequest:
    """A basin map over `window` ((x0, x1), (y0, y1)) at `resolution` (nx, ny), after a `coarse` one.
    Answered by BasinResult replies (the coarse map, then the fine one band by band); `job` names
    them. A newer BasinRequest replaces this one."""
    generation: int
    job: int
    spec: EnsembleSpec
    window: tuple
    resolution: tuple[int, int]
    steps: int
    tol: float
    coarse: tuple[int, int] | None = (32, 32)
    kind = "basins"


@dataclass(frozen=True)
class SwarmRequest:
    """`n` starts sampled "uniform" or "grid" over `window`, or "gaussian" around `center` with
    standard deviation `spread`, stepped `steps` times together (answered by one SwarmResult)."""
    generation: int
    job: int
    spec: EnsembleSpec
    n: int
    sampling: str
    window: tuple
    center: tuple[float, float]
    spread: float
    steps: int
    kind = "swarm"


@dataclass(frozen=True)
class SweepRequest:
    """Every setting of `vary` ({name: values}, one name: a sweep; two: a phase diagram) from
    `start`, answered by SweepResult replies, a band of the first name's values at a time."""
    generation: int
    job: int
    spec: EnsembleSpec
    vary: dict
    start: tuple[float, float]
    steps: int
    tol: float

    @property
    def kind(self) -> str:
        return "sweep" if len(self.vary) == 1 else "phase"


@dataclass(frozen=True)
class CancelJob:
    generation: int
    job: int


@dataclass(frozen=True)
class Shutdown:
    generation: int = 0


# --- replies: session → app ----------------------------------------------------------------------------
@dataclass(frozen=True)
class QuadraticTheory:
    """A quadratic surface's minimum, its Hessian's eigenvalues (ascending) and unit eigenvectors."""
    minimum: tuple[float, float]
    eigenvalues: tuple[float, ...]
    eigenvectors: tuple[tuple[float, float], ...]  # one per eigenvalue
    f_star: float


@dataclass(frozen=True)
class ProblemInfo:
    """What the views need to know of the problem, so that the window never builds one itself."""
    kind: str                                  # "surface" or "network"
    title: str
    view: tuple[float, float, float, float]    # the default window onto the trajectory panel
    start: tuple[float, ...] | None = None     # a surface's start point
    stationary: tuple = ()                     # a surface's known critical points (x, y, kind)
    minimum: float | None = None               # the lowest known minimum's value f*, if known
    parameter_names: tuple = ()                # per run: "x", "y" or "layer 1 W[1,2]", ...
    # a network's data (at most MAX_POINTS_DRAWN of it) and what its output means
    points: np.ndarray | None = None
    targets: np.ndarray | None = None
    n_points: int = 0
    task: str = ""
    classes: int = 0
    layers: int = 0
    binary: tuple = ()                         # per run: one output read as P(class 1)
    has_test: bool = False
    quadratic: QuadraticTheory | None = None   # a quadratic surface's Hessian, for the theory overlays


@dataclass(frozen=True)
class Configured:
    """The runs are built; sent before their first rows."""
    generation: int
    info: ProblemInfo


@dataclass(frozen=True)
class Chunk:
    """New rows of each run that moved ({run index: rows as `Stepper.run` returns them, plus
    "current": the newest row}), and how many steps a second the session is achieving."""
    generation: int
    rows: dict
    steps_per_second: float = 0.0


@dataclass(frozen=True)
class Diverged:
    generation: int
    run: int
    step: int
    reason: str


@dataclass(frozen=True)
class Accepted:
    """A hyperparameter change took effect from the update at `step`; `current` is that row again,
    as the new values compute it."""
    generation: int
    run: int
    changes: dict
    step: int
    current: dict


@dataclass(frozen=True)
class Rejected:
    generation: int
    run: int
    changes: dict
    reason: str


@dataclass(frozen=True)
class Stopped:
    """Every run has finished (its step budget, its run-until condition, or divergence)."""
    generation: int
    step: int


@dataclass(frozen=True)
class Paused:
    """Playing stopped at `step`: nothing more of this generation is on its way."""
    generation: int
    step: int


@dataclass(frozen=True)
class Rewound:
    """Every run is back at `step`; `current` holds each run's row there."""
    generation: int
    step: int
    current: dict


@dataclass(frozen=True)
class Inspection:
    generation: int
    run: int
    step: int
    eigenvalues: np.ndarray | None = None
    kind: str = ""
    hessian: np.ndarray | None = None
    error: str = ""


@dataclass(frozen=True)
class Slice:
    generation: int
    run: int
    step: int
    values: dict = field(default_factory=dict)  # a, b, loss, path (see NetworkProblem.loss_slice)


@dataclass(frozen=True)
class Field:
    generation: int
    view: tuple[float, float, float, float]
    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray  # (ny, nx)


@dataclass(frozen=True)
class Boundary:
    generation: int
    run: int
    step: int
    view: tuple[float, float, float, float]
    values: np.ndarray        # (ny, nx): see NetworkProblem.output_grid
    curve: np.ndarray | None  # regression: the model's output along x (nx,)


@dataclass(frozen=True)
class Heartbeat:
    """Sent while playing when nothing else was, so that the app can tell a busy session from a dead one."""
    generation: int


@dataclass(frozen=True)
class Failed:
    """A command could not be carried out; `text` says why."""
    generation: int
    text: str


@dataclass(frozen=True)
class BasinResult:
    """The map so far (`map.rows_done` of its rows computed; a coarse map comes complete)."""
    generation: int
    job: int
    map: object  # core.basins.BasinMap


@dataclass(frozen=True)
class SwarmResult:
    generation: int
    job: int
    starts: np.ndarray       # (N, 2)
    frame_steps: np.ndarray  # (F,): the step of each frame
    frames: np.ndarray       # (F, N, 2) float32: every run's point at those steps (NaN once diverged)
    stats: object            # core.swarm.SwarmStats: every step's median, 10–90% band, shares diverged and moving


@dataclass(frozen=True)
class SweepResult:
    generation: int
    job: int
    sweep: object  # core.sweeps.Sweep, `sweep.rows_done` of the first name's values computed


@dataclass(frozen=True)
class JobFailed:
    """An ensemble request could not be carried out (bad settings, too much work); `text` says why."""
    generation: int
    job: int
    text: str


Command = (Configure | Play | Speed | StepOnce | SetHparams | Rewind | Inspect | SliceRequest | FieldRequest
           | BoundaryRequest | BasinRequest | SwarmRequest | SweepRequest | CancelJob | Shutdown)
Reply = (Configured | Chunk | Diverged | Accepted | Rejected | Stopped | Paused | Rewound | Inspection | Slice | Field | Boundary
         | Heartbeat | Failed | BasinResult | SwarmResult | SweepResult | JobFailed)
ENSEMBLE_REPLIES = (BasinResult, SwarmResult, SweepResult, JobFailed)


# --- which waiting commands a newer one makes moot ----------------------------------------------------
BOUND_TO_RUNS = (Play, Extend, StepOnce, SetHparams, Rewind, Inspect, SliceRequest, FieldRequest, BoundaryRequest)
"""Commands about the runs of one experiment: a newer `Configure` replaces the runs, so they are moot."""


def _newest_key(command):
    """Commands with the same key stand for each other: only the newest counts (None: every one counts)."""
    if isinstance(command, (Speed, Inspect, SliceRequest, FieldRequest)):
        return type(command)
    if isinstance(command, BoundaryRequest):  # several wait for their own answer (a GIF's frames): only repeats
        return BoundaryRequest, command.run, command.step, tuple(command.view), command.nx, command.ny
    return None


def newest_wins(commands: list) -> list:
    """`commands` (oldest first) less the moot ones: whatever is about the runs before the newest
    Configure, of several speeds, Hessians, slices or fields all but the newest (the model keeps only
    the newest answer), and repeats of a boundary request. What is left does what the whole list
    would have done, for a session that had not read any of them yet."""
    configures = [i for i, command in enumerate(commands) if isinstance(command, Configure)]
    last = configures[-1] if configures else 0
    kept = [c for i, c in enumerate(commands) if i >= last or not isinstance(c, (Configure, *BOUND_TO_RUNS))]
    seen, newest_first = set(), []
    for command in reversed(kept):
        key = _newest_key(command)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        newest_first.append(command)
    return newest_first[::-1]
