"""Offline evaluation of medcite against plain BM25 and plain dense retrieval, on our own set and public ones.

`medcite eval` runs `eval.harness.run_eval_command`; the other modules are its stages: `datasets` (questions
and relevance judgements), `followups` (two-turn pairs), `metrics` (ranx), `abstention`, `report`, `gate`.
"""

from __future__ import annotations

import sys
import time

from qa.errors import MedciteError


class EvalError(MedciteError):
    """A data set, floors file or option the harness cannot use; the message says what to fix."""


def log(text: str) -> None:
    """A timestamped progress line on stderr, for the training commands (`eval.train_*`)."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)
