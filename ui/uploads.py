"""Adding documents from the page (only with `--allow-upload`): copy, re-ingest, reload, report.

An upload goes through exactly the path `medcite ingest` takes: the file is copied into an `uploads/` folder
beside the index, and `qa.ingest.ingest` rebuilds the index from the sources it was built from plus that
folder. Its report (including why a file was skipped) is shown as it is; the assistant is swapped for a
freshly loaded one only after a successful build, so questions asked meanwhile use the old index.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from qa.errors import IndexLoadError, MedciteError
from qa.markup import escape_markdown
from qa.settings import Settings
from ui.render import index_footer
from ui.session import Current

if TYPE_CHECKING:
    from qa.ingest import IngestReport

ACCEPTED = (".txt", ".md", ".html", ".htm", ".pdf")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def uploads_dir(settings: Settings) -> Path:
    """The folder uploaded files are kept in: `uploads/` beside the index directory."""
    return Path(settings.index_dir).expanduser().resolve().parent / "uploads"


def safe_name(name: str) -> str:
    """A file name that cannot leave the uploads folder or hide itself ("../x", ".bashrc", control bytes).

    Raises:
        MedciteError: nothing usable is left of the name, or its type is not accepted.
    """
    base = Path(name.replace("\\", "/")).name
    suffix = Path(base).suffix.lower()
    if suffix not in ACCEPTED:
        raise MedciteError(
            f"{base or name!r} is not an accepted document type; upload {', '.join(ACCEPTED)} files"
        )
    stem = _UNSAFE_NAME.sub("_", Path(base).stem).strip(" ._")
    if not stem:
        raise MedciteError(f"{name!r} has no usable file name; rename it and upload it again")
    return f"{stem}{suffix}"


def store_uploads(files: Sequence[str | Path], folder: Path) -> list[Path]:
    """Copy uploaded temp files into `folder` under safe names; a later upload of a name replaces the earlier.

    Raises:
        MedciteError: a file has an unaccepted type or no usable name (nothing is copied then).
    """
    targets = [(Path(f), folder / safe_name(Path(f).name)) for f in files]
    folder.mkdir(parents=True, exist_ok=True)
    for source, target in targets:
        shutil.copyfile(source, target)
    return [target for _, target in targets]


def ingest_sources(settings: Settings, folder: Path) -> list[Path]:
    """What the index was built from, plus the uploads folder (the default corpus if nothing is recorded)."""
    from qa.index import read_manifest

    try:
        recorded = [Path(p) for p in read_manifest(Path(settings.index_dir)).sources]
    except IndexLoadError:
        recorded = []
    sources = [p for p in recorded if p.exists()] or [Path(settings.corpus_dir)]
    if folder.resolve() not in {p.resolve() for p in sources}:
        sources.append(folder)
    return sources


def report_markdown(report: IngestReport, added: Sequence[Path], dropped: Sequence[Path]) -> str:
    """The ingest report for the page, with the reason for every skipped file."""
    lines = [f"**Added:** {escape_markdown(', '.join(p.name for p in added))}"]
    lines.append(
        f"Index now holds {report.documents:,} documents and {report.chunks:,} passages "
        f"({report.new} new, {report.changed} changed, {report.removed} removed; "
        f"{report.chunks_embedded} passages embedded in {report.seconds:.1f} s)."
    )
    if report.skipped:
        lines.append(f"**Skipped {len(report.skipped)} file(s):**")
        lines.extend(f"- {escape_markdown(Path(s.path).name)}: {escape_markdown(s.reason)}" for s in report.skipped)
    if dropped:
        lines.append(
            f"Removed from the uploads folder (they could not be read): "
            f"{escape_markdown(', '.join(p.name for p in dropped))}"
        )
    return "\n\n".join(lines)


class UploadPanel:
    """The "Add documents" panel: a file picker, a button, and the ingest report.

    One ingest runs at a time (a lock, plus `concurrency_limit=1` on the event), because two builds of the
    same index would only race to publish.
    """

    def __init__(self, current: Current[Any], settings: Settings, footer: gr.Markdown):
        self.current = current
        self.settings = settings
        self.footer = footer
        self._lock = threading.Lock()

    def add(self, files: list[str] | None) -> Iterator[tuple[str, Any, Any]]:
        """Store the files, rebuild the index, reload the assistant; yields (report, footer, file picker)."""
        if not files:
            yield "Choose one or more files first.", gr.skip(), gr.skip()
            return
        if not self._lock.acquire(blocking=False):
            yield "Another upload is being indexed; try again when it has finished.", gr.skip(), gr.skip()
            return
        try:
            working = f"Indexing {len(files)} file(s)… questions are still answered meanwhile."
            yield working, gr.skip(), gr.skip()
            yield (*self._ingest(files), None)
        finally:
            self._lock.release()

    def _ingest(self, files: Sequence[str]) -> tuple[str, Any]:
        from qa.assistant import Assistant
        from qa.ingest import NothingToIngestError, ingest

        folder = uploads_dir(self.settings)
        try:
            added = store_uploads(files, folder)
        except MedciteError as exc:
            return f"**Not added:** {escape_markdown(str(exc))}", gr.skip()
        try:
            report = ingest(ingest_sources(self.settings, folder), self.settings)
        except NothingToIngestError as exc:
            self._drop(added)
            return f"**Not added:** {escape_markdown(str(exc))}", gr.skip()
        except MedciteError as exc:
            return f"**Indexing failed:** {escape_markdown(str(exc))}", gr.skip()
        # A file the loaders could not read would be skipped again by every later ingest: take it out.
        skipped = {Path(s.path).resolve() for s in report.skipped}
        dropped = [p for p in added if p.resolve() in skipped]
        self._drop(dropped)
        try:
            assistant = Assistant.load(Path(self.settings.index_dir), self.settings)
        except MedciteError as exc:
            return f"**The new index could not be loaded:** {escape_markdown(str(exc))}", gr.skip()
        self.current.set(assistant)
        kept = [p for p in added if p not in dropped]
        return report_markdown(report, kept, dropped), index_footer(assistant.index)

    @staticmethod
    def _drop(paths: Sequence[Path]) -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    def render(self) -> None:
        """Place the panel in the current Blocks context and wire its event."""
        with gr.Accordion("Add documents", open=False):
            gr.Markdown(
                f"Upload {', '.join(ACCEPTED)} files. They are added to the index and searched together with "
                "the existing documents."
            )
            picker = gr.File(
                label="Documents", file_count="multiple", file_types=list(ACCEPTED), type="filepath"
            )
            button = gr.Button("Add to the index", variant="primary")
            status = gr.Markdown()
        button.click(
            self.add,
            inputs=[picker],
            outputs=[status, self.footer, picker],
            api_name="add_documents",
            concurrency_limit=1,
        )
