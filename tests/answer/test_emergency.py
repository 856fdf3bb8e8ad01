"""The learned emergency reader: its file, what it reads, and how `is_emergency` uses it."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest

from qa.answer import is_emergency
from qa.answer.emergency import MODEL_FILE, NOW_FILE, EmergencyModel, readings, shipped_emergency_model
from qa.settings import BUNDLED_MODEL, REPO_ROOT


def _reader(weights: tuple[float, ...] = (4.0, -4.0), bias: float = 0.0, threshold: float = 0.5) -> EmergencyModel:
    return EmergencyModel(model="m", weights=weights, bias=bias, threshold=threshold)


def test_a_reader_gives_a_probability_per_vector() -> None:
    reader = _reader()
    p = reader.probabilities(np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.6]]))
    # sigmoid(4), sigmoid(-4), sigmoid(0).
    assert np.allclose(p, [0.98201, 0.01799, 0.5], atol=1e-4)
    assert reader.likely(np.array([1.0, 0.0])) and not reader.likely(np.array([0.0, 1.0]))


def test_a_reader_reads_its_own_model_and_width_only() -> None:
    reader = _reader()
    assert reader.applies_to("m", 2)
    assert not reader.applies_to("other", 2) and not reader.applies_to("m", 3)
    with pytest.raises(ValueError, match="2-dimensional"):
        reader.probabilities(np.zeros((1, 3)))


@pytest.mark.parametrize(
    ("weights", "threshold"), [((), 0.5), ((1.0, float("nan")), 0.5), ((1.0,), 0.0), ((1.0,), 1.0)]
)
def test_a_reader_is_finite_weights_and_a_probability(weights: tuple[float, ...], threshold: float) -> None:
    with pytest.raises(ValueError, match=r"weight|finite|probability"):
        EmergencyModel(model="m", weights=weights, bias=0.0, threshold=threshold)


def test_a_reader_survives_its_file(tmp_path: Path) -> None:
    path = tmp_path / "emergency.json"
    written = EmergencyModel("m", (0.5, -0.25), 0.125, 0.7, trained_on="t", command="c", figures={"x": 0.5})
    written.save(path)
    assert EmergencyModel.load(path) == written
    assert EmergencyModel.load(path).figures == {"x": 0.5}


def test_a_bad_reader_file_is_refused_naming_the_command(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot read .*python -m eval.train_emergency"):
        EmergencyModel.load(tmp_path / "missing.json")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "medcite-abstention-1"}), encoding="utf-8")
    with pytest.raises(ValueError, match="not of format"):
        EmergencyModel.load(other)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "medcite-emergency-1", "model": "m", "weights": [1.0]}), encoding="utf-8")
    with pytest.raises(ValueError, match="malformed"):
        EmergencyModel.load(broken)


def test_is_emergency_asks_the_reading_of_a_reader() -> None:
    reader = _reader()
    yes = reader.reading(lambda _message: np.array([1.0, 0.0]))
    no = reader.reading(lambda _message: np.array([0.0, 1.0]))
    message = "my uncle was hit by a car and is lying in the road"
    assert is_emergency(message, yes) and not is_emergency(message, no)


def test_the_shipped_reader_reads_the_bundled_model_and_ships_with_the_package() -> None:
    reader = shipped_emergency_model()
    assert reader is not None and MODEL_FILE.stat().st_size < 100_000
    assert reader.model == BUNDLED_MODEL and reader.dim == 384
    assert reader.trained_on and reader.command.startswith("python -m eval.train_emergency")
    # Chosen on tune only; its figures say how it did on both splits.
    assert {"tune reader emergencies flagged", "heldout reader emergencies flagged"} <= set(reader.figures)
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "answer/emergency.json" in project["tool"]["setuptools"]["package-data"]["qa"]


def test_the_shipped_situation_reader_reads_the_bundled_model_and_ships_with_the_package() -> None:
    reader = shipped_emergency_model(NOW_FILE)
    assert reader is not None and NOW_FILE.stat().st_size < 100_000
    assert reader.model == BUNDLED_MODEL and reader.dim == 384
    assert "emergency.jsonl" in reader.trained_on
    assert reader.command.startswith("python -m eval.train_emergency")
    # Its threshold lies below every tune emergency: the figures say none of them was taken away, on either split.
    figures = reader.figures
    assert figures["tune both readers emergencies flagged"] == figures["tune reader emergencies flagged"]
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "answer/emergency-now.json" in project["tool"]["setuptools"]["package-data"]["qa"]


def test_the_readings_apply_only_to_vectors_of_the_model_they_were_trained_on() -> None:
    def encode(_message: str) -> np.ndarray:
        return np.zeros(384)

    assert readings("another/model", 384, encode) == (None, None)
    likely, present = readings(BUNDLED_MODEL, 384, encode)
    assert callable(likely) and callable(present)
