"""PubMedQA (`ori_pqal.json`): one Document per abstract, its sections named by the abstract's own labels.

The QUESTION is not content and not the title: PubMedQA questions are the paper's title turned into a
question, so indexing it would let retrieval match the question to itself. LONG_ANSWER (the abstract's
conclusion) is held out by the data set as the reference answer and is not content either. The MeSH headings
NLM's indexers gave the paper are kept as the document's keywords: PubMed itself searches by them, and with the
title withheld they are the only words that name what an abstract is about ("Double-Balloon Enteroscopy" for an
abstract that only says "DBE"), less the check tags that only say who was studied.
"""

from __future__ import annotations

import re
from pathlib import Path

from qa.errors import LoadError
from qa.records import Document, Section

KIND = "research abstract"
PUBLISHER = "PubMed"
# MeSH check tags: NLM's indexers consider them for every article (species, sex, age group, pregnancy), so they
# say who was studied, not what the paper is about.
CHECK_TAGS = frozenset(
    [
        "Humans",
        "Animals",
        "Male",
        "Female",
        "Pregnancy",
        "Infant, Newborn",
        "Infant",
        "Child, Preschool",
        "Child",
        "Adolescent",
        "Young Adult",
        "Adult",
        "Middle Aged",
        "Aged",
        "Aged, 80 and over",
    ]
)


def pubmed_doc_id(pmid: str | int) -> str:
    """The doc_id of one PubMed abstract, e.g. 21645374 -> "pubmed/21645374"."""
    text = str(pmid).strip()
    if not text.isdigit():
        raise ValueError(f"a PMID is a number, got {pmid!r}")
    return f"pubmed/{text}"


def load_pubmedqa(data: dict, path: Path) -> list[Document]:
    """Documents for every PMID of a PubMedQA JSON object.

    Raises:
        LoadError: an entry's PMID is not a number or its CONTEXTS/LABELS are not lists of strings.
    """
    documents: list[Document] = []
    for pmid, entry in data.items():
        try:
            doc_id = pubmed_doc_id(pmid)
        except ValueError as exc:
            raise LoadError(f"PubMedQA key {pmid!r} is not a PMID (a number)") from exc
        contexts = entry.get("CONTEXTS")
        labels = entry.get("LABELS") or []
        if not _strings(contexts) or not _strings(labels):
            raise LoadError(f"PubMedQA entry {pmid}: CONTEXTS and LABELS must be lists of strings")
        sections = tuple(
            Section(heading_path=(labels[i].strip().title(),) if i < len(labels) else (), text=text)
            for i, context in enumerate(contexts)
            if (text := re.sub(r"\s+", " ", context).strip())
        )
        if not sections:
            continue
        documents.append(
            Document(
                doc_id=doc_id,
                title=f"PubMed {pmid}",
                sections=sections,
                source=str(path),
                kind=KIND,
                publisher=PUBLISHER,
                date=str(entry.get("YEAR") or "").strip(),
                url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
                keywords=_topic_headings(entry.get("MESHES")),
            )
        )
    return documents


def _topic_headings(meshes: object) -> tuple[str, ...]:
    """The MeSH headings that name what the paper is about (check tags left out)."""
    if not isinstance(meshes, list):
        return ()
    return tuple(m.strip() for m in meshes if isinstance(m, str) and m.strip() and m.strip() not in CHECK_TAGS)


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
