"""Cached training features are keyed by the code that computes them: a change to it computes them again."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval import selection
from eval.datasets import Query
from eval.fingerprint import code_fingerprint


def test_the_fingerprint_changes_with_any_named_file(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("y = 2\n")
    before = code_fingerprint(("a.py", "b.py"), root=tmp_path)
    assert before == code_fingerprint(("a.py", "b.py"), root=tmp_path)
    (tmp_path / "b.py").write_text("y = 3\n")
    assert code_fingerprint(("a.py", "b.py"), root=tmp_path) != before
    # Which file holds which text counts too.
    (tmp_path / "a.py").write_text("y = 3\n")
    (tmp_path / "b.py").write_text("x = 1\n")
    assert code_fingerprint(("a.py", "b.py"), root=tmp_path) != code_fingerprint(("b.py", "a.py"), root=tmp_path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"gone\.py"):
        code_fingerprint(("gone.py",), root=tmp_path)


def test_the_answer_features_cache_key_follows_the_code_that_computes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    queries = [Query("q1", "what is gout?")]
    key = selection.cache_key("own", queries, "{}")
    assert key == selection.cache_key("own", queries, "{}")
    monkeypatch.setattr(selection, "code_fingerprint", lambda names: "changed")
    assert selection.cache_key("own", queries, "{}") != key
    # The pipeline's own modules are among what it hashes.
    assert {"qa/answer/features.py", "qa/answer/candidates.py", "qa/retrieve.py"} <= set(selection.FEATURE_CODE)
