"""The readers' int8 export: what it is keyed by, that it reads like the PyTorch reader, and when answering runs it."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.answer import onnx_reader
from qa.answer.onnx_reader import OnnxReader, ensure_export, export_dir, has_export, load_reader
from qa.answer.rerank import RERANKERS, Reranker, RerankerWeights
from qa.answer.settings import AnswerSettings

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None,
    reason="onnxruntime/onnx not installed (medcite depends on both: reinstall it)",
)

FIRST = RERANKERS / AnswerSettings().readers[0]
# Sentences as the readers see them (title: sentence), some that answer and some about the same drug that do not.
TEXTS = [
    "Baclofen clearance: Hemodialysis clearance of baclofen is 2.14 mL/s (128 mL/min), comparable to renal clearance.",
    "Baclofen clearance: Baclofen is a presynaptic GABA-B receptor agonist in the spinal cord.",
    "Case report: A total of 3 HD sessions were performed and the patient was discharged on day 14.",
    "Management: In patients with end-stage kidney disease, hemodialysis (HD) has been used to enhance elimination.",
    "Pharmacokinetics: Baclofen is primarily excreted unchanged by the kidneys.",
    "Hemodynamic instability: transient hypotension 95/47 mmHg",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache holding the first shipped reader's export, made for real (about 15 s)."""
    folder = tmp_path_factory.mktemp("reader-export")
    ensure_export(FIRST, folder)
    return folder


@pytest.fixture(scope="module")
def torch_reader() -> Reranker:
    import torch

    return Reranker(RerankerWeights.load(FIRST), dtype=torch.float32)


@pytest.mark.parametrize(
    ("question", "best"),
    [
        ("how does baclofen work?", 1),
        ("how many dialysis sessions did the case patient need?", 2),
        ("what blood pressure did the patient have?", 5),
        ("Is baclofen cleared by hemodialysis?", 0),
    ],
)
def test_the_int8_export_reads_like_the_float32_reader(
    cache: Path, torch_reader: Reranker, question: str, best: int
) -> None:
    int8 = load_reader(FIRST, cache, "auto")
    assert isinstance(int8, OnnxReader)
    exact, rounded = torch_reader.scores(question, TEXTS), int8.scores(question, TEXTS)
    assert rounded.shape == (len(TEXTS),) and rounded.dtype == np.float32
    # The sentence that answers is the best read either way; a score moves by up to 1.3 on these (a spread of 14),
    # which can swap near ties (the answers it gives: eval/EXPERIMENTS.md, "Thirtieth session").
    assert int(np.argmax(exact)) == int(np.argmax(rounded)) == best
    assert np.abs(rounded - exact).max() < 1.5
    assert int8.scores(question, []).shape == (0,)
    # A pair reads the same alone as beside others: int8 scales each batch by its own range, so each is its own.
    assert int8.scores(question, TEXTS[best : best + 1])[0] == pytest.approx(rounded[best], abs=1e-5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.text(min_size=0, max_size=300),
    st.lists(st.text(min_size=0, max_size=600), min_size=1, max_size=8),
)
def test_the_export_reads_the_pairs_the_reader_was_trained_on(
    cache: Path, torch_reader: Reranker, question: str, texts: list[str]
) -> None:
    # The same word pieces, cut longest first to the same window: any text, any length.
    int8 = load_reader(FIRST, cache, "auto")
    assert isinstance(int8, OnnxReader)
    expected = torch_reader.tokenizer(
        [question] * len(texts), texts, padding=True, truncation="longest_first", max_length=96, return_tensors="np"
    )
    encoded = int8.tokenizer.encode_batch([(question, text) for text in texts])
    for row, e in enumerate(encoded):
        length = int(expected["attention_mask"][row].sum())
        assert e.ids == list(expected["input_ids"][row, :length])
        assert e.type_ids == list(expected["token_type_ids"][row, :length])
        assert e.attention_mask == [1] * length


def test_the_runtime_says_whether_the_export_is_read(cache: Path, tmp_path: Path) -> None:
    assert isinstance(load_reader(FIRST, cache, "pytorch"), Reranker)
    assert isinstance(load_reader(FIRST, None, "auto"), Reranker)
    # "auto" never waits for an export: without one it runs PyTorch, and writes nothing.
    assert isinstance(load_reader(FIRST, tmp_path, "auto"), Reranker)
    assert not has_export(FIRST, tmp_path) and not (tmp_path / "onnx").exists()


def test_an_export_is_keyed_by_the_reader_file(cache: Path, tmp_path: Path) -> None:
    assert has_export(FIRST, cache)
    other = tmp_path / "retrained.npz"
    shutil.copyfile(FIRST, other)
    assert export_dir(other, cache) == export_dir(FIRST, cache)  # the same bytes, the same export
    weights = RerankerWeights.load(FIRST)
    head = weights.head.copy()
    head[0] += 1.0
    RerankerWeights(weights.base, weights.rank, weights.scale, weights.adapters, head, weights.bias).save(other)
    assert export_dir(other, cache) != export_dir(FIRST, cache) and not has_export(other, cache)


def test_a_failed_export_leaves_nothing_a_later_run_would_trust(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def killed(weights_file: Path, into: Path) -> None:
        (into / onnx_reader.MODEL_FILE).write_bytes(b"half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(onnx_reader, "_export", killed)
    with pytest.raises(KeyboardInterrupt):
        ensure_export(FIRST, tmp_path)
    assert not has_export(FIRST, tmp_path)
    assert list((tmp_path / "onnx").iterdir()) == []
    assert isinstance(load_reader(FIRST, tmp_path, "auto"), Reranker)
