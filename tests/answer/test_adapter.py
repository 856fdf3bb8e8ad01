"""The question adapter: its file, what it maps, and the adapted cosine the scorer reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.answer.adapter import ADAPTER_FILE, Adapter, shipped_adapter
from qa.answer.features import FEATURES, Asked, feature_matrix
from qa.settings import BUNDLED_MODEL

from ._fixtures import DIM, unit
from .test_scoring import CANDIDATES, HITS, column, weigh

SWAP = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
# The same swap of the first two coordinates, in the fixtures' width.
SWAP_WIDE = np.eye(DIM, dtype=np.float32)[[1, 0, *range(2, DIM)]]


def test_an_adapter_maps_questions_to_unit_vectors() -> None:
    adapter = Adapter(np.array([[2.0, 0.0], [0.0, 1.0]], dtype=np.float32))
    mapped = adapter.apply(np.array([[0.6, 0.8], [1.0, 0.0]], dtype=np.float32))
    # (1.2, 0.8) and (2, 0) scaled to unit length.
    assert np.allclose(mapped, [[0.8321, 0.5547], [1.0, 0.0]], atol=1e-4)
    assert np.allclose(np.linalg.norm(mapped, axis=1), 1.0)


def test_an_adapter_applies_to_its_own_model_and_width_only() -> None:
    adapter = Adapter(np.eye(2, dtype=np.float32), model="m")
    assert adapter.applies_to("m", 2) and adapter.applies_to(None, 2)
    assert not adapter.applies_to("other", 2)
    assert not adapter.applies_to("m", 3)


@pytest.mark.parametrize("matrix", [np.zeros((2, 3)), np.zeros(4), np.array([[np.nan, 0.0], [0.0, 1.0]])])
def test_an_adapter_is_a_square_matrix_of_numbers(matrix: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"square matrix|finite"):
        Adapter(matrix)


def test_an_adapter_survives_its_file(tmp_path: Path) -> None:
    path = tmp_path / "adapter.npz"
    written = Adapter(SWAP * 0.5, model="m", trained_on="t", command="c", figures={"x": 0.5})
    written.save(path)
    read = Adapter.load(path)
    assert (read.model, read.trained_on, read.command, read.figures) == ("m", "t", "c", {"x": 0.5})
    assert np.array_equal(read.matrix, SWAP * 0.5)
    assert [p.name for p in tmp_path.iterdir()] == ["adapter.npz"]


def test_a_bad_adapter_file_is_refused_naming_the_command(tmp_path: Path) -> None:
    missing = tmp_path / "missing.npz"
    with pytest.raises(ValueError, match=r"cannot read .*python -m eval.train_adapter"):
        Adapter.load(missing)
    garbage = tmp_path / "garbage.npz"
    garbage.write_text("not an npz", encoding="utf-8")
    with pytest.raises(ValueError, match=r"malformed|cannot read"):
        Adapter.load(garbage)
    other = tmp_path / "other.npz"
    np.savez(other, matrix=np.eye(2), header=np.array('{"format": "something-else"}'))
    with pytest.raises(ValueError, match="not of format"):
        Adapter.load(other)


def test_the_shipped_adapter_maps_the_bundled_model() -> None:
    adapter = shipped_adapter()
    assert adapter is not None and ADAPTER_FILE.stat().st_size < 1_000_000
    assert adapter.model == BUNDLED_MODEL and adapter.dim == 384
    assert adapter.trained_on and adapter.command == "python -m eval.train_adapter"


def test_the_adapted_cosine_is_the_plain_one_without_an_adapter() -> None:
    asked = Asked("what is the dose of fexolan?", unit(1.0, 0.0)[None, :])
    matrix = feature_matrix(CANDIDATES, HITS, asked, weigh)
    assert column(matrix, "cos_adapted") == column(matrix, "cos_question")
    assert column(matrix, "cos_adapted_gap") == column(matrix, "cos_question_gap")


def test_the_adapted_cosine_compares_sentences_with_the_mapped_question() -> None:
    vectors = unit(1.0, 0.0)[None, :]
    asked = Asked("what is the dose of fexolan?", vectors, adapted=Adapter(SWAP_WIDE).apply(vectors))
    matrix = feature_matrix(CANDIDATES, HITS, asked, weigh)
    # The question (1, 0) mapped to (0, 1): the third sentence, "The usual dose is 5 mg.", is now the closest.
    assert column(matrix, "cos_adapted") == [0.0, 0.8, 1.0, 0.6]
    assert column(matrix, "cos_adapted_gap") == [-1.0, -0.2, 0.0, -0.4]
    assert column(matrix, "cos_question") == [1.0, 0.6, 0.0, 0.8]
    assert "cos_adapted" in FEATURES
