"""The declared dependencies are the ones the code uses, so an install brings what runs and nothing else."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions

from qa.drugs import DISTRIBUTION as DRUG_VOCABULARY
from qa.settings import REPO_ROOT

PACKAGES = ("qa", "ui", "eval", "medcite")
# Used for their data files, found through importlib.metadata rather than imported (see qa/drugs.py).
READ_NOT_IMPORTED = {DRUG_VOCABULARY}


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement).group(0)).lower()  # type: ignore[union-attr]


def _imported_modules() -> set[str]:
    modules: set[str] = set()
    for package in PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    modules.add(node.module.split(".")[0])
    return modules


def test_every_declared_dependency_is_imported_by_the_code() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    distributions = packages_distributions()
    used = {_name(d) for module in _imported_modules() for d in distributions.get(module, [])}
    assert declared - used - READ_NOT_IMPORTED == set(), "declared in pyproject.toml but imported nowhere"
