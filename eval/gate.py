"""The CI gate: bounds for chosen figures, so a change that makes retrieval or answers worse fails the build.

A floors file mirrors the results: `{"own": {"hybrid": {"recall@5": 0.9}, "answers": {"verbatim": 1.0}},
"abstention": {"auroc": 0.8, "abstained_in_scope": {"max": 0.1}}}`. A number is a floor; `{"min": x}` and
`{"max": y}` bound a figure from below or above (for figures where lower is better). A name inside a data set
is looked up among its keys, then among its systems, so the common case needs no "systems" level.

The data set name `"*"` applies its bounds to every data set that scored retrieval systems, so that
`{"*": {"vs_best_single": {"ndcg@10": {"all": -0.01}}}}` fails the gate wherever hybrid falls more than a
point of nDCG@10 below the better of bm25 and dense, on the sets named in the file and on any other. A set's own
bound on the same figure replaces the wildcard's there: a known exception is written beside the set, in the open.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eval import EvalError

BOUNDS = frozenset({"min", "max"})
EVERY_SET = "*"


def _is_bound(node: object) -> bool:
    return isinstance(node, Mapping) and bool(node) and set(node) <= BOUNDS


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def load_floors(path: Path) -> dict[str, Any]:
    """Read and check a floors file: nested objects whose leaves are numbers or {"min"/"max": number}.

    Raises:
        EvalError: the file is missing, not JSON, or has a leaf that is not a number.
    """
    try:
        floors = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalError(f"cannot read floors file {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalError(f"floors file {path} is not valid JSON ({exc})") from exc
    if not isinstance(floors, dict) or not floors:
        example = '{"own": {"hybrid": {"recall@5": 0.9}}}'
        raise EvalError(f"floors file {path} must be an object such as {example}")
    _check_leaves(floors, path, ())
    return floors


def _check_leaves(node: Mapping[str, Any], path: Path, where: tuple[str, ...]) -> None:
    for key, value in node.items():
        here = (*where, str(key))
        label = " / ".join(here)
        if _is_bound(value):
            if not all(_is_number(v) for v in value.values()):
                raise EvalError(f"floors file {path}: {label} bounds must be numbers, got {value!r}")
        elif isinstance(value, dict):
            if not value:
                raise EvalError(f"floors file {path}: {label} is empty; give floors or remove it")
            _check_leaves(value, path, here)
        elif not _is_number(value):
            raise EvalError(f"floors file {path}: {label} must be a number, got {value!r}")


def _step(node: Any, key: str) -> Any:
    if not isinstance(node, Mapping):
        return None
    if key in node:
        return node[key]
    systems = node.get("systems")
    return systems.get(key) if isinstance(systems, Mapping) else None


def check_floors(results: Mapping[str, Any], floors: Mapping[str, Any]) -> list[str]:
    """A message per figure out of its bounds or missing from `results`; no message: the gate passes."""
    failures: list[str] = []

    def walk(node: Any, spec: Mapping[str, Any], where: tuple[str, ...]) -> None:
        for key, bound in spec.items():
            here = (*where, key)
            value = _step(node, key)
            label = " ".join(here)
            if isinstance(bound, Mapping) and not _is_bound(bound):
                if value is None:
                    failures.append(f"{label}: not in the results (was it evaluated in this run?)")
                else:
                    walk(value, bound, here)
                continue
            low = bound.get("min") if isinstance(bound, Mapping) else bound
            high = bound.get("max") if isinstance(bound, Mapping) else None
            if not _is_number(value):
                failures.append(f"{label}: no figure in the results (bounds: min {low}, max {high})")
            elif low is not None and value < low:
                failures.append(f"{label} = {value:.3f} is below its floor {low:g}")
            elif high is not None and value > high:
                failures.append(f"{label} = {value:.3f} is above its ceiling {high:g}")

    datasets = results.get("datasets", {})
    every = floors.get(EVERY_SET)
    if isinstance(every, Mapping):
        for name, entry in datasets.items():
            if isinstance(entry, Mapping) and isinstance(entry.get("systems"), Mapping):
                own = floors.get(name)
                walk(entry, _without(every, own) if isinstance(own, Mapping) else every, (name,))
    walk(datasets, {k: v for k, v in floors.items() if k != EVERY_SET}, ())
    return failures


def _without(spec: Mapping[str, Any], named: Mapping[str, Any]) -> Mapping[str, Any]:
    """`spec` less every bound that `named` also gives (at the same path), and less what that leaves empty."""
    out: dict[str, Any] = {}
    for key, bound in spec.items():
        other = named.get(key)
        if other is None:
            out[key] = bound
        elif isinstance(bound, Mapping) and not _is_bound(bound) and isinstance(other, Mapping):
            rest = _without(bound, other)
            if rest:
                out[key] = rest
    return out
