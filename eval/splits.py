"""The tune / held-out split of every question set, deterministic and keyed by what must not straddle it.

Anything tuned (the answer scorer's weights, the disagreement and abstention thresholds) is tuned on the "tune"
half only; `medcite eval` reports both halves side by side, so the held-out figures say how the tuning transfers.
The key is what must fall on one side: a MedQuAD page (its questions share one text), a PubMed abstract, a BEIR
query, one of our own questions. The split is a hash of the key, not a random draw, so it never moves when a set
grows or is read in another order.
"""

from __future__ import annotations

import hashlib

TUNE = "tune"
HELD_OUT = "heldout"
SPLITS = (TUNE, HELD_OUT)


def split_of(key: str) -> str:
    """ "tune" or "heldout" for a question keyed by `key` (about half each)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return TUNE if digest[0] % 2 == 0 else HELD_OUT


def medquad_page_key(doc_id: str) -> str:
    """The page a MedQuAD answer belongs to ("medquad/3_GHR_QA/0000640-3" -> "medquad/3_GHR_QA/0000640")."""
    return doc_id.rpartition("-")[0] if doc_id.startswith("medquad/") and "-" in doc_id else doc_id


def adapter_page(key: str) -> bool:
    """Whether a MedQuAD tune page (`medquad_page_key`) trains the question adapter (`eval.train_adapter`) rather
    than the answer scorer (`eval.train_selector`): about half of them, by another byte of the same hash. The
    scorer learns how far to trust the adapted cosine, which it could only judge on pages the adapter never saw."""
    return hashlib.sha256(key.encode("utf-8")).digest()[1] % 2 == 0


def fold_of_key(key: str, folds: int) -> int:
    """The cross-validation fold (0 to `folds` - 1) of whatever `key` names, by a hash: the same across runs."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") % folds
