"""Lessons, icons and styles shipped with GradSim (installed as gradsim.resources)."""
