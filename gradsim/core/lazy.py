"""A module imported on its first use, so that importing GradSim stays quick."""
from __future__ import annotations

import importlib


class LazyModule:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        module = importlib.import_module(self._name)
        return getattr(module, attribute)
