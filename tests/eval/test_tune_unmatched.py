"""The notice tuner's choice rule: the highest gate within the in-scope noise bound, near-scope warnings beside it."""

from __future__ import annotations

from eval.splits import HELD_OUT, TUNE
from eval.tune_unmatched import MAX_NOISE, NEAR, Retrieved, choose, shares


def _asked(confidences: list[float], *, split: str = TUNE, words: tuple[str, ...] = ("x",)) -> list[Retrieved]:
    return [Retrieved(split, c, c < 0.3, words) for c in confidences]


def test_a_question_is_named_only_when_answered_below_the_gate_with_a_missing_word() -> None:
    assert Retrieved(TUNE, 0.6, False, ("pregnancy",)).named(0.7)
    assert not Retrieved(TUNE, 0.6, False, ("pregnancy",)).named(0.6)  # at the gate: sure enough
    assert not Retrieved(TUNE, 0.6, False, ()).named(0.7)  # nothing missing
    assert not Retrieved(TUNE, 0.1, True, ("pregnancy",)).named(0.7)  # abstained on: no answer to carry it


def test_near_scope_questions_count_warned_either_way_and_in_scope_ones_count_the_answered_named() -> None:
    near = [*_asked([0.1, 0.5, 0.9]), *_asked([0.6], split=HELD_OUT)]
    found = shares(near, 0.7, near=True)
    assert found == {TUNE: 2 / 3, HELD_OUT: 1.0}
    # In scope: the abstained question (0.1) is left out of the denominator.
    assert shares(_asked([0.1, 0.5, 0.9]), 0.7, near=False)[TUNE] == 0.5


def test_the_chosen_gate_is_the_highest_within_every_in_scope_sets_noise_bound() -> None:
    # Ten answered in-scope questions at 0.55, 0.65, ..., 1.45: a gate of g names those below it.
    in_scope = _asked([0.55 + 0.1 * i for i in range(10)])
    assert MAX_NOISE == 0.10
    # 0.6 names one of ten (within the bound); 0.7 names two.
    assert choose({NEAR: _asked([0.5]), "own": in_scope}) == 0.6
    # A second set noisier at every gate above 0.5 holds the choice down: the bound holds for each set.
    noisy = _asked([0.52, 0.58, 0.9, 0.9])
    assert choose({NEAR: _asked([0.5]), "own": in_scope, "other": noisy}) == 0.5
    # Held-out questions never choose.
    assert choose({NEAR: [], "own": [*in_scope, *_asked([0.51] * 10, split=HELD_OUT)]}) == 0.6
