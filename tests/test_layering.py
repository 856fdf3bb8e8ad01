"""The library stands alone: `qa` never imports the chat, the harness or the command line built on top of it."""

from __future__ import annotations

import ast
from pathlib import Path

import qa

ABOVE_THE_LIBRARY = {"ui", "eval", "medcite"}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_library_imports_nothing_built_on_it():
    offenders = {
        str(path.relative_to(Path(qa.__file__).parent)): sorted(_imported_packages(path) & ABOVE_THE_LIBRARY)
        for path in sorted(Path(qa.__file__).parent.rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}
