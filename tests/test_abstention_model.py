"""The learned abstention model (qa/abstention.py): its probability by hand, saving, loading, clear errors."""

from __future__ import annotations

import json
import math

import pytest

from qa.abstention import FEATURES, MODEL_FILE, AbstentionModel, feature_values, shipped_model
from qa.confidence import Signals


def make_signals(**changes: object) -> Signals:
    values: dict[str, object] = {
        "dense": 0.75,
        "coverage": 0.5,
        "rare_coverage": 0.25,
        "covered_rare": 1,
        "missing_rare": 1,
        "missing_light": 0,
        "missing_drug": 1,
        "topic_words": 3,
        "followup": False,
    }
    values.update(changes)
    return Signals(**values)  # type: ignore[arg-type]


def test_features_are_read_from_the_signals() -> None:
    values = dict(zip(FEATURES, feature_values(make_signals()), strict=True))
    assert values["formula"] == pytest.approx(0.75 * 0.25)
    assert values["dense"] == 0.75 and values["coverage"] == 0.5 and values["rare_coverage"] == 0.25
    assert values["missing_drug"] == 1.0 and values["nothing_rare_covered"] == 0.0
    assert values["log_topic_words"] == pytest.approx(math.log(4))
    assert dict(zip(FEATURES, feature_values(make_signals(covered_rare=0)), strict=True))["nothing_rare_covered"] == 1
    # Counts are capped; a negative cosine is no evidence.
    assert feature_values(make_signals(missing_rare=9, dense=-0.3), ("missing_rare", "dense")) == [3.0, 0.0]


def test_probability_is_the_logistic_of_the_standardised_features() -> None:
    model = AbstentionModel(("dense", "missing_drug"), (0.5, 0.0), (0.25, 1.0), (2.0, -1.0), 0.5, 0.6)
    # z = 0.5 + (0.75 - 0.5) / 0.25 * 2 + (1 - 0) / 1 * -1 = 1.5
    assert model.probability(make_signals()) == pytest.approx(1 / (1 + math.exp(-1.5)))
    assert model.probability(make_signals(missing_drug=0)) == pytest.approx(1 / (1 + math.exp(-2.5)))


def test_the_formula_model_abstains_where_the_formula_is_below_its_threshold() -> None:
    model = AbstentionModel.formula(0.23)
    below = make_signals(dense=0.9, coverage=0.5)  # 0.225
    above = make_signals(dense=0.95, coverage=0.5)  # 0.2375
    assert model.probability(below) < model.threshold < model.probability(above)


def test_a_model_round_trips_through_its_file(tmp_path) -> None:
    model = AbstentionModel(("formula",), (0.1,), (0.2,), (3.0,), -1.0, 0.4, trained_on="test", command="cmd")
    model.save(tmp_path / "m.json")
    assert AbstentionModel.load(tmp_path / "m.json") == model


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "not valid JSON"),
        (json.dumps({"format": "other"}), "not of format"),
        (json.dumps({"format": "medcite-abstention-1", "features": ["formula"]}), "malformed"),
        (
            json.dumps(
                {
                    "format": "medcite-abstention-1",
                    "features": ["shoe_size"],
                    "mean": [0],
                    "scale": [1],
                    "weights": [1],
                    "bias": 0,
                    "threshold": 0.5,
                }
            ),
            "shoe_size",
        ),
        (
            json.dumps(
                {
                    "format": "medcite-abstention-1",
                    "features": ["formula"],
                    "mean": [0],
                    "scale": [1],
                    "weights": [1],
                    "bias": 0,
                    "threshold": 1.5,
                }
            ),
            "threshold",
        ),
    ],
)
def test_a_missing_or_malformed_file_is_refused_saying_how_to_rebuild_it(tmp_path, content, message) -> None:
    path = tmp_path / "abstention.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as raised:
        AbstentionModel.load(path)
    assert "python -m eval.train_abstention" in str(raised.value)


def test_a_model_with_mismatched_weights_is_refused() -> None:
    with pytest.raises(ValueError, match="one mean, scale and weight"):
        AbstentionModel(("formula", "dense"), (0.0,), (1.0,), (1.0,), 0.0, 0.5)
    with pytest.raises(ValueError, match="scales must be positive"):
        AbstentionModel(("formula",), (0.0,), (0.0,), (1.0,), 0.0, 0.5)


def test_the_shipped_model_loads_with_what_trained_it() -> None:
    model = shipped_model()
    assert MODEL_FILE.is_file() and 0 < model.threshold < 1
    assert "tune" in model.trained_on and model.command.startswith("python -m eval.train_abstention")
    assert set(model.features) <= set(FEATURES)
