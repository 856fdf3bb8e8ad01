"""What cached training data depends on besides the questions and the index: the code that computes it.

`eval.train_abstention` and `eval.train_selector` cache what they extract per question (abstention signals, answer
features); a change to retrieval, query understanding or the features must extract them again, or a model would be
trained on what the code no longer computes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from qa.settings import REPO_ROOT


def code_fingerprint(names: Sequence[str], *, root: Path = REPO_ROOT) -> str:
    """A short hash of the named source files (paths under `root`, in the order given).

    Raises:
        FileNotFoundError: a named file is missing (its path is in the message).
    """
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode("utf-8") + b"\x1f")
        digest.update((root / name).read_bytes())
        digest.update(b"\x1e")
    return digest.hexdigest()[:12]
