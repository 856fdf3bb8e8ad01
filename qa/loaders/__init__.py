"""Ingestion front end: files and folders in, `Document` records out, each bad file named with a reason.

`load_paths` never raises for a bad file: a clinician adding a folder of pages should get the good ones loaded
and a list of the others with what was wrong. The format of each file is judged by its content (`sniff`),
then one module per format builds its Documents.

Document ids: a page (text, Markdown, HTML, PDF) is named by its path under the folder it was found in
("cardiology/dosing.txt"), so real collections, full of `index.html` and `summary.txt`, keep every file, and
the same folders give the same ids on every ingest (what makes an incremental ingest incremental). A file
given on its own is named by its file name, so the bundled corpus keeps ids like "000_0cc897c33312779f.txt".
Data-set records keep the ids their data set gives them (MedQuAD qids, PMIDs, BEIR `_id`s), which its
judgements name.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from qa.errors import LoadError
from qa.loaders.medquad import medquad_doc_id
from qa.loaders.pubmedqa import pubmed_doc_id
from qa.loaders.sniff import Format, sniff
from qa.records import Document, LoadResult, Skipped

__all__ = ["load_file", "load_paths", "medquad_doc_id", "pubmed_doc_id"]

DEFAULT_MAX_BYTES = 50_000_000
# Formats that are data sets: their licence and read-me files are not documents of the corpus.
_DATASET_FORMATS: frozenset[Format] = frozenset({"medquad", "pubmedqa", "beir"})
_ASIDE_PREFIXES = ("license", "licence", "copying", "readme")
_BEIR_CORPUS = "corpus.jsonl"


def load_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Document]:
    """The Documents of one file, whatever its format (one for a page, many for a data-set file).

    Raises:
        LoadError: the file cannot be read or is not a document; the message is the reason for the user.
    """
    return _load(Path(path), max_bytes)[1]


def load_paths(
    paths: Sequence[Path | str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_path: Callable[[Path], None] | None = None,
) -> LoadResult:
    """Load files and folders (walked in sorted order, hidden entries ignored); skip bad files with a reason.

    A page's doc_id is its path relative to the folder given (its file name when the file itself was given).
    When an earlier root already holds that id (a corpus and an uploads folder both with `notes.txt`), the
    later one is named with as many of its folders as it takes to be unique ("uploads/notes.txt"): every
    file is kept, and the ids stay the same as long as the roots do. A BEIR folder (holding `corpus.jsonl`)
    contributes only its corpus. Licence and read-me files beside a data set's files are ignored silently. When
    two data-set records have the same id, the first is kept and the later one is reported as skipped.

    Args:
        on_path: called with each given path once its files are read (for a progress bar).
    """
    if max_bytes < 1:
        raise ValueError(f"max_bytes must be positive, got {max_bytes}")
    if isinstance(paths, str | Path):
        paths = [paths]  # one path given bare, not a string to iterate character by character
    skipped: list[Skipped] = []
    documents: list[Document] = []
    first_source: dict[str, str] = {}
    seen_files: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            entries = list(_walk(path, skipped))
        elif path.exists():
            entries = [_Entry(path, aside=False, name=(path.name,))]
        elif path.is_symlink():
            entries = []
            skipped.append(Skipped(str(path), "does not exist (broken symbolic link)"))
        else:
            entries = []
            skipped.append(Skipped(str(path), "does not exist; check the path"))
        # Ids already taken by earlier roots; a page of this root that collides with one is named further up,
        # clear of this root's own names too.
        earlier = set(first_source)
        own = {"/".join(e.name) for e in entries}
        for entry, (fmt, docs, reason) in _load_entries(entries, max_bytes, seen_files):
            if reason:
                skipped.append(Skipped(str(entry.path), reason))
            if fmt not in _DATASET_FORMATS:
                docs = [replace(doc, doc_id=_page_id(entry, earlier, own)) for doc in docs]
            repeated: list[str] = []
            for doc in docs:
                if doc.doc_id in first_source:
                    repeated.append(doc.doc_id)
                    continue
                first_source[doc.doc_id] = str(entry.path)
                documents.append(doc)
            if repeated:
                skipped.append(Skipped(str(entry.path), _duplicate_reason(repeated, first_source, str(entry.path))))
        if on_path is not None:
            on_path(path)
    return LoadResult(documents=tuple(documents), skipped=tuple(skipped))


@dataclass(frozen=True)
class _Entry:
    path: Path
    # A licence or read-me file: loaded only when no data set sits beside it.
    aside: bool
    # The path's parts under the root it was found in (just the file name for a file given on its own).
    name: tuple[str, ...] = ()


def _load_entries(
    entries: list[_Entry], max_bytes: int, seen_files: set[Path]
) -> Iterator[tuple[_Entry, tuple[Format | None, list[Document], str]]]:
    """Each entry's outcome in walk order; asides only when no data set sits beside them, repeats not at all."""
    outcomes: list[tuple[Format | None, list[Document], str] | None] = [None] * len(entries)
    dataset_dirs: set[Path] = set()
    for index, entry in enumerate(entries):
        resolved = entry.path.resolve()
        if entry.aside or resolved in seen_files:
            continue  # an aside waits for the data-set check; a file named twice is loaded once
        seen_files.add(resolved)
        outcomes[index] = _attempt(entry.path, max_bytes, dataset_dirs)
    for index, entry in enumerate(entries):
        if entry.aside and not _beside_dataset(entry.path.parent, dataset_dirs):
            outcomes[index] = _attempt(entry.path, max_bytes, dataset_dirs)
    for entry, outcome in zip(entries, outcomes, strict=True):
        if outcome is not None:
            yield entry, outcome


def _page_id(entry: _Entry, earlier: set[str], own: set[str]) -> str:
    """The entry's path under its root; if an earlier root holds that id, with as many folders above as needed.

    Only ids of earlier roots decide whether a name is taken: inside one root the relative paths are unique
    already, and a root's ids must not depend on the order its files are read in. A longer name also keeps
    clear of the root's `own` names.
    """
    name = "/".join(entry.name)
    if name not in earlier:
        return name
    parts = [p for p in entry.path.parts if p != entry.path.anchor]
    for size in range(len(entry.name) + 1, len(parts) + 1):
        qualified = "/".join(parts[-size:])
        if qualified not in earlier and qualified not in own:
            return qualified
    return entry.path.as_posix()


def _duplicate_reason(repeated: list[str], first_source: dict[str, str], path: str) -> str:
    first = repeated[0]
    where = "earlier in this file" if first_source[first] == path else f"from {first_source[first]}"
    hint = "the first is kept" if first_source[first] == path else "rename one of the files"
    if len(repeated) == 1:
        return f"duplicate doc_id {first!r} (already loaded {where}); {hint}"
    return f"{len(repeated)} duplicate doc_ids, such as {first!r} (already loaded {where}); {hint}"


def _walk(root: Path, skipped: list[Skipped]) -> Iterator[_Entry]:
    """Files under `root` in sorted order, skipping hidden names; a BEIR folder yields only its corpus."""

    def unreadable(error: OSError) -> None:
        reason = "permission denied" if isinstance(error, PermissionError) else (error.strerror or str(error))
        skipped.append(Skipped(str(error.filename), f"cannot read folder: {reason}"))

    for folder, dirs, files in os.walk(root, onerror=unreadable):
        base = Path(folder)
        under = base.relative_to(root).parts
        if _BEIR_CORPUS in files:
            # queries.jsonl and qrels/ are evaluation data, not documents, and not worth a "skipped" line.
            dirs.clear()
            yield _Entry(base / _BEIR_CORPUS, aside=False, name=(*under, _BEIR_CORPUS))
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield _Entry(base / name, aside=name.lower().startswith(_ASIDE_PREFIXES), name=(*under, name))


def _beside_dataset(folder: Path, dataset_dirs: set[Path]) -> bool:
    return any(d == folder or folder in d.parents for d in dataset_dirs)


def _attempt(path: Path, max_bytes: int, dataset_dirs: set[Path]) -> tuple[Format | None, list[Document], str]:
    """(format, documents, "") or (None, [], reason); remembers the folders that hold data-set files."""
    try:
        fmt, docs = _load(path, max_bytes)
    except LoadError as exc:
        return None, [], str(exc)
    except Exception as exc:  # a parser's own failure on a strange file must not stop a whole ingest
        return None, [], f"could not be read ({type(exc).__name__}: {exc}); please report this file"
    if fmt in _DATASET_FORMATS:
        dataset_dirs.add(path.parent)
    return fmt, docs, ""


def _load(path: Path, max_bytes: int) -> tuple[Format, list[Document]]:
    data = _read(path, max_bytes)
    sniffed = sniff(data)
    fmt = sniffed.format
    if fmt == "pdf":
        from qa.loaders.pdf import load_pdf

        return fmt, [load_pdf(data, path)]
    if fmt == "medquad":
        from qa.loaders.medquad import load_medquad

        return fmt, load_medquad(sniffed.parsed, path)  # type: ignore[arg-type]
    if fmt == "pubmedqa":
        from qa.loaders.pubmedqa import load_pubmedqa

        return fmt, load_pubmedqa(sniffed.parsed, path)  # type: ignore[arg-type]
    if fmt == "beir":
        from qa.loaders.beir import load_beir

        return fmt, load_beir(sniffed.parsed, path)  # type: ignore[arg-type]
    if fmt == "html":
        from qa.loaders.html import load_html

        return fmt, [load_html(sniffed.text, path)]
    from qa.loaders.text import load_text

    return fmt, [load_text(sniffed.text, path, markdown=fmt == "markdown")]


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise LoadError("not a regular file (a device, socket or pipe)")
        if info.st_size > max_bytes:
            raise LoadError(f"larger than {_size(max_bytes)} ({_size(info.st_size)}); split it into smaller files")
        if info.st_size == 0:
            raise LoadError("empty file")
        with path.open("rb") as handle:
            return handle.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise LoadError("does not exist; check the path") from exc
    except PermissionError as exc:
        raise LoadError("cannot read: permission denied") from exc
    except IsADirectoryError as exc:
        raise LoadError("is a folder, not a file") from exc
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from exc


def _size(n: int) -> str:
    """A byte count as people write it: "50 MB", "1.5 kB", "120 bytes"."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"
