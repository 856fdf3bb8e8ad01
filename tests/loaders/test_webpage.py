"""The shared page rules: furniture, metadata, citation markers, reference lists, related questions."""

from __future__ import annotations

import pytest

from qa.loaders.webpage import Line, PageMeta, clean_page, iso_date, label_heading, strip_markers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("February 4, 2026View editorial policy", "2026-02-04"),
        ("4 Feb 2026", "2026-02-04"),
        ("2023/05/07", "2023-05-07"),
        ("2021-11-30T08:00:00Z", "2021-11-30"),
        ("March 2019", "2019-03"),
        ("2007", "2007"),
        ("04/02/2026", ""),  # day/month order differs by country: not guessed
        ("February 30, 2026", ""),
    ],
)
def test_iso_date(text: str, expected: str) -> None:
    assert iso_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Conclusion:", "Conclusion"),
        ("Bottom Line:", "Bottom Line"),
        ("Take home points:", "Take home points"),
        ("Her symptoms were:", ""),
        ("Baclofen is dialyzable with clinically significant removal rates:", ""),
        ("Case: 14 year old woman", ""),
    ],
)
def test_label_heading(text: str, expected: str) -> None:
    assert label_heading(text) == expected


def test_markers_are_removed_and_remembered_at_their_offset() -> None:
    text, markers = strip_markers("Clearance is 128 mL/min in renal impairment 1. Give 10 mg 2", limit=6)
    # "Clearance is 128 mL/min in renal impairment" is 43 characters; ". Give 10 mg" adds 12.
    assert text == "Clearance is 128 mL/min in renal impairment. Give 10 mg"
    assert markers == ((43, (1,)), (55, (2,)))
    assert text[43] == "."


def test_marker_lists_before_a_clause_and_closing_brackets() -> None:
    text, markers = strip_markers(
        "dose reduction may be necessary 1, 4, but avoid it (within 48 hours) 3", limit=6
    )
    assert text == "dose reduction may be necessary, but avoid it (within 48 hours)"
    assert markers == ((31, (1, 4)), (63, (3,)))


@pytest.mark.parametrize(
    "sentence",
    [
        "Recovery was 2.71 ± 0.42 days vs. 9 days, p<0.01",
        "Avoid when eGFR <30 mL/min/1.73m²",
        "Pain was noted in 5 of 9 patients",
        "The removal rate constant is 0.152 h⁻¹",
        "Clearance was 2.14 mL/s (128 mL/min)",
        "Patients with stage 3 disease recovered by day 14.",
        "Give 2 tablets; repeat after 4 hours.",
    ],
)
def test_clinical_numbers_are_never_markers(sentence: str) -> None:
    assert strip_markers(sentence, limit=20) == (sentence, ())


def test_a_limit_of_zero_strips_nothing() -> None:
    assert strip_markers("renal impairment 1.", limit=0) == ("renal impairment 1.", ())


def _lines(*texts: str) -> list[Line]:
    """Lines for a page: "# X" is a heading, "- X" a list item, "" starts a new group."""
    lines: list[Line] = []
    group = 0
    for text in texts:
        if not text:
            group += 1
        elif text.startswith("# "):
            lines.append(Line(text[2:], "heading", 1, group))
        elif text.startswith("- "):
            lines.append(Line(text[2:], "item", group=group))
        else:
            lines.append(Line(text, group=group))
    return lines


def test_markers_are_only_stripped_on_pages_that_use_them() -> None:
    ordinary = clean_page(
        _lines("# Dosing", "Start with 5 mg three times a day on day 1.", "Review in room 4.")
    )
    assert [s.text for s in ordinary.sections] == [
        "Start with 5 mg three times a day on day 1.\nReview in room 4."
    ]
    assert ordinary.sections[0].markers == ()

    cited = clean_page(
        _lines(
            "# Dosing",
            "Baclofen accumulates in renal impairment 1.",
            "- Toxicity occurs at doses as low as 10 mg 2",
            "- Hemodialysis clears it 3, 2",
            "Repeat the level on day 4.",
        )
    )
    section = cited.sections[0]
    assert section.text == (
        "Baclofen accumulates in renal impairment.\n"
        "Toxicity occurs at doses as low as 10 mg\n"
        "Hemodialysis clears it\n"
        "Repeat the level on day 4."
    )
    # Offsets: 40 is the "." of line 1; line 2 starts at 42 and is 40 long; line 3 starts at 83, 22 long.
    assert section.markers == ((40, (1,)), (82, (2,)), (105, (3, 2)))


def test_a_reference_list_alone_allows_markers_up_to_its_length() -> None:
    page = clean_page(
        _lines("# Note", "Hypokalaemia is common 2.", "She went home on hospital day 14.", "", "# References",
               "1. Smith J. Potassium. BMJ. 2020.", "2. Doe A. Kidneys. Lancet. 2019. https://doi.org/10.1000/k2")
    )  # fmt: skip
    assert page.sections[0].text == "Hypokalaemia is common.\nShe went home on hospital day 14."
    assert page.sections[0].markers == ((22, (2,)),)
    assert [(r.number, r.text, r.url) for r in page.references] == [
        (1, "Smith J. Potassium. BMJ. 2020.", ""),
        (2, "Doe A. Kidneys. Lancet. 2019. https://doi.org/10.1000/k2", "https://doi.org/10.1000/k2"),
    ]


def test_furniture_is_dropped_line_block_and_section_wise() -> None:
    page = clean_page(
        _lines(
            "Medical Advisory BoardAll articles are reviewed for accuracy by our Medical Advisory Board",
            "Article Review Status",
            "Submitted",
            "Approved",
            "",
            "Personalize",
            "",
            "# Hyperkalaemia",
            "Give calcium gluconate first.",
            "Share this article",
            "",
            "# Professional Medical Disclaimer",
            "Example Health assumes no liability for clinical decisions.",
            "",
            "Have a follow-up question?",
            "Our Medical A.I. answers instantly.",
        ),
        PageMeta(title="Potassium"),
    )
    assert [(s.heading_path, s.text) for s in page.sections] == [
        (("Hyperkalaemia",), "Give calcium gluconate first.")
    ]
    assert page.meta.publisher == "Example Health"


def test_metadata_lines_are_read_and_removed() -> None:
    page = clean_page(
        _lines("Title: Potassium pearls", "Author: Ann Lee", "Published: 7 May 2023", "DOI: 10.1234/pp.5", "",
               "Hyperkalaemia needs an ECG.")
    )  # fmt: skip
    assert page.meta == PageMeta(
        title="Potassium pearls", author="Ann Lee", date="2023-05-07", doi="10.1234/pp.5", kind=""
    )
    assert [s.text for s in page.sections] == ["Hyperkalaemia needs an ECG."]


def test_labelled_references_and_related_questions_leave_the_text() -> None:
    page = clean_page(
        _lines(
            "# Answer",
            "Yes, it is dialyzable.",
            "# References",
            "# Research",
            "Haemodialysis clearance of baclofen.",
            "European journal of clinical pharmacology, 2007",
            "# Research",
            "Baclofen Toxicity in Kidney Disease.",
            "American journal of kidney diseases, 2018",
            "# Related Questions",
            "Is baclofen safe in AKI?",
            "What is the dose of baclofen?",
        )
    )
    assert [s.text for s in page.sections] == ["Yes, it is dialyzable."]
    assert [r.text for r in page.references] == [
        "Haemodialysis clearance of baclofen. European journal of clinical pharmacology, 2007",
        "Baclofen Toxicity in Kidney Disease. American journal of kidney diseases, 2018",
    ]
    assert all(r.number is None for r in page.references)
    assert page.related_questions == ("Is baclofen safe in AKI?", "What is the dose of baclofen?")


def test_a_question_title_makes_a_qa_page_and_a_known_site_names_publisher_and_kind() -> None:
    assert (
        clean_page(_lines("Body."), PageMeta(title="Is X safe?"), default_kind="web page").meta.kind
        == "Q&A page"
    )
    known = clean_page(_lines("Body."), PageMeta(title="A1C", url="https://medlineplus.gov/a1c.html"))
    assert (known.meta.publisher, known.meta.kind) == ("MedlinePlus", "health information page")


def test_any_other_site_is_named_by_its_host_from_the_address_or_a_byline_link() -> None:
    linked = [Line("Author: Ann Lee"), Line("[Click to email author]", links=("http://www.pearls.example/people/1/",)),
              Line("Body text.", group=1)]  # fmt: skip
    page = clean_page(linked, PageMeta(title="Note"), default_kind="web page")
    assert (page.meta.publisher, page.meta.kind, page.meta.author) == ("pearls.example", "web page", "Ann Lee")
    assert [s.text for s in page.sections] == ["Body text."]
    # A DOI link or a script address names no site; the page's own small print still can.
    doi = [Line("See", links=("https://doi.org/10.1000/x",)), Line("Body.", group=1)]
    assert clean_page(doi, PageMeta(title="N")).meta.publisher == ""
    script = clean_page(_lines("Body."), PageMeta(title="N", url="javascript:alert(1)"))
    assert script.meta.publisher == ""


def test_site_furniture_is_recognised_in_other_sites_phrasings() -> None:
    # Editorial badges, disclaimers, personalisation prompts, review-state widgets and policy links, as other
    # sites word them; the clinical lines between them stay, including one that mentions a review.
    page = clean_page(
        _lines(
            "Medically reviewed by Jane Doe, PharmD",
            "All content on this site is independently fact-checked by our editors",
            "For informational purposes only. Not a substitute for professional advice.",
            "",
            "Personalise your experience",
            "I am a: Patient / Caregiver / Clinician",
            "",
            "Content review status",
            "Draft",
            "Published",
            "",
            "Read our editorial process",
            "",
            "# Hyperkalaemia",
            "Give calcium gluconate first.",
            "A clinical team review is required before discharge.",
            "This article is under expert review",
        ),
        PageMeta(title="Potassium"),
    )
    assert [(s.heading_path, s.text) for s in page.sections] == [
        (("Hyperkalaemia",), "Give calcium gluconate first.\nA clinical team review is required before discharge.")
    ]
