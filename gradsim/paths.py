"""Where the shipped resources (lessons, icons, styles) are.

In an installed GradSim they are the package `gradsim.resources` (the repository's top-level
`resources/` folder, mapped there by pyproject.toml); in a source checkout that was not
installed, they are that folder itself.
"""
from __future__ import annotations

import importlib.resources
import pathlib


def resource_path(*parts: str) -> pathlib.Path:
    """The path of a shipped resource, e.g. resource_path("lessons")."""
    try:
        root = pathlib.Path(str(importlib.resources.files("gradsim.resources")))
    except ModuleNotFoundError:
        root = pathlib.Path(__file__).resolve().parent.parent / "resources"
    return root.joinpath(*parts)
