"""MedQuAD pages (NIH question-answer XML): one Document per answered question, never holding the question.

MedQuAD is used to evaluate retrieval: a question's relevant passage is its own answer. If the indexed text
held the question, retrieval would find the question rather than the answer, and the figures would mean
nothing; so only the answer is content, and an answer that opens by repeating its question loses that part.
"""

from __future__ import annotations

import re
from itertools import islice
from pathlib import Path

from lxml import etree

from qa.errors import LoadError
from qa.records import Document, Section
from qa.text import folded, word_matches

# The `source` attribute of a MedQuAD <Document>, as a clinician would name the publisher.
PUBLISHERS = {
    "GHR": "Genetics Home Reference (NLM)",
    "CancerGov": "National Cancer Institute",
    "MPlusHealthTopics": "MedlinePlus",
    "NIDDK": "NIDDK",
    "NINDS": "NINDS",
    "NIHSeniorHealth": "NIHSeniorHealth",
}
KIND = "health information page"

# MedlinePlus and CancerGov flatten lists into "text.    - item one    - item two": a dash after a run of
# spaces (or at the start of a line) is a bullet. A dash between single spaces ("shorter - or taller") is not.
_BULLET = re.compile(r"(?:^|\n|[ \t]{2,})-[ \t]+", re.MULTILINE)
# The pages' paragraph breaks survive only as long runs of spaces after a sentence ("day.    Your A1C …").
_PARAGRAPH = re.compile(r"(?<=[.!?:])[ \t]{3,}(?=\S)")


def medquad_doc_id(folder_name: str, qid: str, page: str = "") -> str:
    """The doc_id of one MedQuAD answer, e.g. ("3_GHR_QA", "0000001-1") -> "medquad/3_GHR_QA/0000001-1".

    A few CancerGov files (0000013_2_1.xml, 0000013_2_2.xml, …) are separate pages that reuse the qids of
    0000013_2.xml. Passing `page`, the XML file's name without ".xml", puts it in place of the qid's page part
    when they differ ("0000013_2-1" -> "0000013_2_1-1"), so each answer keeps an id of its own.
    """
    if not folder_name or not qid:
        raise ValueError(f"medquad_doc_id needs a folder name and a qid, got {folder_name!r} and {qid!r}")
    stem, dash, number = qid.rpartition("-")
    if page and dash and stem != page:
        qid = f"{page}-{number}"
    return f"medquad/{folder_name}/{qid}"


def load_medquad(root: etree._Element, path: Path) -> list[Document]:
    """Documents for the answered QAPairs of one MedQuAD page; empty answers are skipped silently.

    Raises:
        LoadError: a QAPair lacks the qid that names its document.
    """
    return [doc for _, doc in medquad_answers(root, path)]


def medquad_answers(root: etree._Element, path: Path) -> list[tuple[str, Document]]:
    """(question, Document) for each answered QAPair of one page, in page order.

    The one reading of a MedQuAD page: the loader keeps the Documents, the evaluation harness the questions, so
    a question is always judged by the doc_id its answer is indexed under.

    Raises:
        LoadError: a QAPair lacks the qid that names its document.
    """
    folder = path.parent.name
    # A few NINDS files use the older spelling: <doc corpus=…><doctitle-focus><qaPairs><pair><question>.
    old = root.tag == "doc"
    source = root.get("corpus" if old else "source", "")
    publisher = PUBLISHERS.get(source, source)
    url = root.get("url", "")
    focus = medquad_focus(root)
    answers: list[tuple[str, Document]] = []
    for pair in root.iter("pair" if old else "QAPair"):
        question = pair.find("question" if old else "Question")
        answer = pair.find("answer" if old else "Answer")
        if question is None or answer is None:
            continue
        qid = (question.get("qid") or "").strip()
        if not qid:
            raise LoadError(f"MedQuAD pair {pair.get('pid', '?')} has no qid on its question")
        asked = "".join(question.itertext())
        text = answer_text("".join(answer.itertext()), asked)
        if not text:
            continue
        document = Document(
            doc_id=medquad_doc_id(folder, qid, path.stem),
            title=focus,
            sections=(Section(heading_path=(), text=text),),
            source=str(path),
            kind=KIND,
            publisher=publisher,
            url=url,
        )
        answers.append((_spaces(asked), document))
    return answers


def medquad_focus(root: etree._Element) -> str:
    """What a MedQuAD page is about (its <Focus>), whitespace folded."""
    return _spaces(root.findtext("doctitle-focus" if root.tag == "doc" else "Focus") or "")


def answer_text(answer: str, question: str) -> str:
    """An answer's clean text: bullets one per line, whitespace collapsed, a repeated question removed."""
    text = _drop_question(answer.strip(), question)
    text = _PARAGRAPH.sub("\n", _BULLET.sub("\n", text))
    lines = (_spaces(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _drop_question(answer: str, question: str) -> str:
    """The answer without a leading copy of its question ("What is (are) X ?" matches "What is X?" too)."""
    wanted = [folded(m.group(0)) for m in word_matches(question.replace("(are)", "").replace("(is)", ""))]
    if not wanted:
        return answer
    words = list(islice(word_matches(answer), len(wanted)))
    if len(words) < len(wanted) or [folded(w.group(0)) for w in words] != wanted:
        return answer
    end = words[len(wanted) - 1].end()
    # The copy ends at its question mark or colon, if it has one.
    return re.sub(r"^\s*[?:.]?\s*", "", answer[end:])


def _spaces(text: str) -> str:
    return " ".join(text.split())
