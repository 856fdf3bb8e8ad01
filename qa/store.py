"""The records of a build (documents, chunks, follow-up scores) in SQLite, read on demand.

A fresh process answering its first question must not parse a million chunk records; it reads the few it shows.
`Store` holds one read-only connection shared by threads (SQLite calls are serialised by a lock; each is tens of
microseconds) and small caches of parsed records. `Chunks`, `Documents`, `ContentHashes` and `FollowUpScores`
are the `Sequence` and `Mapping` views the rest of the code reads, as it read lists and dicts before.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TypeVar, overload

from qa.lru import LeastRecentlyUsed
from qa.records import Chunk, Document, document_from_dict, document_to_dict

V = TypeVar("V")
# Records fetched per query when iterating; keeps a scan of a million chunks at a few hundred queries a second.
_PAGE = 2048


def chunk_to_dict(chunk: Chunk) -> dict:
    """Plain-JSON form of a chunk (stored in the index's SQLite file)."""
    return asdict(chunk)


def chunk_from_dict(data: Mapping) -> Chunk:
    """Inverse of `chunk_to_dict`; tuples come back as tuples so records compare equal."""
    return Chunk(
        chunk_id=data["chunk_id"],
        doc_id=data["doc_id"],
        title=data["title"],
        heading_path=tuple(data["heading_path"]),
        section_index=int(data["section_index"]),
        start=int(data["start"]),
        end=int(data["end"]),
        text=data["text"],
        sentences=tuple((int(s), int(e)) for s, e in data["sentences"]),
        ordinal=int(data.get("ordinal", 0)),
        page=data.get("page"),
        markers=tuple((int(o), tuple(int(n) for n in nums)) for o, nums in data.get("markers", ())),
        keywords=tuple(data.get("keywords", ())),
    )


def _json_dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def write_store(
    path: Path,
    documents: Sequence[Document],
    hashes: Mapping[str, str],
    chunks: Sequence[Chunk],
    follow_ups: Mapping[str, float],
) -> None:
    """Write a new store file at `path`: chunks by row, documents and follow-up scores by key."""
    db = sqlite3.connect(path)
    try:
        # One writer on a file nobody reads yet: no journal to keep, nothing to sync until the build is fsynced.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE documents (doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, json TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE chunks (row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL, doc_id TEXT NOT NULL, "
            "json TEXT NOT NULL)"
        )
        db.executemany(
            "INSERT INTO documents VALUES (?, ?, ?)",
            ((d.doc_id, hashes[d.doc_id], _json_dumps(document_to_dict(d))) for d in documents),
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?)",
            ((row, c.chunk_id, c.doc_id, _json_dumps(chunk_to_dict(c))) for row, c in enumerate(chunks)),
        )
        db.execute("CREATE INDEX chunks_by_doc ON chunks (doc_id, row)")
        db.execute("CREATE INDEX chunks_by_id ON chunks (chunk_id)")
        db.execute("CREATE TABLE follow_ups (text TEXT PRIMARY KEY, best REAL NOT NULL)")
        db.executemany("INSERT INTO follow_ups VALUES (?, ?)", sorted(follow_ups.items()))
        db.commit()
    finally:
        db.close()


class Store:
    """Read-only, thread-safe access to one build's store file.

    Raises (at construction):
        FileNotFoundError: no file.
        sqlite3.Error: the file is not a store (damaged, truncated, another program's).
    """

    def __init__(self, path: Path, *, chunk_cache: int = 4096, document_cache: int = 512):
        if not path.is_file():
            raise FileNotFoundError(f"{path.name} is missing")
        # immutable: a published build never changes, so SQLite needs no locks or journal checks. The
        # connection keeps the file open: a reader survives a newer build replacing (and deleting) this one.
        # The path is percent-encoded (`as_uri`), so a folder named "ward #3" or "100% sure" does not end or mangle
        # the URI.
        self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._chunks: LeastRecentlyUsed[int, Chunk] = LeastRecentlyUsed(chunk_cache)
        self._documents: LeastRecentlyUsed[str, Document] = LeastRecentlyUsed(document_cache)
        ((low, high),) = self._query("SELECT MIN(row), MAX(row) FROM chunks")
        self.chunk_count = 0 if high is None else int(high) + 1
        if low not in (None, 0):
            raise sqlite3.DatabaseError(f"{path.name} has no chunk for row 0")
        ((count,),) = self._query("SELECT COUNT(*) FROM documents")
        self.document_count = int(count)

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # chunks --------------------------------------------------------------------------------------------------

    def chunk(self, row: int) -> Chunk:
        """The chunk at `row` (IndexError when there is none)."""
        with self._lock:
            cached = self._chunks.get(row)
            if cached is not None:
                return cached
            found = self._db.execute("SELECT json FROM chunks WHERE row = ?", (row,)).fetchone()
            if found is None:
                raise IndexError(f"no chunk at row {row}")
            chunk = chunk_from_dict(json.loads(found[0]))
            self._chunks.put(row, chunk)
            return chunk

    def chunks_between(self, start: int, stop: int) -> list[Chunk]:
        """Chunks of rows start..stop-1, in order (not cached: a scan would only evict what answers use)."""
        found = self._query("SELECT json FROM chunks WHERE row >= ? AND row < ? ORDER BY row", (start, stop))
        return [chunk_from_dict(json.loads(text)) for (text,) in found]

    def rows_of_document(self, doc_id: str) -> list[int]:
        return [row for (row,) in self._query("SELECT row FROM chunks WHERE doc_id = ? ORDER BY row", (doc_id,))]

    def row_of_chunk(self, chunk_id: str) -> int | None:
        found = self._query("SELECT row FROM chunks WHERE chunk_id = ? ORDER BY row LIMIT 1", (chunk_id,))
        return int(found[0][0]) if found else None

    # documents -----------------------------------------------------------------------------------------------

    def document(self, doc_id: str) -> Document | None:
        with self._lock:
            cached = self._documents.get(doc_id)
            if cached is not None:
                return cached
            found = self._db.execute("SELECT json FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            if found is None:
                return None
            document = document_from_dict(json.loads(found[0]))
            self._documents.put(doc_id, document)
            return document

    def content_hash(self, doc_id: str) -> str | None:
        found = self._query("SELECT content_hash FROM documents WHERE doc_id = ?", (doc_id,))
        return found[0][0] if found else None

    def document_ids(self) -> Iterator[str]:
        """Every document id, in id order, read a page at a time."""
        return self._paged("SELECT doc_id FROM documents WHERE doc_id > ? ORDER BY doc_id LIMIT ?", "")

    def titles(self) -> list[str]:
        """Every document title, once each (untitled documents have none), read in one query without parsing a
        document: what the corpus's pages are about (`qa.query.PageSubjects`)."""
        found = self._query("SELECT DISTINCT json_extract(json, '$.title') FROM documents")
        return [title for (title,) in found if title]

    def content_hash_items(self) -> Iterator[tuple[str, str]]:
        last = ""
        while True:
            page = self._query(
                "SELECT doc_id, content_hash FROM documents WHERE doc_id > ? ORDER BY doc_id LIMIT ?", (last, _PAGE)
            )
            yield from page
            if len(page) < _PAGE:
                return
            last = page[-1][0]

    # follow-up questions -------------------------------------------------------------------------------------

    def follow_up(self, text: str) -> float | None:
        found = self._query("SELECT best FROM follow_ups WHERE text = ?", (text,))
        return float(found[0][0]) if found else None

    def follow_up_count(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM follow_ups")[0][0])

    def follow_up_texts(self) -> Iterator[str]:
        return self._paged("SELECT text FROM follow_ups WHERE text > ? ORDER BY text LIMIT ?", "")

    def _paged(self, sql: str, first: str) -> Iterator[str]:
        last = first
        while True:
            page = [key for (key,) in self._query(sql, (last, _PAGE))]
            yield from page
            if len(page) < _PAGE:
                return
            last = page[-1]


class Chunks(Sequence[Chunk]):
    """The chunks of a build in row order, read from its store as they are asked for."""

    def __init__(self, store: Store):
        self._store = store

    def __len__(self) -> int:
        return self._store.chunk_count

    @overload
    def __getitem__(self, row: int) -> Chunk: ...
    @overload
    def __getitem__(self, row: slice) -> list[Chunk]: ...
    def __getitem__(self, row: int | slice) -> Chunk | list[Chunk]:
        if isinstance(row, slice):
            start, stop, step = row.indices(len(self))
            if step == 1:
                return self._store.chunks_between(start, stop) if start < stop else []
            return [self[i] for i in range(start, stop, step)]
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"chunk row {row} out of range (the index holds {len(self)})")
        return self._store.chunk(row)

    def __iter__(self) -> Iterator[Chunk]:
        for start in range(0, len(self), _PAGE):
            yield from self._store.chunks_between(start, min(start + _PAGE, len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable-looking: compared by content, like a list

    def __repr__(self) -> str:
        return f"Chunks({len(self)} rows)"


class _StoreMapping(Mapping[str, V]):
    """A read-only mapping over one store table: `get_one` finds a key, `keys_of` lists them, `count` counts."""

    def __init__(self, get_one: Callable[[str], V | None], keys_of: Callable[[], Iterator[str]], count: int):
        self._get_one = get_one
        self._keys_of = keys_of
        self._count = count

    def __getitem__(self, key: str) -> V:
        if not isinstance(key, str):
            raise KeyError(key)
        value = self._get_one(key)
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return self._keys_of()

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._count} keys)"


class Documents(_StoreMapping[Document]):
    """The documents of a build by id."""

    def __init__(self, store: Store):
        super().__init__(store.document, store.document_ids, store.document_count)


class ContentHashes(_StoreMapping[str]):
    """Each document's content hash when it was indexed, by id (what ingest compares to skip unchanged ones)."""

    def __init__(self, store: Store):
        super().__init__(store.content_hash, store.document_ids, store.document_count)
        self._store = store

    def items(self):  # type: ignore[override]  # one scan instead of a query per key
        return list(self._store.content_hash_items())


class FollowUpScores(_StoreMapping[float]):
    """Each stored follow-up question's best cosine to any chunk, computed at ingest."""

    def __init__(self, store: Store):
        super().__init__(store.follow_up, store.follow_up_texts, store.follow_up_count())
