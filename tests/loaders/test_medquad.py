"""MedQuAD pages: one Document per answer, titled by its page's focus, never holding the question."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.loaders import load_paths, medquad_doc_id
from qa.loaders.medquad import answer_text

from ._datasets import require

PAGE = """<?xml version="1.0" encoding="UTF-8"?>
<Document id="0000001" source="MPlusHealthTopics" url="https://medlineplus.gov/a1c.html">
<Focus>A1C</Focus>
<QAPairs>
  <QAPair pid="1">
    <Question qid="0000001-1" qtype="information">What is (are) A1C ?</Question>
    <Answer>Summary : A1C is a blood test for type 2 diabetes.    Your result is given in percentages:
       - A normal A1C level is below 5.7 percent    - Prediabetes is between 5.7 to 6.4 percent</Answer>
  </QAPair>
  <QAPair pid="2">
    <Question qid="0000001-2" qtype="susceptibility">Who is at risk for A1C? ?</Question>
    <Answer>   </Answer>
  </QAPair>
  <QAPair pid="3">
    <Question qid="0000001-3" qtype="treatment">What are the treatments for A1C ?</Question>
    <Answer>What are the treatments for A1C? Lifestyle change comes first.</Answer>
  </QAPair>
</QAPairs>
</Document>
"""


def test_one_document_per_answered_pair(tmp_path: Path) -> None:
    folder = tmp_path / "4_MPlus_Health_Topics_QA"
    folder.mkdir()
    (folder / "0000001.xml").write_text(PAGE, encoding="utf-8")
    result = load_paths([tmp_path])
    assert result.skipped == ()
    assert [d.doc_id for d in result.documents] == [
        "medquad/4_MPlus_Health_Topics_QA/0000001-1",
        "medquad/4_MPlus_Health_Topics_QA/0000001-3",
    ]
    first, third = result.documents
    assert (first.title, first.publisher, first.kind, first.url) == (
        "A1C", "MedlinePlus", "health information page", "https://medlineplus.gov/a1c.html"
    )  # fmt: skip
    assert [(s.heading_path, s.text) for s in first.sections] == [
        (
            (),
            "Summary : A1C is a blood test for type 2 diabetes.\nYour result is given in percentages:\n"
            "A normal A1C level is below 5.7 percent\nPrediabetes is between 5.7 to 6.4 percent",
        )
    ]
    # The repeated question is dropped; the answer that follows it stays.
    assert third.sections[0].text == "Lifestyle change comes first."
    for doc in result.documents:
        assert "What is (are)" not in doc.sections[0].text and "treatments for" not in doc.sections[0].text


def test_the_older_doc_spelling_of_ninds_pages(tmp_path: Path) -> None:
    folder = tmp_path / "6_NINDS_QA"
    folder.mkdir()
    (folder / "0000007.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<doc docid="0000007" corpus="NINDS" url="http://ninds.example/h">'
        '<doctitle-focus>Holmes-Adie</doctitle-focus><qaPairs><pair pid="1">'
        '<question qid="0000007-1" qtype="information">what is holmes-adie syndrome ?</question>'
        "<answer>Holmes-Adie syndrome (HAS) is a neurological disorder.</answer></pair></qaPairs></doc>",
        encoding="utf-8",
    )
    [doc] = load_paths([folder]).documents
    assert (doc.doc_id, doc.title, doc.publisher) == ("medquad/6_NINDS_QA/0000007-1", "Holmes-Adie", "NINDS")
    assert doc.sections[0].text == "Holmes-Adie syndrome (HAS) is a neurological disorder."


def test_doc_ids_for_the_harness() -> None:
    assert medquad_doc_id("3_GHR_QA", "0000001-1") == "medquad/3_GHR_QA/0000001-1"
    # A CancerGov page that reuses another page's qids gets its own file name in them.
    assert (
        medquad_doc_id("1_CancerGov_QA", "0000013_2-1", "0000013_2_1")
        == "medquad/1_CancerGov_QA/0000013_2_1-1"
    )
    assert (
        medquad_doc_id("1_CancerGov_QA", "0000013_2-1", "0000013_2") == "medquad/1_CancerGov_QA/0000013_2-1"
    )
    with pytest.raises(ValueError, match="needs a folder name and a qid"):
        medquad_doc_id("3_GHR_QA", "")


def test_answer_text_keeps_single_spaced_dashes() -> None:
    assert answer_text("Is your child shorter - or taller - than others?", "What is X ?") == (
        "Is your child shorter - or taller - than others?"
    )


def test_answer_text_drops_a_repeated_question_whatever_its_apostrophe() -> None:
    question = "What is (are) Alzheimer's Disease ?"
    curly = "What is Alzheimer\u2019s disease? It is a brain disorder."
    assert answer_text(curly, question) == "It is a brain disorder."
    assert answer_text("What is Alzheimer's disease: a brain disorder.", question) == "a brain disorder."
    assert answer_text("What is Alzheimer disease? A brain disorder.", question) == (
        "What is Alzheimer disease? A brain disorder."
    )


@pytest.mark.slow
def test_a_real_medquad_source_folder() -> None:
    folder = require("medquad/7_SeniorHealth_QA")
    result = load_paths([folder])
    assert result.skipped == ()
    files = sorted(folder.glob("*.xml"))
    from lxml import etree

    answered = 0
    questions: dict[str, str] = {}
    for file in files:
        root = etree.parse(str(file)).getroot()
        for pair in root.iter("QAPair"):
            if (pair.findtext("Answer") or "").strip():
                answered += 1
                questions[medquad_doc_id(folder.name, pair.find("Question").get("qid"), file.stem)] = (
                    pair.findtext("Question") or ""
                )
    assert len(result.documents) == answered > 500
    assert {d.doc_id for d in result.documents} == set(questions)
    for doc in result.documents:
        assert doc.publisher == "NIHSeniorHealth" and doc.title and doc.url.startswith("http")
        text = doc.sections[0].text
        assert text and "  " not in text
        assert not text.startswith(questions[doc.doc_id].rstrip(" ?"))
