"""What the app keeps of each run: a bounded, evenly thinned history plus the latest row.

A run of ten million steps must not grow without limit: once a history holds MAX_ROWS rows it
keeps every other one and from then on records every second step (then every fourth, ...). The
latest row is always kept whole, for the inspector. Pure NumPy; no Qt.
"""
from __future__ import annotations

import numpy as np

MAX_ROWS = 20_000
FIELDS = ("step", "params", "loss", "grad", "lr", "lr_eff", "update")


class RunHistory:
    def __init__(self, max_rows: int = MAX_ROWS):
        self.max_rows = max_rows
        self.stride = 1
        self.count = 0
        self.columns: dict[str, np.ndarray] = {}
        self.current: dict | None = None  # the latest row, with its state
        self.provisional = False  # whether the last stored row is `current`, awaiting its chunk
        self.status = "ok"
        self.diverged_at: int | None = None
        self.reason = ""
        self.epoch = 0  # bumped whenever kept rows are rewritten (thinning, a rewind), not just appended

    def extend(self, rows: dict) -> None:
        """Append the rows of one chunk (as `Stepper.run` returns them, plus "current").

        The newest point ("current") is kept as a provisional last row, so that paths end where
        the run is; the next chunk starts with that same point and replaces it.
        """
        if self.provisional:
            self.count -= 1
            self.provisional = False
        steps = rows["step"]
        keep = steps % self.stride == 0
        self._append({key: rows[key][keep] for key in FIELDS}, rows["state"], rows.get("extra", {}), keep)
        while self.count > self.max_rows:
            self._thin()
        current = rows.get("current")
        if current is not None:
            self._append_current(current)
        elif self.count:  # a run that diverged: its last finite row is where it ends
            self.current = self.row(self.count - 1)

    def _append_current(self, current: dict) -> None:
        self.current = current
        one = np.ones(1, dtype=bool)
        self._append({key: np.asarray(current[key])[None] for key in FIELDS},
                     {k: np.asarray(v)[None] for k, v in current["state"].items()},
                     {k: np.asarray(v)[None] for k, v in current.get("extra", {}).items()}, one)
        self.provisional = True

    def replace_current(self, current: dict) -> None:
        """The newest row again (as a hyperparameter change or a rewind recomputed it)."""
        if self.provisional:
            self.count -= 1
        elif self.count and int(self.columns["step"][self.count - 1]) == int(current["step"]):
            self.count -= 1
        self._append_current(current)

    def truncate(self, step: int) -> None:
        """Forget every row after `step` (a rewind); `replace_current` then gives the row at `step`."""
        steps = self.get("step")
        self.count = int(np.searchsorted(steps, step, side="right"))
        self.provisional = False
        self.epoch += 1
        self.current = self.row(self.count - 1) if self.count else None
        if self.diverged_at is not None and self.diverged_at > step:
            self.status, self.diverged_at, self.reason = "ok", None, ''


    def _append(self, values: dict, state: dict, extra: dict, keep: np.ndarray) -> None:
        values = dict(values)
        values.update({f"state.{k}": v[keep] for k, v in state.items()})
        values.update({f"extra.{k}": v[keep] for k, v in extra.items()})
        n = int(keep.sum())
        if not self.columns:
            self.columns = {k: np.empty((max(64, 2 * n), *v.shape[1:]), v.dtype) for k, v in values.items()}
        if self.count + n > len(self.columns["step"]):
            size = max(2 * len(self.columns["step"]), self.count + n)
            for key, column in self.columns.items():
                grown = np.empty((size, *column.shape[1:]), column.dtype)
                grown[:self.count] = column[:self.count]
                self.columns[key] = grown
        for key, value in values.items():
            self.columns[key][self.count:self.count + n] = value
        self.count += n

    def _thin(self) -> None:
        self.stride *= 2
        self.epoch += 1
        keep = self.columns["step"][:self.count] % self.stride == 0
        n = int(keep.sum())
        for key, column in self.columns.items():
            column[:n] = column[:self.count][keep]
        self.count = n

    def get(self, key: str) -> np.ndarray:
        return self.columns[key][:self.count] if self.columns else np.empty(0)

    @property
    def last_step(self) -> int:
        return int(self.current["step"]) if self.current is not None else 0

    def index_at(self, step: int) -> int:
        """The last kept row at or before `step`."""
        steps = self.get("step")
        return max(0, int(np.searchsorted(steps, step, side="right")) - 1)

    def row(self, index: int) -> dict:
        """A copy of kept row `index` (thinning rewrites the columns in place)."""
        row = {key: self.columns[key][index].copy() for key in FIELDS}
        row["state"] = {k[6:]: v[index].copy() for k, v in self.columns.items() if k.startswith("state.")}
        row["extra"] = {k[6:]: v[index].copy() for k, v in self.columns.items() if k.startswith("extra.")}
        return row

    def nbytes(self) -> int:
        return sum(column.nbytes for column in self.columns.values())
