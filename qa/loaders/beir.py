"""BEIR corpora (`corpus.jsonl`): one Document per record, its doc_id the record's `_id` so qrels match."""

from __future__ import annotations

import re
from pathlib import Path

from qa.errors import LoadError
from qa.records import Document, Section

KIND = "passage"


def load_beir(records: list[object], path: Path) -> list[Document]:
    """Documents for the records of a BEIR corpus; a record with neither title nor text is left out.

    A record with a title but no text keeps its title as its text: some BEIR corpora have title-only entries,
    and their qrels still point at them.

    Raises:
        LoadError: a record is not an object with `_id`, or no record has any text.
    """
    documents: list[Document] = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict) or "_id" not in record:
            raise LoadError(f"BEIR record {number} is not a JSON object with an _id")
        title = _spaces(str(record.get("title") or ""))
        text = _spaces(str(record.get("text") or "")) or title
        if not text:
            continue
        metadata = record.get("metadata")
        url = str(metadata.get("url") or "") if isinstance(metadata, dict) else ""
        documents.append(
            Document(
                doc_id=str(record["_id"]),
                title=title,
                sections=(Section(heading_path=(), text=text),),
                source=str(path),
                kind=KIND,
                url=url,
            )
        )
    if not documents:
        raise LoadError("BEIR corpus has no record with any text")
    return documents


def _spaces(text: str) -> str:
    # Lines are kept (a record may be a list); runs of spaces inside a line are not.
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
