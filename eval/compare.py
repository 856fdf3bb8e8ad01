"""`python -m eval.compare BEFORE AFTER`: two `medcite eval` runs, question by question.

    .venv/bin/python -m eval.compare /tmp/before /tmp/after   # folders written by `medcite eval ... --out DIR`

A change to the answer stages moves a few questions each way; two percentages side by side hide how many, and
whether the gain on one set is worth the loss on another was read from throw-away scripts each session
(eval/EXPERIMENTS.md). Per data set and split, this prints the questions both runs asked, how often each run's
bottom line was right (labelled sets: it quotes a labelled sentence; document-judged sets: it comes from a
judged-relevant document), the questions only the later run got right and only the earlier one did, and the
two-sided sign test over those: the chance of a split at least that uneven if the change made no difference.
Questions are matched by id; those asked by one run only (a set that grew, a sample that moved) are counted apart.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval import EvalError
from eval.splits import SPLITS

# What a per-question row says of its bottom line, by the kind of judgement (`eval.harness`).
MEASURES = ("bottom_line_correct", "bottom_line_relevant")
ALL = "all"


@dataclass(frozen=True)
class Change:
    """One data set's split, compared: `questions` asked by both runs, of which `before` and `after` were right,
    `won` by the later run only and `lost` by it; `only_before` / `only_after` asked by one run alone."""

    dataset: str
    split: str
    measure: str
    questions: int
    before: int
    after: int
    won: int
    lost: int
    only_before: int = 0
    only_after: int = 0

    @property
    def p_value(self) -> float:
        return sign_test(self.won, self.lost)


def sign_test(won: int, lost: int) -> float:
    """Two-sided exact sign test: the chance of a split of `won + lost` changed questions at least as uneven as
    this one if each had gone either way with even odds (1.0 when nothing changed)."""
    if won < 0 or lost < 0:
        raise ValueError(f"counts cannot be negative, got {won}, {lost}")
    n = won + lost
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(won, lost) + 1)) / 2**n
    return min(1.0, 2 * tail)


def load_results(path: Path) -> dict[str, Any]:
    """A run's results.json, given it or the folder `medcite eval --out` wrote it to.

    Raises:
        EvalError: no such file, or not a results file.
    """
    file = path / "results.json" if path.is_dir() else path
    try:
        results = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvalError(f"{file} does not exist; pass a results.json or the folder of `medcite eval --out`") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalError(f"{file} is not a readable results file: {exc}") from exc
    if not isinstance(results, dict) or not isinstance(results.get("datasets"), dict):
        raise EvalError(f"{file} is not a `medcite eval` results file (no 'datasets')")
    return results


def _rows(entry: Mapping[str, Any]) -> tuple[str, dict[str, Mapping[str, Any]]] | None:
    """The measure a data set's rows carry and its rows by id, or None when it lists no answered questions."""
    rows = [r for r in entry.get("per_question", ()) if isinstance(r, Mapping) and "id" in r]
    measure = next((m for m in MEASURES if rows and all(m in r for r in rows)), None)
    return (measure, {str(r["id"]): r for r in rows}) if measure else None


def compare(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """Every data set both runs list questions of, per split (all, then each split), earlier run first."""
    changes: list[Change] = []
    for name, entry in after["datasets"].items():
        old, new = _rows(before["datasets"].get(name, {})), _rows(entry)
        if old is None or new is None or old[0] != new[0]:
            continue
        (measure, was), (_, now) = old, new
        common = [qid for qid in now if qid in was]
        for split in (ALL, *SPLITS):
            ids = [q for q in common if split == ALL or now[q].get("split") == split]
            if not ids:
                continue
            right = [(bool(was[q][measure]), bool(now[q][measure])) for q in ids]
            changes.append(
                Change(
                    dataset=name,
                    split=split,
                    measure=measure,
                    questions=len(ids),
                    before=sum(b for b, _ in right),
                    after=sum(a for _, a in right),
                    won=sum(a and not b for b, a in right),
                    lost=sum(b and not a for b, a in right),
                    only_before=sum(1 for q in was if q not in now and (split == ALL or was[q].get("split") == split)),
                    only_after=sum(1 for q in now if q not in was and (split == ALL or now[q].get("split") == split)),
                )
            )
    return changes


def render(changes: Sequence[Change]) -> str:
    """A Markdown table of `compare`'s rows."""
    if not changes:
        return "No data set lists answered questions in both runs (labelled sets and document-judged sets do)."
    lines = [
        "| data set | split | bottom line | questions | before | after | won | lost | sign test p | asked by one run |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in changes:
        what = "correct" if c.measure == "bottom_line_correct" else "from a judged document"
        one = f"{c.only_before} before, {c.only_after} after" if c.only_before or c.only_after else ""
        lines.append(
            f"| {c.dataset} | {c.split} | {what} | {c.questions} | {c.before / c.questions:.1%} | "
            f"{c.after / c.questions:.1%} | {c.won} | {c.lost} | {c.p_value:.3f} | {one} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="results.json of the earlier run, or its --out folder")
    parser.add_argument("after", type=Path, help="results.json of the later run, or its --out folder")
    args = parser.parse_args(argv)
    try:
        changes = compare(load_results(args.before), load_results(args.after))
    except EvalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(render(changes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
