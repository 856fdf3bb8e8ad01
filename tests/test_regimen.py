"""A dose and how often it is taken, as written in a question (`qa.regimen`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.regimen import regimen


@pytest.mark.parametrize(
    ("text", "dose", "frequency"),
    [
        ("is baclofen 5 mg bid safe in CKD?", "5 mg", "bid"),
        ("2.5mg b.i.d.", "2.5mg", "b.i.d."),
        ("500 mcg three times a day", "500 mcg", "three times a day"),
        ("0.5 mg/kg q 8 hours", "0.5 mg/kg", "q 8 hours"),
        ("10 units at bedtime", "10 units", "at bedtime"),
        ("0-60 mg daily", "0-60 mg", "daily"),
        ("<10 mg qd", "<10 mg", "qd"),
        ("gabapentin 300 mg twice daily", "300 mg", "twice daily"),
        ("every 12 hours", None, "every 12 hours"),
        ("is baclofen safe in CKD 3?", None, None),
    ],
)
def test_a_dose_and_how_often_are_found_as_written(text: str, dose: str | None, frequency: str | None) -> None:
    found = regimen(text)
    assert (text[slice(*found.dose)] if found.dose else None) == dose
    assert (text[slice(*found.frequency)] if found.frequency else None) == frequency


@pytest.mark.parametrize("text", ["the 5 mg tablets", "HD3 in 2004", "10 mg"])
def test_words_that_only_start_like_a_frequency_are_none(text: str) -> None:
    # "the" holds no "qd"; a dose alone has no frequency.
    assert regimen(text).frequency is None


@given(st.text(max_size=60))
def test_the_parts_found_lie_in_the_text(text: str) -> None:
    found = regimen(text)
    for span in (found.dose, found.route, found.frequency):
        assert span is None or 0 <= span[0] < span[1] <= len(text)


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("what is the oral dose of baclofen?", "oral"),
        ("5 mg PO bid", "PO"),
        ("the iv dose", "iv"),
        ("given intravenously", "intravenously"),
        ("10 mg IM once", "IM"),
        ("by nebulizer", None),  # a device, not a route of a prescription's words
        ("im on baclofen", None),  # "I'm", typed without its apostrophe
        ("is it safe?", None),
        ("what about IT baclofen?", "IT"),  # intrathecal, in capitals in a text that is not
        ("IS IT SAFE IN CKD?", None),  # all capitals: a pronoun shouted
        ("IM ON BACLOFEN 10 MG", None),
    ],
)
def test_the_route_is_found_as_written(text: str, route: str | None) -> None:
    found = regimen(text).route
    assert (text[slice(*found)] if found else None) == route
