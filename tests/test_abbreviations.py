"""Abbreviations a document defines: learning them, and spelling them out in what is embedded."""

from __future__ import annotations

import itertools
import random

from hypothesis import given
from hypothesis import strategies as st

from qa import abbreviations
from qa.abbreviations import learn_abbreviations, spell_out


def test_learn_abbreviations_from_long_form_then_short_form() -> None:
    learned = learn_abbreviations(
        [
            "Patients with end-stage renal disease (ESRD) need dialysis.",
            "She was seen in the emergency department (ED) with acute kidney injury (AKI).",
        ]
    )
    assert learned == {"esrd": "end-stage renal disease", "ed": "emergency department", "aki": "acute kidney injury"}


def test_learn_abbreviations_ignores_brackets_that_are_not_abbreviations() -> None:
    assert learn_abbreviations(["Take it with a glass of water (WATER).", "Baclofen (Lioresal) is a relaxant."]) == {}


def test_abbreviation_matches_equal_the_plain_pattern_on_random_text() -> None:
    # The windowed search must find exactly what the pattern finds scanning every position: random texts of
    # words, capitals, digits, hyphens, brackets, punctuation and odd spaces, many with long forms in them.
    rng = random.Random(5)
    pieces = ["renal", "End-stage", "disease", "a", "B", "kidney", "x1", "_u", "9", "(ESRD)", "(ED)", "(AKI)", "(a)"]
    pieces += ["(Lioresal)", "(", ")", ",", ".", "-", "ACUTE", "injury", "(IS)", "\t", "\n", "\u00a0", "(CKD)x"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) + rng.choice([" ", " ", "", "  ", "\n"]) for _ in range(rng.randint(0, 40)))
        expected = [(m.span(), m.groups()) for m in abbreviations._LONG_THEN_SHORT.finditer(text)]
        assert [(m.span(), m.groups()) for m in abbreviations._long_then_short(text)] == expected, repr(text)


def test_a_letter_of_the_short_form_is_spelled_by_one_initial_only() -> None:
    # "AAP" needs two words starting with "a": "Academy of Pediatrics" alone has one (it was learned so, and "ZZ"
    # from "Z allele", when the first initial counted for the second letter too).
    learned = learn_abbreviations(
        ["The American Academy of Pediatrics (AAP) advises.", "Two copies of the Z allele (ZZ)."]
    )
    assert learned == {"aap": "american academy of pediatrics"}


def test_one_long_word_defines_the_letters_it_holds_in_order() -> None:
    learned = learn_abbreviations(["Patients on hemodialysis (HD) and an electrocardiogram (ECG) at rest (AR)."])
    # "at rest" spells AR by initials; "rest" alone is too short to hold "ar" as a compound.
    assert learned == {"hd": "hemodialysis", "ecg": "electrocardiogram", "ar": "at rest"}
    assert learn_abbreviations(["The dialysis (HD) was long.", "Drink water (WATER).", "See note (ON) below."]) == {}


def test_spelling_out_keeps_the_definition_and_moves_the_sentences() -> None:
    text = "Hemodialysis (HD) was used. Total of 3 HD session performed. 3 hours of HD #1: removed. Hd? hd."
    sentences = ["Hemodialysis (HD) was used.", "Total of 3 HD session performed.", "3 hours of HD #1: removed."]
    spans = [(text.index(s), text.index(s) + len(s)) for s in sentences]
    out, moved = spell_out(text, spans, {"hd": "hemodialysis"})
    assert [out[a:b] for a, b in moved] == [
        "Hemodialysis (HD) was used.",
        "Total of 3 hemodialysis session performed.",
        "3 hours of hemodialysis #1: removed.",
    ]
    # A short form is written with two capitals: "Hd" and "hd" are other words ("As" is not "AS").
    assert out.endswith("Hd? hd.")
    assert (
        spell_out("As AS grows.", [(0, 12)], {"as": "ankylosing spondylitis"})[0] == "As ankylosing spondylitis grows."
    )
    assert spell_out(text, spans, {}) == (text, spans)


WORDS = ["HD", "hd", "Hd", "(HD)", "CKD", "CKDs", "kidney", "a", "HD-", "xHD", "."]


@given(st.lists(st.sampled_from(WORDS), max_size=30), st.data())
def test_spelling_out_replaces_only_short_forms_and_keeps_every_sentence(words: list[str], data: st.DataObject) -> None:
    text = " ".join(words)
    # Spans on word boundaries, in order, not overlapping: what the chunker gives.
    bounds = sorted({0, len(text), *(i for i, c in enumerate(text) if c == " ")})
    cut = sorted(data.draw(st.sets(st.sampled_from(bounds), max_size=6)))
    spans = [(a + (a > 0), b) for a, b in itertools.pairwise(cut) if b > a + (a > 0)]
    table = {"hd": "hemodialysis", "ckd": "chronic kidney disease"}
    out, moved = spell_out(text, spans, table)
    # Each sentence becomes itself with its own short forms spelled out, and nothing else changes.
    for (a, b), (c, d) in zip(spans, moved, strict=True):
        assert out[c:d] == spell_out(text[a:b], [(0, b - a)], table)[0]
    assert out.replace("hemodialysis", "HD").replace("chronic kidney disease", "CKD") == text.replace(
        "hemodialysis", "HD"
    ).replace("chronic kidney disease", "CKD")
