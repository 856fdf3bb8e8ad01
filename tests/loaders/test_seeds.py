"""The two seed documents shipped in corpus/: real, messy pages with exactly known expected results."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.loaders import load_paths
from qa.records import Document, Reference

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
QA_PAGE = "000_0cc897c33312779f.txt"
NOTE = "002_749b50180efa7039.txt"


@pytest.fixture(scope="module")
def seeds() -> dict[str, Document]:
    result = load_paths([CORPUS / QA_PAGE, CORPUS / NOTE])
    assert result.skipped == ()
    return {doc.doc_id: doc for doc in result.documents}


def _all_text(doc: Document) -> str:
    return "\n".join(section.text for section in doc.sections)


def test_qa_page_metadata(seeds: dict[str, Document]) -> None:
    doc = seeds[QA_PAGE]
    assert (
        doc.title
        == "Is baclofen (a muscle relaxant) cleared by dialysis in patients with impaired renal function?"
    )
    assert (doc.publisher, doc.date, doc.kind, doc.author) == ("Dr.Oracle", "2026-02-04", "Q&A page", "")
    assert doc.source == str(CORPUS / QA_PAGE)


def test_qa_page_sections(seeds: dict[str, Document]) -> None:
    doc = seeds[QA_PAGE]
    assert [s.heading_path for s in doc.sections] == [
        ("Baclofen Dialyzability in Renal Impairment",),
        ("Critical Pharmacokinetic Properties",),
        ("Hemodialysis Clearance Data",),
        ("Critical Safety Warnings for Dialysis Patients",),
        ("Clinical Presentation of Baclofen Toxicity",),
        ("Management of Baclofen Toxicity",),
        ("Dosing Recommendations by Renal Function",),
        ("Common Pitfalls to Avoid",),
    ]
    assert doc.sections[0].text == (
        "Yes, baclofen is effectively cleared by hemodialysis and should be used with extreme caution or "
        "avoided entirely in dialysis patients due to high toxicity risk even at low doses."
    )
    pitfalls = doc.sections[-1].text.split("\n")
    assert len(pitfalls) == 4
    assert pitfalls[0] == (
        "Do not assume standard doses are safe in dialysis patients - even 10 mg can cause severe toxicity"
    )


@pytest.mark.parametrize(
    "clutter",
    [
        "Medical Advisory Board",
        "Educational purpose only",
        "Article Review Status",
        "Submitted",
        "Under Review",
        "Approved",
        "Last updated",
        "View editorial policy",
        "Personalize",
        "Help us tailor your experience",
        "Which best describes you?",
        "Have a follow-up question?",
        "Our Medical A.I.",
        "Professional Medical Disclaimer",
        "assumes no liability",
        "Research",
        "European journal of clinical pharmacology",
        "Related Questions",
        "Is baclofen (Baclofen) safe to use",
        "•",
    ],
)
def test_qa_page_has_no_clutter(seeds: dict[str, Document], clutter: str) -> None:
    doc = seeds[QA_PAGE]
    assert clutter not in _all_text(doc)
    assert all(clutter not in " ".join(s.heading_path) for s in doc.sections)


@pytest.mark.parametrize(
    "quote",
    [
        "Baclofen is primarily excreted unchanged by the kidneys (>90% renal elimination), making it highly "
        "susceptible to accumulation in renal impairment. The drug undergoes minimal hepatic metabolism",
        "Hemodialysis clearance of baclofen is 2.14 mL/s (128 mL/min), which is comparable to normal renal "
        "clearance\n",
        "The hemodialysis removal rate constant is 0.152 h⁻¹, indicating effective drug removal",
        "(eGFR <30 mL/min/1.73m²) or those on renal replacement therapy. The evidence is unequivocal:",
        "Patients on hemodialysis develop toxicity even with doses as low as 10 mg\n",
        "Abdominal pain (noted in 5 of 9 patients in one series, possibly due to GABA-mediated cholinergic "
        "effects)\n",
        "(2.71 ± 0.42 days vs. 9 days, p<0.01)\n",
        "dosage reduction may be necessary, but clinical evidence strongly suggests avoidance",
        "Significant dose reduction is mandatory, though specific guidelines are not well-established.\n",
    ],
)
def test_qa_page_keeps_clinical_sentences_without_markers(seeds: dict[str, Document], quote: str) -> None:
    assert quote in _all_text(seeds[QA_PAGE]) + "\n"


def test_qa_page_markers_sit_right_after_the_words_they_cite(seeds: dict[str, Document]) -> None:
    doc = seeds[QA_PAGE]
    by_heading = {s.heading_path[0]: s for s in doc.sections}
    clearance = by_heading["Hemodialysis Clearance Data"]
    cited = [(clearance.text[:offset].rsplit(" ", 1)[-1], numbers) for offset, numbers in clearance.markers]
    assert cited == [("clearance", (2,)), ("session", (2,)), ("clearance", (3, 2))]
    presentation = by_heading["Clinical Presentation of Baclofen Toxicity"]
    assert [numbers for _, numbers in presentation.markers] == [(4, 6, 3), (6,), (3,), (4,), (1, 3)]
    assert by_heading["Baclofen Dialyzability in Renal Impairment"].markers == ()
    total = sum(len(s.markers) for s in doc.sections)
    assert total == 25  # every marker on the page: 2 + 3 + 4 + 5 + 4 + 3 + 4


def test_qa_page_references_and_related_questions(seeds: dict[str, Document]) -> None:
    doc = seeds[QA_PAGE]
    assert doc.references == (
        Reference(
            None, "Haemodialysis clearance of baclofen. European journal of clinical pharmacology, 2007"
        ),
        Reference(
            None,
            "Baclofen Toxicity in Kidney Disease. American journal of kidney diseases : the official journal "
            "of the National Kidney Foundation, 2018",
        ),
    )
    assert len(doc.related_questions) == 11
    assert (
        doc.related_questions[0]
        == "Is baclofen (Baclofen) safe to use in patients with Acute Kidney Injury (AKI)?"
    )
    assert doc.related_questions[-1].startswith(
        "What is the appropriate evaluation and treatment for a patient"
    )


def test_teaching_note_metadata(seeds: dict[str, Document]) -> None:
    doc = seeds[NOTE]
    assert (doc.title, doc.author, doc.publisher, doc.kind) == (
        "Baclofen clearance: hemodialysis or kidneys?", "Hong Kim", "umem.org", "Q&A page"
    )  # fmt: skip
    assert (doc.doi, doc.date) == ("", "")
    assert doc.references == (
        Reference(
            None,
            "Lee VR et al. Removal of baclofen with hemodialysis is negligible compared to intact kidney "
            "excretion in a pediatric overdose: a case report. Clin Toxicol. 2020",
            "https://doi.org/10.1080/15563650.2020.1795188",
        ),
    )


def test_teaching_note_content(seeds: dict[str, Document]) -> None:
    doc = seeds[NOTE]
    assert [s.heading_path for s in doc.sections] == [(), ("Conclusion",)]
    body = doc.sections[0].text.split("\n")
    assert body[0].startswith("Baclofen is a presynaptic GABA-B receptor agonist in the spinal cord")
    for line in (
        "Case: 14 year old (51 kg) woman ingested 60 tablets of baclofen (20 mg tablets)",
        "Her symptoms were:",
        "Tonic-clonic seizure",
        "Transient hypotension (95/47 mmHg – resolved with IV fluids)",
        "Initially intubated for airway protection --> no spontaneous breathing on mech. ventilation.",
        "Baclofen level: 882 ng/mL (therapeutic range: 80 – 400 ng/mL)",
        "24 hour urine output: 2810 mL --> total baclofen urinary elimination: 42 mg",
        "Patient’s mental status improved on hospital day 6 and was extubated. She was discharged to "
        "psychiatry on hospital day 14.",
    ):
        assert line in body
    assert doc.sections[1].text == (
        "Although this is a single case report, it appears that hemodialysis does not remove baclofen "
        "effectively."
    )
    everything = _all_text(doc)
    for clutter in (
        "Click to email author",
        "Title:",
        "Author:",
        "References",
        "doi.org",
        "Lee VR",
        "\u00a0",
    ):
        assert clutter not in everything
    assert all(s.markers == () for s in doc.sections)
