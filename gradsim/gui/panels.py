"""The panels, from one place: the trajectory panel and the time panels (see their modules)."""
from __future__ import annotations

from .plot_items import Key, Readout, pen, style_plot
from .time_panel import FIRST_STEPS, RunData, TimeSeriesPanel
from .trajectory_panel import TrajectoryPanel

__all__ = ["FIRST_STEPS", "Key", "Readout", "RunData", "TimeSeriesPanel", "TrajectoryPanel", "pen", "style_plot"]
