"""The notice tuner's choice rule: the most near-scope warnings within the in-scope noise bound, then the quietest."""

from __future__ import annotations

from eval.splits import HELD_OUT, TUNE
from eval.tune_unmatched import FREQUENT, MAX_NOISE, NEAR, Retrieved, choose, shares


def _asked(
    confidences: list[float], *, split: str = TUNE, words: dict[int, tuple[str, ...]] | None = None
) -> list[Retrieved]:
    return [Retrieved(split, c, c < 0.3, words or {0: ("x",)}) for c in confidences]


def test_a_question_is_named_only_when_answered_below_the_gate_with_a_missing_word() -> None:
    assert Retrieved(TUNE, 0.6, False, {0: ("pregnancy",)}).named(0.7)
    assert not Retrieved(TUNE, 0.6, False, {0: ("pregnancy",)}).named(0.6)  # at the gate: sure enough
    assert not Retrieved(TUNE, 0.6, False, {0: ()}).named(0.7)  # nothing missing
    assert not Retrieved(TUNE, 0.1, True, {0: ("pregnancy",)}).named(0.7)  # abstained on: no answer to carry it
    # "take" is passed over where the 1,000 most frequent words are.
    words = {0: ("take",), 1000: ()}
    assert Retrieved(TUNE, 0.6, False, words).named(0.7) and not Retrieved(TUNE, 0.6, False, words).named(0.7, 1000)


def test_near_scope_questions_count_warned_either_way_and_in_scope_ones_count_the_answered_named() -> None:
    near = [*_asked([0.1, 0.5, 0.9]), *_asked([0.6], split=HELD_OUT)]
    found = shares(near, 0.7, near=True)
    assert found == {TUNE: 2 / 3, HELD_OUT: 1.0}
    # In scope: the abstained question (0.1) is left out of the denominator.
    assert shares(_asked([0.1, 0.5, 0.9]), 0.7, near=False)[TUNE] == 0.5


def test_the_chosen_gate_is_the_highest_within_every_in_scope_sets_noise_bound() -> None:
    # Ten answered in-scope questions at 0.55, 0.65, ..., 1.45: a gate of g names those below it. Every question
    # names a word however many frequent words are passed over, so the choice is of the gate.
    named = dict.fromkeys(FREQUENT, ("x",))
    in_scope = _asked([0.55 + 0.1 * i for i in range(10)], words=named)
    near = _asked([0.5, 0.65], words=named)
    assert MAX_NOISE == 0.10
    # 0.6 names one of ten (within the bound); 0.7 names two.
    assert choose({NEAR: near, "own": in_scope}) == (FREQUENT[-1], 0.6)
    # A second set noisier at every gate above 0.5 holds the choice down: the bound holds for each set.
    noisy = _asked([0.52, 0.58, 0.9, 0.9], words=named)
    assert choose({NEAR: near, "own": in_scope, "other": noisy}) == (FREQUENT[-1], 0.5)
    # Held-out questions never choose.
    assert choose({NEAR: near, "own": [*in_scope, *_asked([0.51] * 10, split=HELD_OUT)]}) == (FREQUENT[-1], 0.6)


def test_the_frequent_words_passed_over_are_chosen_for_the_near_scope_questions_they_warn() -> None:
    # In scope, a frequent word ("take") is all that is missing: naming it is noise, passed over from 1,000 on.
    everyday = {n: ("take",) if n < 1000 else () for n in FREQUENT}
    in_scope = _asked([0.6] * 5 + [0.9] * 5, words=everyday)
    # Near scope, a rarer word ("teenager") is missing, passed over from 8,000 on.
    rarer = {n: ("teenager",) if n < 8000 else () for n in FREQUENT}
    near = _asked([0.6, 0.6], words=rarer)
    assert choose({NEAR: near, "own": in_scope}) == (4000, 1.01)


def test_of_pairs_that_warn_as_many_the_quietest_is_chosen() -> None:
    # Gates of 0.7 and 0.75 warn the near-scope question (0.6) and name no in-scope answer (0.75 is at the gate);
    # 0.8 to 0.95 warn no more and name one in ten, within the bound: noise for nothing.
    named = dict.fromkeys(FREQUENT, ("x",))
    in_scope = _asked([0.75] + [0.95] * 9, words=named)
    assert choose({NEAR: _asked([0.6], words=named), "own": in_scope}) == (FREQUENT[-1], 0.75)
