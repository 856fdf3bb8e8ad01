"""Training the emergency reader: the weights of its groups, its fit, and the threshold it ships with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eval import EvalError
from eval.train_emergency import LABELLED, Message, _weights, fit, flags, labelled, threshold_for, veto_threshold

# About someone now, with no event the lexicons know: only the reader can flag these.
REACHED = "my uncle was hit by a car and is lying in the road"
CALM_NOW = "my uncle wants to know if he can take baclofen with his tea"


def _message(group: str, text: str, emergency: bool) -> Message:
    return Message(group, f"{group}/{text}", text, emergency, "tune")


def test_each_group_weighs_the_same_within_its_class() -> None:
    messages = [
        _message(LABELLED, "a", True),
        _message(LABELLED, "b", True),
        _message(LABELLED, "c", False),
        *(_message("medquad", f"q{i}", False) for i in range(6)),
    ]
    w = _weights(messages)
    assert w[0] + w[1] == pytest.approx(w[2] + sum(w[3:]))  # the two classes
    assert w[2] == pytest.approx(sum(w[3:]))  # labelled calm against all of MedQuAD
    assert w.sum() == pytest.approx(len(messages))


def test_the_reader_learns_which_side_of_the_vectors_emergencies_are_on() -> None:
    messages = [_message(LABELLED, f"e{i}", True) for i in range(5)] + [
        _message("calm", f"c{i}", False) for i in range(5)
    ]
    vectors = np.array([[1.0, 0.1 * i] for i in range(5)] + [[-1.0, 0.1 * i] for i in range(5)])
    reader = fit(messages, vectors, l2=0.001, model="m")
    p = reader.probabilities(vectors)
    assert (p[:5] > 0.5).all() and (p[5:] < 0.5).all()


def test_the_threshold_keeps_calm_messages_below_it_halfway_to_the_next_emergency() -> None:
    messages = [
        _message(LABELLED, REACHED, True),
        _message(LABELLED, CALM_NOW, False),
        _message("questions", CALM_NOW + "?", False),
        # The lexicons flag this one whatever the reader says: it does not bear on the threshold.
        _message(LABELLED, "my uncle is unconscious", True),
    ]
    probabilities = np.array([0.9, 0.7, 0.6, 0.1])
    threshold = threshold_for(messages, probabilities, alarms=0.0)
    assert threshold == pytest.approx((0.7 + 0.9) / 2)
    assert flags(messages, probabilities, threshold) == [True, False, False, True]
    # Every calm question may be raised, and still none of the labelled calm ones: the bound is 0.7 still.
    assert threshold_for(messages, probabilities, alarms=1.0) == pytest.approx(0.8)


def test_the_threshold_is_above_one_half_at_least() -> None:
    messages = [_message(LABELLED, REACHED, True), _message(LABELLED, CALM_NOW, False)]
    assert threshold_for(messages, np.array([0.45, 0.2]), alarms=0.0) > 0.5


def test_a_labelled_message_without_its_fields_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "emergency.jsonl"
    path.write_text('{"id": "x", "message": "my son is unconscious"}\n', encoding="utf-8")
    with pytest.raises(EvalError, match="'emergency' true/false"):
        labelled(path)


def test_the_situation_threshold_lies_halfway_down_from_the_lowest_emergency_about_someone_now() -> None:
    messages = [
        _message(LABELLED, "my uncle is unconscious", True),
        # An emergency the line cannot flag (about no one now) does not bear on it.
        _message(LABELLED, "what if a man is unconscious", True),
        _message(LABELLED, "for my boards: a man is unconscious", False),
        _message(LABELLED, "in the lecture my uncle is unconscious", False),
        _message(LABELLED, "my uncle is calm", False),
    ]
    probabilities = np.array([0.4, 0.05, 0.3, 0.1, 0.8])
    flagged = [True, False, False, False, False]
    assert veto_threshold(messages, probabilities, flagged) == pytest.approx((0.4 + 0.3) / 2)
    # With no calm message below the lowest emergency, halfway down to 0.
    assert veto_threshold(messages[:2], probabilities[:2], flagged[:2]) == pytest.approx(0.2)


def test_the_line_after_the_situation_reader_keeps_only_the_events_it_keeps() -> None:
    messages = [_message(LABELLED, "my uncle is unconscious", True), _message(LABELLED, REACHED, True)]
    probabilities = np.array([0.1, 0.9])
    assert flags(messages, probabilities, 0.5) == [True, True]
    assert flags(messages, probabilities, 0.5, [False, True]) == [False, True]
    # A calm message whose event the situation reader takes away is no alarm: the threshold may go lower.
    calm = [*messages, _message(LABELLED, CALM_NOW, False)]
    read = np.array([0.1, 0.9, 0.7])
    assert threshold_for(calm, read, 0.0) == pytest.approx(0.8)
    assert threshold_for(calm, read, 0.0, [True, True, False]) == pytest.approx((0.5 + 0.9) / 2)
