"""Kidney-function categories named in a text (`qa.kidney`): where, and which band."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.kidney import categories


@pytest.mark.parametrize(
    ("text", "named", "band"),
    [
        ("is HD useful for baclofen OD if kidneys are normal?", "kidneys are normal", (90.0, math.inf)),
        ("baclofen dose in ESRD pts", "ESRD", (0.0, 15.0)),
        ("a patient on peritoneal dialysis", "on peritoneal dialysis", (0.0, 15.0)),
        # The graded name whole, not the ungraded one inside it.
        ("in moderate chronic kidney disease", "moderate chronic kidney disease", (30.0, 60.0)),
        # A stage is its KDIGO category, 15-29 (stage 5 is kidney failure); the word "severe" reads below 30, as
        # dosing sources write it ("avoid in severe renal impairment (CrCl <30 mL/min)").
        ("with stage 4 CKD", "stage 4 CKD", (15.0, 30.0)),
        ("what dose of baclofen is safe in CKD 4?", "CKD 4", (15.0, 30.0)),
        ("CKD G4 pts", "CKD G4", (15.0, 30.0)),
        ("severe CKD", "severe CKD", (0.0, 30.0)),
        ("in severe renal impairment", "severe renal impairment", (0.0, 30.0)),
        ("baclofen 5 mg TID in a HD patient", "HD patient", (0.0, 15.0)),
        # Named with no grade: a category of a conversation's patient, a range of none.
        ("in patients with impaired renal function?", "impaired renal function", None),
        ("apixaban dose in kidney disease", "kidney disease", None),
        ("is baclofen safe in AKI?", "AKI", None),
    ],
)
def test_a_category_is_found_whole_with_its_band(text: str, named: str, band: tuple[float, float] | None) -> None:
    [category] = categories(text)
    assert text[category.start : category.end] == named and category.band == band


@pytest.mark.parametrize(
    "text", ["is baclofen dialyzable?", "does HD remove baclofen?", "a severe reaction", "the kidneys clear it"]
)
def test_dialysis_as_a_treatment_is_no_category(text: str) -> None:
    assert categories(text) == []


@given(st.text(alphabet=st.sampled_from(list("abcdeiklnoprstuvyCDEKRS -")), max_size=80))
def test_categories_are_in_order_and_never_overlap(text: str) -> None:
    found = categories(text)
    assert all(0 <= c.start < c.end <= len(text) for c in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


def test_categories_in_a_text_built_of_names_are_each_found() -> None:
    text = "ESRD, mild CKD and normal kidney function"
    assert [text[c.start : c.end] for c in categories(text)] == ["ESRD", "mild CKD", "normal kidney function"]
