"""Ingest end to end on small text files, with a counting bag-of-words embedder instead of the real model."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import qa.ingest as ingest_module
from qa.chunking import CHUNKER_VERSION
from qa.dense import DENSE
from qa.embedding import Embedder, EmbeddingCache
from qa.errors import IndexLoadError
from qa.index import Index, read_manifest
from qa.ingest import IngestReport, NothingToIngestError, ensure_index, ingest, run_ingest_command
from qa.records import Skipped, stable_hash
from qa.settings import BUNDLED_MODEL, REPO_ROOT, Settings, default_cache_dir

DIM = 16


class CountingEmbedder(Embedder):
    """The Embedder interface, vectors from a hashed bag of words; remembers each text it really encodes."""

    def __init__(self, name: str = "test/bag-of-words", cache: EmbeddingCache | None = None, backend: str = "torch"):
        super().__init__(name, cache=cache, backend=backend)
        self.encoded: list[str] = []  # chunk texts that reached a forward pass
        self.questions: list[str] = []

    @property
    def dim(self) -> int:
        return DIM

    @property
    def max_tokens(self) -> int:
        return 254

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def _encode_chunks(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], progress: bool
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        self.encoded.extend(texts)
        sentences = [self._vectors([t[a:b] for a, b in s]) for t, s in zip(texts, spans, strict=True)]
        return self._vectors(texts), sentences

    def _encode(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        self.questions.extend(texts)  # short texts: the documents' follow-up questions
        return self._vectors(texts)

    @staticmethod
    def _vectors(texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(stable_hash(word), 16) % DIM] += 1.0
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "index_dir": tmp_path / "index",
        "cache_dir": tmp_path / "cache",
        "corpus_dir": tmp_path / "docs",
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


BACLOFEN = (
    "Baclofen and the kidney\n\n"
    "Baclofen is cleared by the kidneys. Hemodialysis removes baclofen from the blood. "
    "Doses must be reduced in renal failure.\n"
)
ASPIRIN = "Aspirin overdose\n\nAspirin overdose causes tinnitus and a metabolic acidosis. Treat with bicarbonate.\n"
LITHIUM = "Lithium toxicity\n\nLithium has a narrow therapeutic range. Hemodialysis is used in severe poisoning.\n"
DIGOXIN = "Digoxin toxicity\n\nDigoxin toxicity causes nausea and arrhythmias. Give digoxin antibody.\n"


def long_text(last_word: str) -> str:
    """A 40-sentence document: with one word piece per word it makes several chunks of about 128 tokens."""
    sentences = [f"Sentence number {i} of the long document talks about topic {i} in plain words." for i in range(39)]
    sentences.append(f"The final sentence ends with the word {last_word}.")
    return "A long document\n\n" + " ".join(sentences) + "\n"


def doc_ids_by_text(index: Index) -> dict[str, str]:
    """Which document holds which first chunk text, so tests need not know how loaders name documents."""
    return {
        index.chunks[rows[0]].text.split()[0]: doc_id
        for doc_id in index.documents
        if (rows := index.chunk_rows_of(doc_id))
    }


def test_first_build_then_up_to_date(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs, "baclofen.txt", BACLOFEN)
    write(docs, "aspirin.txt", ASPIRIN)
    settings = settings_for(tmp_path)
    embedder = CountingEmbedder()

    report = ingest([docs], settings, embedder=embedder)
    index = Index.load(settings.index_dir)
    assert (report.documents, report.new, report.changed, report.unchanged, report.removed) == (2, 2, 0, 0, 0)
    assert report.chunks == len(index.chunks) == report.chunks_embedded == len(embedder.encoded)
    assert not report.up_to_date and report.skipped == ()
    assert report.index_path == settings.index_dir
    assert report.chunks_per_second == pytest.approx(report.chunks / report.seconds)
    assert sorted(embedder.encoded) == sorted(c.context for c in index.chunks)
    manifest = index.manifest
    assert (manifest.model, manifest.dim, manifest.chunker_version) == (
        "test/bag-of-words",
        DIM,
        CHUNKER_VERSION,
    )
    assert manifest.sources == (str(docs.resolve()),)
    top = index.bm25.search("hemodialysis", k=1)[0]
    assert "Hemodialysis removes baclofen" in index.chunks[top[0]].text
    # Each document's follow-up questions (here: its title) carry their best cosine to any chunk.
    titles = sorted(d.title for d in index.documents.values())
    assert sorted(index.follow_up_scores) == sorted(embedder.questions) == titles
    for title in titles:
        best = float((index.vectors @ embedder._vectors([title])[0]).max())
        assert index.follow_up_scores[title] == pytest.approx(best, abs=1e-6)
    live = index.path

    again = ingest(None, settings, embedder=embedder)
    assert again.up_to_date and again.chunks_embedded == 0
    assert (again.documents, again.chunks, again.unchanged) == (2, report.chunks, 2)
    assert len(embedder.encoded) == report.chunks  # nothing encoded the second time
    assert Index.load(settings.index_dir).path == live  # nothing rebuilt
    assert "up to date" in again.summary()


def test_incremental_reuses_unchanged_and_drops_removed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs, "baclofen.txt", BACLOFEN)
    write(docs, "aspirin.txt", ASPIRIN)
    write(docs, "lithium.txt", LITHIUM)
    settings = settings_for(tmp_path)
    first = CountingEmbedder()
    ingest([docs], settings, embedder=first)
    before = Index.load(settings.index_dir)
    baclofen_id = doc_ids_by_text(before)["Baclofen"]
    baclofen_vectors = np.array(before.vectors[before.chunk_rows_of(baclofen_id)])

    write(docs, "aspirin.txt", ASPIRIN.replace("bicarbonate", "sodium bicarbonate"))
    (docs / "lithium.txt").unlink()
    write(docs, "digoxin.txt", DIGOXIN)
    second = CountingEmbedder()
    report = ingest([docs], settings, embedder=second)

    assert (report.new, report.changed, report.unchanged, report.removed) == (1, 1, 1, 1)
    after = Index.load(settings.index_dir)
    assert report.documents == len(after.documents) == 3
    # Only the changed and the new document were embedded; the unchanged one kept its chunks and vectors.
    assert all("sodium bicarbonate" in t or "Digoxin" in t for t in second.encoded)
    assert report.chunks_embedded == len(second.encoded) >= 2
    rows = after.chunk_rows_of(baclofen_id)
    np.testing.assert_array_equal(after.vectors[rows], baclofen_vectors)
    assert [after.chunks[r] for r in rows] == [before.chunks[r] for r in before.chunk_rows_of(baclofen_id)]
    texts = " ".join(c.text for c in after.chunks)
    assert "sodium bicarbonate" in texts and "Digoxin" in texts and "Lithium" not in texts
    assert after.bm25.search("lithium", k=5)[0].size == 0
    # Every row's vector is the one its text embeds to: rows were assembled in the right order.
    np.testing.assert_allclose(
        after.vectors, CountingEmbedder()._encode([c.context for c in after.chunks], False), atol=1e-6
    )


def test_a_tree_with_repeated_file_names_indexes_every_file_and_stays_incremental(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs / "toxicology", "summary.txt", ASPIRIN)
    write(docs / "nephrology", "summary.txt", LITHIUM)
    write(docs / "nephrology" / "2019", "summary.txt", DIGOXIN)
    settings = settings_for(tmp_path)
    report = ingest([docs], settings, embedder=CountingEmbedder())
    assert report.skipped == () and report.documents == 3
    index = Index.load(settings.index_dir)
    assert doc_ids_by_text(index) == {
        "Aspirin": "toxicology/summary.txt",
        "Lithium": "nephrology/summary.txt",
        "Digoxin": "nephrology/2019/summary.txt",
    }

    write(docs / "nephrology", "summary.txt", LITHIUM.replace("severe", "severe lithium"))
    embedder = CountingEmbedder()
    again = ingest([docs], settings, embedder=embedder)
    assert (again.new, again.changed, again.unchanged, again.removed) == (0, 1, 2, 0)
    assert all("severe lithium" in text for text in embedder.encoded)


def test_edited_document_embeds_only_its_changed_chunk(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs, "long.txt", long_text("apple"))
    settings = settings_for(tmp_path)
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite")
    first = CountingEmbedder(cache=cache)
    report = ingest([docs], settings, embedder=first)
    assert report.chunks >= 3

    write(docs, "long.txt", long_text("pear"))
    second = CountingEmbedder(cache=cache)
    report = ingest([docs], settings, embedder=second)
    assert (report.changed, report.chunks_embedded) == (1, report.chunks)
    # The document was re-chunked, but the cache answered for every chunk except the one that changed.
    assert len(second.encoded) == 1 and "pear" in second.encoded[0]


class SpanRecorder(CountingEmbedder):
    """Remembers each sentence it embeds, as cut out of the text it reads."""

    def __init__(self, max_tokens: int = 254) -> None:
        super().__init__()
        self.sentences: list[str] = []
        self.window = max_tokens

    @property
    def max_tokens(self) -> int:
        return self.window

    def _encode_chunks(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], progress: bool
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        self.sentences += [t[a:b] for t, s in zip(texts, spans, strict=True) for a, b in s]
        return super()._encode_chunks(texts, spans, progress)


DEFINES_HD = "Dialysis notes\n\nHemodialysis (HD) clears baclofen. Total of 3 HD session performed.\n"


def test_what_is_embedded_spells_out_the_abbreviations_a_document_defines(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs, "hd.txt", DEFINES_HD)
    write(docs, "other.txt", "HD elsewhere\n\nThe HD port was used. High definition (HD) video.\n")
    embedder = SpanRecorder()
    ingest([docs], settings_for(tmp_path), embedder=embedder)
    assert "Total of 3 hemodialysis session performed." in embedder.sentences
    assert "Hemodialysis (HD) clears baclofen." in embedder.sentences
    # Another document's "HD" is read by its own definition, not by the first document's.
    assert "The high definition port was used." in embedder.sentences
    # What is stored and quoted stays as written.
    index = Index.load(settings_for(tmp_path).index_dir)
    assert any("Total of 3 HD session performed." in c.text for c in index.chunks)


def test_a_chunk_spelled_out_past_the_window_is_embedded_as_written(tmp_path: Path) -> None:
    class Characters(SpanRecorder):
        def count_tokens(self, texts: Sequence[str]) -> list[int]:
            return [len(t) for t in texts]

    docs = tmp_path / "docs"
    write(docs, "hd.txt", DEFINES_HD)
    ingest([docs], settings_for(tmp_path), embedder=SpanRecorder())
    (chunk,) = Index.load(settings_for(tmp_path).index_dir).chunks
    # A window that holds the context as written, not with "HD" spelled out ("hemodialysis" is 10 letters more).
    embedder = Characters(max_tokens=len(chunk.context) + 5)
    ingest([docs], settings_for(tmp_path / "narrow"), embedder=embedder)
    assert "Total of 3 HD session performed." in embedder.sentences


def test_sources_are_reused_when_no_paths_are_given(tmp_path: Path) -> None:
    docs = tmp_path / "elsewhere"
    write(docs, "baclofen.txt", BACLOFEN)
    settings = settings_for(tmp_path)
    ingest([docs], settings, embedder=CountingEmbedder())
    write(docs, "aspirin.txt", ASPIRIN)
    report = ingest(None, settings, embedder=CountingEmbedder())
    assert (report.documents, report.new, report.unchanged) == (2, 1, 1)


def test_no_paths_and_no_index_means_the_corpus_folder(tmp_path: Path) -> None:
    write(tmp_path / "docs", "aspirin.txt", ASPIRIN)
    settings = settings_for(tmp_path)
    report = ingest(None, settings, embedder=CountingEmbedder())
    assert report.documents == 1
    assert read_manifest(settings.index_dir).sources == (str((tmp_path / "docs").resolve()),)


def test_another_model_or_threshold_rebuilds(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs, "baclofen.txt", BACLOFEN)
    write(docs, "aspirin.txt", ASPIRIN)
    settings = settings_for(tmp_path)
    ingest([docs], settings, embedder=CountingEmbedder())
    other = CountingEmbedder(name="test/other-model")
    report = ingest([docs], settings, embedder=other)
    assert not report.up_to_date and report.new == 2 and len(other.encoded) == report.chunks
    assert Index.load(settings.index_dir, model="test/other-model").manifest.model == "test/other-model"

    # Same corpus and model, but now above the approximate threshold: rebuilt approximate, nothing re-embedded.
    small = settings_for(tmp_path, approximate_above=1)
    again = CountingEmbedder(name="test/other-model")
    report = ingest([docs], small, embedder=again)
    assert not report.up_to_date and report.unchanged == 2 and again.encoded == []
    assert Index.load(small.index_dir).manifest.dense_kind == DENSE.approximate
    assert ingest([docs], small, embedder=again).up_to_date


def test_bad_files_are_reported_and_the_rest_ingested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    write(docs, "baclofen.txt", BACLOFEN)
    (docs / "scan.txt").write_bytes(bytes(range(256)) * 4)
    settings = settings_for(tmp_path)
    monkeypatch.setattr(ingest_module, "Embedder", lambda *a, **k: CountingEmbedder())

    assert run_ingest_command([docs], settings, progress=False) == 1
    out = capsys.readouterr().out
    assert "Skipped 1 file" in out and "scan.txt" in out and "Indexed 1 documents" in out
    index = Index.load(settings.index_dir)
    assert len(index.documents) == 1


def test_a_document_the_chunker_refuses_is_skipped(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs, "aspirin.txt", ASPIRIN)
    # A 300-word heading fills the 254-token window by itself: the chunker refuses that one document.
    heading = " ".join(f"word{i}" for i in range(300))
    write(docs, "heading.md", f"# Short title\n\n## {heading}\n\nBody text here. Another sentence.\n")
    report = ingest([docs], settings_for(tmp_path), embedder=CountingEmbedder())
    assert (report.documents, report.new) == (1, 1)
    assert len(report.skipped) == 1 and "heading" in report.skipped[0].path
    assert "window" in report.skipped[0].reason
    assert len(Index.load(tmp_path / "index").documents) == 1


def test_nothing_ingested_exits_2_and_keeps_the_previous_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(tmp_path)
    monkeypatch.setattr(ingest_module, "Embedder", lambda *a, **k: CountingEmbedder())
    write(tmp_path / "good", "aspirin.txt", ASPIRIN)
    assert run_ingest_command([tmp_path / "good"], settings, progress=False) == 0
    live = Index.load(settings.index_dir).path
    capsys.readouterr()

    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "scan.bin").write_bytes(bytes(range(256)) * 4)
    assert run_ingest_command([tmp_path / "bad"], settings, progress=False) == 2
    err = capsys.readouterr().err
    assert "nothing could be ingested" in err and "scan.bin" in err and "unchanged" in err
    assert Index.load(settings.index_dir).path == live
    with pytest.raises(NothingToIngestError) as caught:
        ingest([tmp_path / "missing-folder"], settings, embedder=CountingEmbedder())
    assert "missing-folder" in str(caught.value)


def test_ensure_index_builds_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[CountingEmbedder] = []

    def factory(*args: object, **kwargs: object) -> CountingEmbedder:
        made.append(CountingEmbedder())
        return made[-1]

    monkeypatch.setattr(ingest_module, "Embedder", factory)
    write(tmp_path / "docs", "aspirin.txt", ASPIRIN)
    settings = settings_for(tmp_path)
    assert ensure_index(settings, progress=False) == settings.index_dir
    assert len(Index.load(settings.index_dir).documents) == 1
    assert ensure_index(settings, progress=False) == settings.index_dir
    assert len(made) == 1  # the second call found the index and built nothing

    empty = settings_for(tmp_path / "other")
    with pytest.raises(IndexLoadError, match="nothing could be ingested"):
        ensure_index(empty, progress=False)


def test_summary_lists_counts_and_skipped_files() -> None:
    report = IngestReport(
        documents=3,
        chunks=12,
        new=1,
        changed=1,
        unchanged=1,
        removed=2,
        chunks_embedded=5,
        skipped=(Skipped("/x/scan.bin", "binary file"),),
        seconds=2.0,
        chunks_per_second=6.0,
        index_path=Path("/idx"),
        up_to_date=False,
    )
    text = report.summary()
    assert "Indexed 3 documents, 12 chunks in 2.0 s (6.0 chunks/s)" in text
    assert "1 new, 1 changed, 1 unchanged, 2 removed; 5 chunks embedded" in text
    assert "Skipped 1 file:\n  /x/scan.bin: binary file" in text and "Index: /idx" in text


def test_another_backend_rebuilds_and_is_recorded(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write(docs, "aspirin.txt", ASPIRIN)
    settings = settings_for(tmp_path)
    ingest([docs], settings, embedder=CountingEmbedder())
    int8 = CountingEmbedder(backend="onnx-int8")
    report = ingest([docs], settings, embedder=int8)
    # Vectors of one backend are not reused for another: everything is embedded again.
    assert not report.up_to_date and len(int8.encoded) == report.chunks
    assert read_manifest(settings.index_dir).backend == "onnx-int8"
    with pytest.raises(IndexLoadError, match="onnx-int8"):
        Index.load(settings.index_dir, backend="torch")
    assert ingest([docs], settings, embedder=CountingEmbedder(backend="onnx-int8")).up_to_date


def test_the_suite_writes_nothing_into_the_users_folders(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every default folder a test can reach is inside the run's temporary folder. An ingest given no cache folder
    exports into the default one, and the conftest links its exports there: in a developer's own cache those links
    outlived the run and pointed at nothing, so answering fell back to PyTorch and the next ingest could not export."""
    run = tmp_path_factory.getbasetemp().resolve()
    settings = Settings.from_env()
    for folder in (default_cache_dir(), settings.cache_dir, settings.index_dir, Embedder().export_cache):
        assert Path(folder).resolve().is_relative_to(run), folder


def test_backend_setting_from_env_and_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDCITE_BACKEND", "onnx-int8")
    assert Settings.from_env().backend == "onnx-int8"
    assert Settings.from_env(backend="torch").backend == "torch"
    with pytest.raises(ValueError, match="torch, onnx-int8"):
        Settings(backend="onnx")


def test_runtime_setting_from_env_and_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().runtime == "auto"
    monkeypatch.setenv("MEDCITE_RUNTIME", "pytorch")
    assert Settings.from_env().runtime == "pytorch"
    with pytest.raises(ValueError, match="auto, onnxruntime, pytorch"):
        Settings(runtime="torch")


class ExportingEmbedder(CountingEmbedder):
    """Counts the exports for answering that ingest asks for, without making one."""

    def __init__(self, **kwargs: object):
        super().__init__(**kwargs)
        self.exports = 0

    def export_for_answering(self) -> Path | None:
        self.exports += 1
        return None


@pytest.mark.parametrize(("runtime", "exports"), [("auto", 1), ("onnxruntime", 1), ("pytorch", 0)])
def test_ingest_leaves_the_export_for_answering_unless_told_not_to(tmp_path: Path, runtime: str, exports: int) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Gout\n\nGout is a form of arthritis caused by uric acid crystals.\n", encoding="utf-8")
    settings = replace(settings_for(tmp_path), runtime=runtime)
    embedder = ExportingEmbedder()
    ingest([docs], settings, embedder=embedder)
    assert embedder.exports == exports
    # An index already up to date still leaves it (an index built before the export existed gains it).
    again = ExportingEmbedder()
    assert ingest([docs], settings, embedder=again).up_to_date
    assert again.exports == exports


def test_an_export_that_fails_leaves_the_index_built_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    class FailingExport(CountingEmbedder):
        def export_for_answering(self) -> Path | None:
            raise RuntimeError("tracing failed")

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Gout\n\nGout is a form of arthritis caused by uric acid crystals.\n", encoding="utf-8")
    settings = settings_for(tmp_path)
    report = ingest([docs], settings, embedder=FailingExport())
    assert report.documents == 1 and Index.load(settings.index_dir).manifest.chunks == report.chunks
    assert "answering will run PyTorch" in capsys.readouterr().err


# --- slow: the real model ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_bundled_corpus_end_to_end(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, corpus_dir=REPO_ROOT / "corpus")
    report = ingest(None, settings)
    assert report.documents == 2 and report.skipped == ()
    index = Index.load(settings.index_dir, model=BUNDLED_MODEL)
    assert index.manifest.dim == 384 and index.manifest.model == BUNDLED_MODEL
    assert {doc.title for doc in index.documents.values()} == {
        "Is baclofen (a muscle relaxant) cleared by dialysis in patients with impaired renal function?",
        "Baclofen clearance: hemodialysis or kidneys?",
    }
    assert all(index.chunk_rows_of(doc_id) for doc_id in index.documents)
    qa_page = index.documents["000_0cc897c33312779f.txt"]
    note = index.documents["002_749b50180efa7039.txt"]
    assert (qa_page.publisher, qa_page.date, qa_page.kind) == ("Dr.Oracle", "2026-02-04", "Q&A page")
    assert (note.author, note.publisher, note.kind) == ("Hong Kim", "umem.org", "Q&A page")
    assert len(qa_page.references) == 2 and len(qa_page.related_questions) == 11
    assert note.references[0].url == "https://doi.org/10.1080/15563650.2020.1795188"
    # Read back from the index: no site clutter, references or related questions as content; every clinical
    # statement of both seeds is there.
    indexed = "\n".join(chunk.context for chunk in index.chunks)
    for clutter in (
        "Personalize",
        "Help us tailor your experience",
        "Which best describes you?",
        "Article Review Status",
        "Under Review",
        "Have a follow-up question?",
        "Our Medical A.I.",
        "Professional Medical Disclaimer",
        "assumes no liability",
        "Click to email author",
        "European journal of clinical pharmacology",
        "What could be causing a patient's leg swelling",
        "renal impairment 1.",
    ):
        assert clutter not in indexed, clutter
    for clinical in (
        "Yes, baclofen is effectively cleared by hemodialysis",
        "Hemodialysis clearance of baclofen is 2.14 mL/s (128 mL/min)",
        "Patients on hemodialysis develop toxicity even with doses as low as 10 mg",
        "(2.71 ± 0.42 days vs. 9 days, p<0.01)",
        "eGFR <30 mL/min/1.73m²",
        "Expect a lag of several hours between dialysis completion and full neurological recovery",
        "Case: 14 year old (51 kg) woman ingested 60 tablets of baclofen (20 mg tablets)",
        "Baclofen level: 882 ng/mL (therapeutic range: 80 – 400 ng/mL)",
        "it appears that hemodialysis does not remove baclofen effectively",
    ):
        assert clinical in indexed, clinical
    # Chunks read back are exact slices of their documents' sections.
    for chunk in index.chunks:
        section = index.documents[chunk.doc_id].sections[chunk.section_index]
        assert section.text[chunk.start : chunk.end] == chunk.text
    query = "baclofen hemodialysis clearance"
    embedder = Embedder(BUNDLED_MODEL)
    _, rows = index.dense_search(embedder.encode_query(query)[None, :], k=10)
    assert {index.chunks[r].doc_id for r in rows[0] if r >= 0} == set(index.documents)
    bm25_rows, _ = index.bm25.search(query, k=10)
    assert {index.chunks[r].doc_id for r in bm25_rows} == set(index.documents)


def _synthetic_corpus(folder: Path, files: int) -> None:
    """Distinct clinical-sounding texts, enough for a subprocess ingest to take several seconds."""
    drugs = [
        "baclofen",
        "lithium",
        "digoxin",
        "aspirin",
        "metformin",
        "warfarin",
        "valproate",
        "theophylline",
    ]
    for i in range(files):
        drug = drugs[i % len(drugs)]
        sentences = [
            f"Case {i}.{j}: a patient of {20 + (i * 7 + j) % 60} years took {drug} at {5 * (j + 1)} mg daily "
            f"and developed symptom number {(i * 13 + j) % 97} after {j + 2} days."
            for j in range(24)
        ]
        write(folder, f"case_{i:04d}.txt", f"{drug.title()} case series {i}\n\n" + " ".join(sentences) + "\n")


def _drain(proc: subprocess.Popen, into: bytearray) -> None:
    """Collect a sub-process's stderr as it comes (a full pipe would stall the process)."""
    assert proc.stderr is not None
    while chunk := proc.stderr.read1():  # type: ignore[attr-defined]
        into.extend(chunk)


def _kill_when(proc: subprocess.Popen, ready: Callable[[], bool], timeout: float) -> bool:
    """SIGKILL `proc` as soon as `ready()` holds; False when the process ended or the wait timed out first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return False


@pytest.mark.slow
def test_killed_ingest_leaves_the_previous_index(tmp_path: Path) -> None:
    files = 60  # about 360 chunks: several seconds of embedding to kill into, even on a fast machine
    index_dir = tmp_path / "index"
    settings = settings_for(tmp_path, corpus_dir=REPO_ROOT / "corpus")
    ingest(None, settings)
    previous = Index.load(index_dir)
    big = tmp_path / "big"
    _synthetic_corpus(big, files)
    env = {
        **os.environ,
        "MEDCITE_HOME": str(tmp_path / "home"),
        "MEDCITE_CACHE": str(tmp_path / "sub-cache"),
        "PYTHONPATH": str(REPO_ROOT),
    }
    # Progress bars on: the "embedding" bar on stderr says when embedding has begun.
    command = [sys.executable, "-m", "medcite", "ingest", str(big), "--index", str(index_dir)]
    builds = index_dir / "builds"
    started_at = [0.0]
    stderr = bytearray()

    def after(seconds: float) -> Callable[[], bool]:
        return lambda: time.monotonic() - started_at[0] >= seconds

    def embedding() -> bool:
        return b"embedding" in stderr

    def writing() -> bool:
        return any(p.name.startswith(".tmp-") for p in builds.iterdir())

    moments = {
        "after 1 s": after(1.0),
        "after 3 s": after(3.0),
        "during embedding": embedding,
        "writing": writing,
    }
    killed = []
    for label, ready in moments.items():
        stderr.clear()
        started_at[0] = time.monotonic()
        proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        reader = threading.Thread(target=_drain, args=(proc, stderr))
        reader.start()
        if _kill_when(proc, ready, timeout=240):
            killed.append(label)
        reader.join()
        loaded = Index.load(index_dir)
        unfinished = [p for p in builds.iterdir() if p.name.startswith(".tmp-")]
        if label == "writing":
            assert unfinished or loaded.path != previous.path  # killed mid-write (or just after publishing)
        else:
            assert not unfinished and loaded.path == previous.path  # killed before writing began
        # Killed before publishing: the previous build is live and whole.
        if loaded.path == previous.path:
            assert loaded.manifest == previous.manifest
        else:  # the kill landed just after publishing: then the new build is whole
            assert loaded.manifest.documents == files
        _, rows = loaded.dense_search(np.asarray(previous.vectors[:1]), k=3)
        assert rows[0, 0] >= 0
        assert loaded.bm25.search("baclofen", k=3)[0].size > 0
    assert killed == list(moments), f"only killed at {killed}; the ingest finished before the others"

    # A run left to finish cleans up what the killed runs left behind and publishes the new corpus.
    done = subprocess.run([*command, "--quiet"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert Index.load(index_dir).manifest.documents == files
    assert [p.name for p in builds.iterdir()] == [Index.load(index_dir).path.name]
