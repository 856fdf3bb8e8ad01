"""BM25 scores worked out by hand on a three-text corpus.

Tokens after stopwords and stemming: [cat, sat, mat], [dog, chase, cat], [baclofen, hemodialysi, clearanc].
Every text has 3 tokens, so avgdl = 3 and the length factor is 1: score = idf * tf / (tf + k1), k1 = 1.5,
idf = ln(1 + (N - df + 0.5) / (df + 0.5)), N = 3.
  cat (df 2):      idf = ln(1 + 1.5/2.5) = ln 1.6    -> 0.470004 / 2.5 = 0.188001
  baclofen (df 1): idf = ln(1 + 2.5/1.5) = ln(8/3)   -> 0.980829 / 2.5 = 0.392332
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from qa.bm25 import BM25Index

TEXTS = ["The cat sat on the mat.", "Dogs chase cats!", "Baclofen hemodialysis clearance"]
CAT = math.log(1.6) / 2.5
BACLOFEN = math.log(8 / 3) / 2.5


def test_scores_match_hand_computed_values() -> None:
    index = BM25Index.build(TEXTS)
    assert index.rows == 3
    np.testing.assert_allclose(index.scores("cat"), [CAT, CAT, 0.0], rtol=1e-5)
    # "Cats?" lower-cases and stems to "cat": the same tokeniser runs on the query as on the corpus.
    np.testing.assert_allclose(index.scores("Cats?"), [CAT, CAT, 0.0], rtol=1e-5)
    np.testing.assert_allclose(index.scores("cat baclofen"), [CAT, CAT, BACLOFEN], rtol=1e-5)
    assert index.scores("cat").dtype == np.float32


def test_search_orders_by_score_then_row_and_stops_at_k() -> None:
    index = BM25Index.build(TEXTS)
    rows, scores = index.search("cat baclofen", k=10)
    assert rows.tolist() == [2, 0, 1]
    np.testing.assert_allclose(scores, [BACLOFEN, CAT, CAT], rtol=1e-5)
    rows, scores = index.search("cat", k=1)
    # Rows 0 and 1 tie; the lower row wins so results are the same on every run.
    assert rows.tolist() == [0]
    np.testing.assert_allclose(scores, [CAT], rtol=1e-5)
    rows, _ = index.search("hemodialysis", k=3)
    assert rows.tolist() == [2]


@pytest.mark.parametrize("query", ["zebra", "the of and", "", "?!"])
def test_query_without_known_token_returns_empty(query: str) -> None:
    index = BM25Index.build(TEXTS)
    rows, scores = index.search(query, k=5)
    assert rows.shape == (0,) and scores.shape == (0,)
    assert index.scores(query).tolist() == [0.0, 0.0, 0.0]


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    BM25Index.build(TEXTS).save(tmp_path / "bm25")
    for mmap in (True, False):
        loaded = BM25Index.load(tmp_path / "bm25", mmap=mmap)
        assert loaded.rows == 3
        np.testing.assert_allclose(loaded.scores("cat baclofen"), [CAT, CAT, BACLOFEN], rtol=1e-5)
    # Plain arrays: loadable without pickle.
    for path in (tmp_path / "bm25").glob("*.npy"):
        np.load(path, allow_pickle=False)


def test_load_missing_and_damaged(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"params\.index\.json"):
        BM25Index.load(tmp_path / "nothing")
    BM25Index.build(TEXTS).save(tmp_path / "bm25")
    vocab = tmp_path / "bm25" / "vocab.index.json"
    original = vocab.read_text(encoding="utf-8")
    # A vocabulary naming a column the score matrix does not have (8 real tokens -> columns 0..7).
    vocab.write_text('{"cat": 99}', encoding="utf-8")
    with pytest.raises(ValueError, match="inconsistent"):
        BM25Index.load(tmp_path / "bm25")
    vocab.write_text(original, encoding="utf-8")
    data = tmp_path / "bm25" / "data.csc.index.npy"
    data.write_bytes(data.read_bytes()[:-8])
    with pytest.raises(ValueError):
        BM25Index.load(tmp_path / "bm25")


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least one text"):
        BM25Index.build([])
    with pytest.raises(ValueError, match="k must be positive"):
        BM25Index.build(TEXTS).search("cat", k=0)
