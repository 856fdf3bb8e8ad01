"""The embedder with the real bundled model: chunk vectors, sentence vectors from the same pass, and caches."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from qa.embedding import Embedder, EmbeddingCache

CHUNK = "Baclofen > Dialysis\nBaclofen is cleared by hemodialysis at 128 mL/min. Cats chase mice in the garden."
SPANS = [(20, 70), (71, len(CHUNK))]


class CountingEmbedder(Embedder):
    """The real model, counting the texts that reach a forward pass."""

    def __init__(self, cache: EmbeddingCache | None = None):
        super().__init__(cache=cache)
        self.passes: list[str] = []

    def _encode_chunks(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], progress: bool
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        self.passes.extend(texts)
        return super()._encode_chunks(texts, spans, progress)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def test_the_vocabulary_lists_its_words_most_frequent_first(embedder: Embedder) -> None:
    # In id order, as WordPiece built it: the notice of words no source holds passes over the most frequent ones
    # (`qa.confidence.word_ranks`).
    vocabulary = embedder.vocabulary()
    assert vocabulary[0] == "[PAD]"
    assert (
        vocabulary.index("the") < vocabulary.index("take") < vocabulary.index("protein") < vocabulary.index("teenager")
    )


def test_spans_name_the_sentences() -> None:
    assert CHUNK[slice(*SPANS[0])] == "Baclofen is cleared by hemodialysis at 128 mL/min."
    assert CHUNK[slice(*SPANS[1])] == "Cats chase mice in the garden."


def test_chunk_vectors_are_the_models_own(embedder: Embedder) -> None:
    texts = [CHUNK, "  Short text with spaces around.  ", "Another, longer chunk about gout and allopurinol doses."]
    vectors, sentences = embedder.encode_chunks(texts, [SPANS, [(2, 33)], []])
    np.testing.assert_allclose(vectors, embedder.encode_uncached(texts), atol=1e-5)
    assert [s.shape for s in sentences] == [(2, 384), (1, 384), (0, 384)]
    np.testing.assert_allclose(np.linalg.norm(sentences[0], axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(sentences[1], axis=1), 1.0, rtol=1e-5)


def test_sentence_vectors_tell_the_sentences_of_one_chunk_apart(embedder: Embedder) -> None:
    _, (sentences,) = embedder.encode_chunks([CHUNK], [SPANS])
    dialysis = embedder.encode_query("Is baclofen removed by dialysis?")
    cats = embedder.encode_query("What do cats hunt?")
    assert (sentences @ dialysis).argmax() == 0
    assert (sentences @ cats).argmax() == 1
    # Close to each sentence embedded on its own, though read in its chunk's context.
    alone = embedder.encode_uncached([CHUNK[slice(*s)] for s in SPANS])
    assert np.all((sentences * alone).sum(axis=1) > 0.6)


def test_a_span_outside_the_word_pieces_is_embedded_on_its_own(embedder: Embedder) -> None:
    text = "Gout flares.   "
    _, (sentences,) = embedder.encode_chunks([text], [[(0, 12), (12, 15)]])
    # The trailing spaces hold no word piece: that "sentence" is embedded alone, never left as zeros.
    assert np.all(np.linalg.norm(sentences, axis=1) > 0.99)


def test_mismatched_spans_are_refused(embedder: Embedder) -> None:
    with pytest.raises(ValueError, match="2 span lists for 1 texts"):
        embedder.encode_chunks([CHUNK], [SPANS, SPANS])


def test_cached_chunks_and_sentences_skip_the_model(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    first = CountingEmbedder(cache=cache)
    vectors, sentences = first.encode_chunks([CHUNK], [SPANS])
    second = CountingEmbedder(cache=cache)
    again, again_sentences = second.encode_chunks([CHUNK], [SPANS])
    assert first.passes == [CHUNK] and second.passes == []
    np.testing.assert_array_equal(again, vectors)
    np.testing.assert_array_equal(again_sentences[0], sentences[0])
    # Other sentence boundaries in the same text are other vectors: the chunk is encoded again.
    second.encode_chunks([CHUNK], [SPANS[:1]])
    assert second.passes == [CHUNK]


def test_query_vectors_are_shared_within_one_answer_only(embedder: Embedder) -> None:
    with embedder.sharing_queries():
        first = embedder.encode_query("baclofen dialysis")
        with embedder.sharing_queries():  # nested: still the same answer
            assert embedder.encode_query("baclofen dialysis") is first
        assert embedder.encode_query("baclofen dialysis") is first
        assert not first.flags.writeable  # shared between stages: none may change it in place
    later = embedder.encode_query("baclofen dialysis")
    assert later is not first and embedder.encode_query("baclofen dialysis") is not later
    np.testing.assert_allclose(first, later, atol=1e-6)


def test_the_cache_closes_every_connection_it_opens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A connection used as a context manager commits but stays open; a long chat would leak one per lookup.
    import sqlite3

    import qa.embedding as embedding_module

    opened: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def recording(*args: object, **kwargs: object) -> sqlite3.Connection:
        db = connect(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(db)
        return db

    monkeypatch.setattr(embedding_module.sqlite3, "connect", recording)
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    cache.put("model", ["a", "b"], np.eye(2, dtype=np.float32))
    assert [v.tolist() for v in cache.get("model", ["b", "a"])] == [[0.0, 1.0], [1.0, 0.0]]
    assert len(opened) == 3
    for db in opened:
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            db.execute("SELECT 1")


# --- the onnx-int8 backend ---------------------------------------------------------------------------------

HAVE_ONNX = importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None
requires_onnx = pytest.mark.skipif(
    not HAVE_ONNX, reason="onnxruntime/onnx not installed (medcite depends on both: reinstall it)"
)


@pytest.fixture(scope="module")
def int8(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    return Embedder(backend="onnx-int8", export_cache=tmp_path_factory.mktemp("onnx"))


@requires_onnx
@pytest.mark.slow
def test_int8_vectors_are_close_to_float32(embedder: Embedder, int8: Embedder) -> None:
    texts = [CHUNK, "Another, longer chunk about gout and allopurinol doses.", "What causes kidney stones?"]
    spans = [SPANS, [(0, 55)], [(0, 26)]]
    vectors, sentences = int8.encode_chunks(texts, spans)
    reference, reference_sentences = embedder.encode_chunks(texts, spans)
    assert vectors.shape == reference.shape and [s.shape for s in sentences] == [(2, 384), (1, 384), (1, 384)]
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert np.all((vectors * reference).sum(axis=1) > 0.97)
    for mine, theirs in zip(sentences, reference_sentences, strict=True):
        assert np.all((mine * theirs).sum(axis=1) > 0.95)
    # The same tokenizer: chunking counts the same word pieces with either backend.
    assert int8.count_tokens(texts) == embedder.count_tokens(texts) and int8.max_tokens == embedder.max_tokens
    # A query vector from the same pass as `encode`.
    np.testing.assert_allclose(int8.encode_query(texts[2]), int8.encode_uncached([texts[2]])[0], atol=1e-6)


@requires_onnx
@pytest.mark.slow
def test_int8_sentence_vectors_tell_the_sentences_apart(int8: Embedder) -> None:
    _, (sentences,) = int8.encode_chunks([CHUNK], [SPANS])
    assert (sentences @ int8.encode_query("Is baclofen removed by dialysis?")).argmax() == 0
    assert (sentences @ int8.encode_query("What do cats hunt?")).argmax() == 1


@requires_onnx
@pytest.mark.slow
def test_the_export_is_cached_and_not_redone(int8: Embedder) -> None:
    from qa.embedding import resolve_model
    from qa.onnx_encoder import CONFIG_FILE, MODEL_FILE, ensure_export, export_dir

    int8.model  # noqa: B018 -- exported by now
    folder = export_dir(resolve_model(int8.name), int8.export_cache)
    assert (folder / MODEL_FILE).is_file() and (folder / CONFIG_FILE).is_file()
    stamp = (folder / MODEL_FILE).stat().st_mtime_ns
    assert ensure_export(resolve_model(int8.name), int8.export_cache) == folder
    assert (folder / MODEL_FILE).stat().st_mtime_ns == stamp
    # Only the finished export is there: no half-written folder beside it.
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]


def test_cache_keeps_backends_apart(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    assert Embedder(cache=cache).cache_key != Embedder(cache=cache, backend="onnx-int8").cache_key
    with pytest.raises(ValueError, match="torch, onnx-int8"):
        Embedder(backend="tensorflow")


# --- the torch backend's vectors on ONNX Runtime (answering's runtime) ----------------------------------------


@pytest.fixture(scope="module")
def float32_cache(tmp_path_factory: pytest.TempPathFactory, real_export_for_answering) -> Path:  # type: ignore[no-untyped-def]
    """A cache folder holding the float32 export, made by the shipped `export_for_answering`."""
    folder = tmp_path_factory.mktemp("float32")
    if HAVE_ONNX:
        real_export_for_answering(Embedder(export_cache=folder))
    return folder


@requires_onnx
@pytest.mark.slow
def test_the_float32_export_gives_the_torch_vectors(embedder: Embedder, float32_cache: Path) -> None:
    fast = Embedder(export_cache=float32_cache, runtime="auto")
    assert (fast.model.backend, fast.model.runtime) == ("torch", "onnxruntime")
    assert embedder.model.runtime == "pytorch"
    texts = [CHUNK, "Another, longer chunk about gout and allopurinol doses.", "What causes kidney stones?"]
    spans = [SPANS, [(0, 55)], [(0, 26)]]
    vectors, sentences = fast.encode_chunks(texts, spans)
    reference, reference_sentences = embedder.encode_chunks(texts, spans)
    np.testing.assert_allclose(vectors, reference, atol=1e-5)
    for mine, theirs in zip(sentences, reference_sentences, strict=True):
        np.testing.assert_allclose(mine, theirs, atol=1e-5)
    question = "Is it removed by dialysis?"
    np.testing.assert_allclose(fast.encode_query(question), embedder.encode_query(question), atol=1e-5)
    # Same tokenizer, same window, same cache entries: an index built by PyTorch is answered as it was.
    assert fast.count_tokens(texts) == embedder.count_tokens(texts) and fast.max_tokens == embedder.max_tokens
    assert fast.vocabulary() == embedder.vocabulary()
    assert fast.cache_key == embedder.cache_key


@requires_onnx
@pytest.mark.slow
def test_auto_takes_the_export_only_when_it_is_cached(float32_cache: Path, tmp_path: Path) -> None:
    assert Embedder(export_cache=tmp_path, runtime="auto").model.runtime == "pytorch"
    assert not (tmp_path / "onnx").exists()  # answering never exports: the first question would wait for it
    assert Embedder(export_cache=float32_cache, runtime="pytorch").model.runtime == "pytorch"
    assert Embedder(export_cache=float32_cache).model.runtime == "pytorch"  # ingest's default
    forced = Embedder(export_cache=tmp_path, runtime="onnxruntime")
    assert forced.model.runtime == "onnxruntime" and (tmp_path / "onnx").is_dir()


@requires_onnx
@pytest.mark.slow
def test_export_for_answering_writes_once_and_only_for_float32(
    float32_cache: Path,
    tmp_path: Path,
    real_export_for_answering,  # type: ignore[no-untyped-def]
) -> None:
    from qa.embedding import resolve_model
    from qa.onnx_encoder import MODEL_FILE, export_dir

    folder = export_dir(resolve_model(Embedder().name), float32_cache, "float32")
    stamp = (folder / MODEL_FILE).stat().st_mtime_ns
    assert real_export_for_answering(Embedder(export_cache=float32_cache)) == folder
    assert (folder / MODEL_FILE).stat().st_mtime_ns == stamp
    assert folder != export_dir(resolve_model(Embedder().name), float32_cache)  # the int8 export's folder
    assert real_export_for_answering(Embedder(backend="onnx-int8", export_cache=tmp_path)) is None
    assert not (tmp_path / "onnx").exists()


def test_runtime_is_checked() -> None:
    with pytest.raises(ValueError, match="auto, onnxruntime, pytorch"):
        Embedder(runtime="tensorrt")


@requires_onnx
@pytest.mark.slow
def test_an_export_that_cannot_be_run_falls_back_to_pytorch_and_says_so(
    float32_cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from qa.embedding import resolve_model
    from qa.onnx_encoder import MODEL_FILE, export_dir

    good = export_dir(resolve_model(Embedder().name), float32_cache, "float32")
    broken = export_dir(resolve_model(Embedder().name), tmp_path, "float32")
    shutil.copytree(good, broken)
    (broken / MODEL_FILE).write_bytes(b"not a model")  # e.g. a disk that filled up after the rename
    assert Embedder(export_cache=tmp_path, runtime="auto").model.runtime == "pytorch"
    assert "cannot be run" in capsys.readouterr().err
    from qa.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="delete"):
        Embedder(export_cache=tmp_path, runtime="onnxruntime").model  # noqa: B018


def test_theweights_digest_is_remembered_but_follows_changed_files(tmp_path: Path) -> None:
    from qa.onnx_encoder import weights_digest

    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.bin").write_bytes(b"a" * 100)
    first = weights_digest(str(model))
    assert weights_digest(str(model)) == first
    (model / "weights.bin").write_bytes(b"b" * 101)
    assert weights_digest(str(model)) != first


def test_an_export_folder_that_is_a_broken_link_is_written_again(tmp_path: Path) -> None:
    """A cache can hold a link to an export that is gone (a copied cache, a deleted temporary folder): it is not an
    export, and writing one in its place must not fail on it."""
    from qa.onnx_encoder import write_once

    final = tmp_path / "onnx" / "export-1"
    final.parent.mkdir()
    final.symlink_to(tmp_path / "gone", target_is_directory=True)

    def write(into: Path) -> None:
        (into / "done.json").write_text("{}", encoding="utf-8")

    assert write_once(final, "done.json", write) == final
    assert not final.is_symlink()
    assert (final / "done.json").is_file()
