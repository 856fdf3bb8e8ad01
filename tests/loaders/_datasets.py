"""Where the shared evaluation data sets are, for the tests that use them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def datasets_dir() -> Path:
    """The shared data sets: $MEDCITE_DATASETS, or `shared/datasets` beside the repository."""
    configured = os.environ.get("MEDCITE_DATASETS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"


def require(relative: str) -> Path:
    """The path of a shared data set, or skip the test saying what is missing and how to point at it."""
    path = datasets_dir() / relative
    if not path.exists():
        pytest.skip(f"shared data set {path} is absent (set MEDCITE_DATASETS to the folder of the data sets)")
    return path
