"""The disagreement tuner's choice rule: the most "differ" questions flagged within the false-alarm bound."""

from __future__ import annotations

from eval.datasets import Query
from eval.tune_disagreement import MAX_FALSE_ALARMS, Scored, false_alarms, rates, worth


def _scored(differ: int, direct: int) -> list[Scored]:
    questions = [Query(f"d{i}", "q", differ=True) for i in range(differ)]
    questions += [Query(f"n{i}", "q") for i in range(direct)]
    return [Scored("own", q, (), {}) for q in questions]


def test_rates_count_differ_questions_flagged_and_others_flagged_wrongly() -> None:
    scored = _scored(2, 4)
    assert rates(scored, [True, False, True, False, False, False]) == (0.5, 0.25, 2, 4)


def test_a_setting_over_the_false_alarm_bound_is_worth_less_than_flagging_nothing() -> None:
    scored = _scored(2, 40)
    nothing = [False] * 42
    every_differ = [True, True] + [False] * 40
    noisy = [True, True] + [True] * 4 + [False] * 36
    assert MAX_FALSE_ALARMS < 4 / 40
    assert worth(scored, every_differ) == 1.0
    assert worth(scored, noisy) < worth(scored, nothing) == 0.0


def test_false_alarms_are_counted_per_set_of_other_questions() -> None:
    own = _scored(1, 2)
    messages = [Scored("messages/medquad", Query(f"m{i}", "q"), (), {}) for i in range(3)]
    flagged = [True, True, False, False, True, True]
    assert false_alarms([*own, *messages], flagged) == {"own": (1, 2), "messages/medquad": (2, 3)}


def test_the_false_alarm_bound_holds_for_each_set_not_only_pooled() -> None:
    # 3 of 20 long messages flagged hide among 200 other questions pooled (3 of 220), not within their own set.
    own = _scored(2, 200)
    messages = [Scored("messages/medquad", Query(f"m{i}", "q"), (), {}) for i in range(20)]
    pooled_only = [True, True] + [False] * 200 + [True] * 3 + [False] * 17
    assert 3 / 220 <= MAX_FALSE_ALARMS < 3 / 20
    assert worth([*own, *messages], pooled_only) == -1.0
    # One question of a small set may be flagged.
    one = [True, True] + [False] * 200 + [True] + [False] * 19
    assert worth([*own, *messages], one) == 1.0
