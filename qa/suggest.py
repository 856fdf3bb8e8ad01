"""Follow-up questions to offer after an answer: ones the indexed sources answer with confidence.

Candidates are the retrieved documents' own follow-ups (related questions, section headings, titles). Each is
checked against the abstention model before it is offered; a document's follow-ups were scored against the index
at ingest, so most checks cost no embedding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from qa.query import Query
from qa.records import Document, Hit

# How many candidates are checked at most per answer.
MAX_CHECKED = 12


def suggest(
    query: Query,
    hits: Sequence[Hit],
    documents: Mapping[str, Document],
    answerable: Callable[[Sequence[str]], list[bool]],
    *,
    exclude: str = "",
    limit: int = 5,
) -> list[str]:
    """Up to `limit` follow-up questions, best documents first, each one `answerable` says the sources answer."""
    candidates: list[str] = []
    # The sections the answer quotes most are what was just asked about: not worth suggesting.
    quoted_headings = {h.chunk.heading_path[-1] for h in hits[:3] if h.chunk.heading_path}
    for hit in hits:
        doc = documents.get(hit.chunk.doc_id)
        if doc is None:
            continue
        candidates.extend(
            c
            for c in doc.follow_ups()
            if c not in quoted_headings and not (c == doc.title and c.lower() in query.text.lower())
        )
    seen = {exclude.strip().lower(), query.text.strip().lower()}
    unique = [c for c in dict.fromkeys(candidates) if c.strip().lower() not in seen]
    # Checked a few at a time, as many as are still wanted: each check may embed the candidate, and most pass.
    kept: list[str] = []
    checked = 0
    while len(kept) < limit and checked < min(len(unique), MAX_CHECKED):
        batch = unique[checked : min(checked + limit - len(kept), MAX_CHECKED)]
        checked += len(batch)
        kept.extend(c for c, ok in zip(batch, answerable(batch), strict=True) if ok)
    return kept
