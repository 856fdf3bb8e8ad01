"""The reranking stage: what the cross-encoder reads, how its reading moves the scorer's best few, its file."""

from __future__ import annotations

import dataclasses
import math
import threading

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from qa.answer.rerank import (
    ADAPTED,
    RERANKERS,
    Readers,
    Reranker,
    RerankerWeights,
    fastest_dtype,
    rerank,
    sentence_in_context,
    shipped_reranker,
    soup,
)
from qa.answer.settings import AnswerSettings
from qa.records import Chunk

from ._fixtures import candidate

TEXT = "Coma. Tonic-clonic seizure. Flaccid extremities. Discharged on day 14."
CHUNK = Chunk(
    "c",
    "case.txt",
    "Baclofen overdose",
    ("Baclofen overdose", "Symptoms"),
    0,
    0,
    len(TEXT),
    TEXT,
    ((0, 5), (6, 27), (28, 48), (49, 71)),
)


class Reads:
    """A stand-in cross-encoder: a fixed score per text, recording what it was asked to read."""

    def __init__(self, by_text: dict[str, float]):
        self.by_text = by_text
        self.read: list[str] = []

    def scores(self, question: str, texts):
        self.read += list(texts)
        return np.array([self.by_text[t.split(": ", 1)[1]] for t in texts], dtype=np.float32)


def test_a_sentence_is_read_with_its_chunks_title_and_section() -> None:
    assert sentence_in_context(CHUNK, "Tonic-clonic seizure.") == "Baclofen overdose Symptoms: Tonic-clonic seizure."
    bare = dataclasses.replace(CHUNK, title="", heading_path=())
    assert sentence_in_context(bare, "Coma.") == "Coma."


def test_a_sentence_is_read_with_the_part_of_the_paper_it_sits_in() -> None:
    # What a study found (under "Results") answers a question its aims ("Objective") only restate.
    results = dataclasses.replace(CHUNK, title="PubMed 123", heading_path=("PubMed 123", "Results"))
    assert sentence_in_context(results, "Coma.") == "PubMed 123 Results: Coma."


def test_only_the_scorers_best_few_are_read_and_reordered_among_themselves() -> None:
    scored = [candidate(CHUNK, i, s) for i, s in enumerate((3.0, 2.0, 1.9, 0.5))]
    reads = Reads({"Coma.": 0.0, "Tonic-clonic seizure.": 5.0, "Flaccid extremities.": 1.0})
    out = rerank(scored, "did she seize?", reads, AnswerSettings(rerank_top=3, rerank_weight=0.5))
    assert len(reads.read) == 3 and not any("Discharged" in t for t in reads.read)
    # 3.0 + 0, 2.0 + 2.5, 1.9 + 0.5: the second goes first and takes the best score; the scores stay the scorer's.
    assert [c.score for c in out] == pytest.approx([2.0, 3.0, 1.9, 0.5])
    assert [c.text for c in out] == [c.text for c in scored]
    assert min(c.score for c in out[:3]) > out[3].score


@pytest.mark.parametrize("settings", [AnswerSettings(rerank_top=0), AnswerSettings(rerank_weight=0.0)])
def test_no_reranking_when_turned_off(settings: AnswerSettings) -> None:
    scored = [candidate(CHUNK, i, s) for i, s in enumerate((3.0, 2.0))]
    reads = Reads({"Coma.": 0.0, "Tonic-clonic seizure.": 5.0})
    assert rerank(scored, "q", reads, settings) == scored
    assert rerank(scored, "q", None, AnswerSettings()) == scored
    assert reads.read == []


def test_settings_refuse_a_negative_reranking() -> None:
    with pytest.raises(ValueError, match="rerank_top and rerank_weight"):
        AnswerSettings(rerank_top=-1)
    with pytest.raises(ValueError, match="rerank_top and rerank_weight"):
        AnswerSettings(rerank_weight=float("inf"))


def test_readers_read_the_mean_of_their_members() -> None:
    first = Reads({"Coma.": 1.0, "Flaccid extremities.": -2.0})
    second = Reads({"Coma.": 3.0, "Flaccid extremities.": 0.0})
    both = Readers((first, second))
    texts = ["t: Coma.", "t: Flaccid extremities."]
    assert both.scores("q", texts) == pytest.approx([2.0, -1.0])
    assert first.read == second.read == texts
    assert both.scores("q", []).shape == (0,)
    with pytest.raises(ValueError, match="at least one"):
        Readers(())


class MeetsTheOthers(Reads):
    """A stand-in reader that reads only once every member of its `Readers` is reading too."""

    def __init__(self, by_text: dict[str, float], meeting: threading.Barrier):
        super().__init__(by_text)
        self.meeting = meeting

    def scores(self, question: str, texts):
        self.meeting.wait()  # a member read after another, not beside it, waits out the timeout and breaks it
        return super().scores(question, texts)


def test_readers_read_at_the_same_time() -> None:
    # On two idle cores the two shipped readers then take about 60% of their time one after the other (bench/README.md).
    texts = ["t: Coma.", "t: Flaccid extremities."]
    meeting = threading.Barrier(2, timeout=10)
    first = MeetsTheOthers({"Coma.": 1.0, "Flaccid extremities.": -2.0}, meeting)
    second = MeetsTheOthers({"Coma.": 3.0, "Flaccid extremities.": 0.0}, meeting)
    assert Readers((first, second)).scores("q", texts) == pytest.approx([2.0, -1.0])
    # In a cascade the others read at the same time once the first has left the question open.
    meeting = threading.Barrier(2, timeout=10)
    cascade = [Reads({"Coma.": 1.0, "Flaccid extremities.": 0.5})]
    cascade += [MeetsTheOthers({"Coma.": 3.0, "Flaccid extremities.": 0.0}, meeting) for _ in range(2)]
    read = Readers(cascade).scores("q", texts, base=np.zeros(2), weight=1.0, margin=1.0)
    assert read == pytest.approx([7 / 3, 0.5 / 3])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.floats(-10, 10), min_size=2, max_size=2), min_size=1, max_size=3),
    st.lists(st.floats(-3, 3), min_size=2, max_size=2),
    st.sampled_from([0.0, 0.5, 2.0, math.inf]),
)
@example(readings=[[0.0, 0.0]], base=[0.0, 0.0], margin=0.5)  # one member, the question left open: no one else reads
def test_readers_read_at_once_give_what_they_give_one_after_the_other(
    readings: list[list[float]], base: list[float], margin: float
) -> None:
    texts = ["t: Coma.", "t: Flaccid extremities."]
    members = [Reads(dict(zip(("Coma.", "Flaccid extremities."), r, strict=True))) for r in readings]
    read_alone = [m.scores("q", texts).astype(np.float64) for m in members]  # float32, as a reader gives them
    first = read_alone[0]
    one_after_the_other = np.mean(read_alone, axis=0)
    left_open = margin == math.inf or abs((base[0] + first[0]) - (base[1] + first[1])) < margin
    expected = one_after_the_other if left_open else first
    read = Readers(members).scores("q", texts, base=np.array(base), weight=1.0, margin=margin)
    assert read == pytest.approx(expected)
    assert Readers(members).scores("q", texts) == pytest.approx(one_after_the_other)


def test_a_reader_that_fails_beside_another_fails_the_reading() -> None:
    class Fails(Reads):
        def scores(self, question: str, texts):
            raise RuntimeError("the export cannot be read")

    both = Readers((Reads({"Coma.": 1.0}), Fails({})))
    with pytest.raises(RuntimeError, match="cannot be read"):
        both.scores("q", ["t: Coma."])


def test_readers_read_the_rest_only_where_the_first_leaves_the_best_two_close() -> None:
    # A cascade: the scorer's scores plus the first reader's, 1.0 + 1.0 against 0.0 - 2.0, lead by 4.
    texts = ["t: Coma.", "t: Flaccid extremities."]
    base = np.array([1.0, 0.0])
    for margin, second_read, expected in ((4.5, True, [2.0, -1.0]), (4.0, False, [1.0, -2.0]), (0.0, False, None)):
        first = Reads({"Coma.": 1.0, "Flaccid extremities.": -2.0})
        second = Reads({"Coma.": 3.0, "Flaccid extremities.": 0.0})
        read = Readers((first, second)).scores("q", texts, base=base, weight=1.0, margin=margin)
        assert first.read == texts and bool(second.read) == second_read
        assert read == pytest.approx(expected or [1.0, -2.0])
    # Without the scorer's scores, or with no margin to settle by, every member reads.
    second = Reads({"Coma.": 3.0, "Flaccid extremities.": 0.0})
    both = Readers((Reads({"Coma.": 1.0, "Flaccid extremities.": -2.0}), second))
    assert both.scores("q", texts, base=base, weight=1.0, margin=float("inf")) == pytest.approx([2.0, -1.0])
    assert both.scores("q", texts[:1], base=base[:1], weight=1.0, margin=1.0) == pytest.approx([1.0])


def test_rerank_hands_the_readers_the_scorers_scores_and_the_margin() -> None:
    scored = [candidate(CHUNK, i, s) for i, s in enumerate((3.0, 2.0, 1.9, 0.5))]
    first = Reads({"Coma.": 0.0, "Tonic-clonic seizure.": 0.5, "Flaccid extremities.": 0.0})
    second = Reads({"Coma.": 0.0, "Tonic-clonic seizure.": 5.0, "Flaccid extremities.": 0.0})
    settings = AnswerSettings(rerank_top=3, rerank_weight=1.0, second_reading_margin=0.4)
    # 3.0 + 0 against 2.0 + 0.5 leads by 0.5: settled by the first reader, the second never reads.
    kept = rerank(scored, "q", Readers((first, second)), settings)
    assert [c.score for c in kept] == pytest.approx([3.0, 2.0, 1.9, 0.5])
    assert second.read == []
    wider = dataclasses.replace(settings, second_reading_margin=1.0)
    out = rerank(scored, "q", Readers((first, second)), wider)
    assert len(second.read) == 3 and out[1].score == pytest.approx(3.0)


def test_settings_refuse_a_negative_or_missing_second_reading_margin() -> None:
    for margin in (-0.5, float("nan")):
        with pytest.raises(ValueError, match="second_reading_margin"):
            AnswerSettings(second_reading_margin=margin)
    assert AnswerSettings(second_reading_margin=float("inf")).second_reading_margin == float("inf")


def test_settings_name_the_readers_as_files_beside_the_module() -> None:
    for readers in ((), ("../reranker.npz",), ("reranker.json",), ("reranker.npz", "reranker.npz")):
        with pytest.raises(ValueError, match="readers"):
            AnswerSettings(readers=readers)


def test_a_missing_reader_file_is_named_with_the_command_that_writes_it() -> None:
    with pytest.raises(ValueError, match=r"no-such-reader\.npz.*python -m eval\.train_reranker"):
        shipped_reranker(("no-such-reader.npz",))


def _weights(rank: int = 2, hidden: int = 4) -> RerankerWeights:
    rng = np.random.default_rng(0)
    adapters = {f"0.{p}": (rng.normal(size=(rank, hidden)), rng.normal(size=(hidden, rank))) for p in ADAPTED}
    return RerankerWeights("m", rank, 2.0, adapters, rng.normal(size=hidden), 0.5, trained_on="test")


def _delta(weights: RerankerWeights, name: str) -> np.ndarray:
    """What an adapter adds to its layer's weight matrix once folded in."""
    down, up = weights.adapters[name]
    return weights.scale * up @ down


def test_a_soup_adds_the_mean_of_its_fine_tunings_changes_to_every_layer() -> None:
    first, second = _weights(), dataclasses.replace(_weights(rank=2), scale=0.5, bias=-1.5)
    second = dataclasses.replace(second, adapters={n: (d + 1.0, u - 2.0) for n, (d, u) in second.adapters.items()})
    both = soup([first, second], trained_on="both", command="soup")
    assert both.rank == 4 and both.trained_on == "both"
    for name in first.adapters:
        assert _delta(both, name) == pytest.approx((_delta(first, name) + _delta(second, name)) / 2)
    assert both.head == pytest.approx((first.head + second.head) / 2)
    assert both.bias == pytest.approx(-0.5)
    alone = soup([first])
    assert all(_delta(alone, n) == pytest.approx(_delta(first, n)) for n in first.adapters)
    with pytest.raises(ValueError, match="same base"):
        soup([first, dataclasses.replace(second, base="other")])
    with pytest.raises(ValueError, match="same layers"):
        soup([first, dataclasses.replace(second, adapters={})])
    with pytest.raises(ValueError, match="at least one"):
        soup([])


def test_weights_round_trip_in_float16_and_refuse_what_is_not_theirs(tmp_path) -> None:
    weights = _weights()
    weights.save(tmp_path / "r.npz")
    back = RerankerWeights.load(tmp_path / "r.npz")
    assert back == weights
    for name, (down, up) in weights.adapters.items():
        assert back.adapters[name][0] == pytest.approx(down, abs=1e-2)
        assert back.adapters[name][1] == pytest.approx(up, abs=1e-2)
    assert back.head == pytest.approx(weights.head, abs=1e-2)
    with pytest.raises(ValueError, match=r"cannot read .*python -m eval\.train_reranker"):
        RerankerWeights.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", header=np.array('{"format": "something-else"}'))
    with pytest.raises(ValueError, match="not of format"):
        RerankerWeights.load(tmp_path / "other.npz")
    with pytest.raises(ValueError, match="rank-3 pair"):
        RerankerWeights("m", 3, 2.0, weights.adapters, weights.head)
    with pytest.raises(ValueError, match="finite"):
        RerankerWeights("m", 2, 2.0, {}, np.array([np.nan]))


def test_the_shipped_reader_is_the_mean_of_the_readers_the_settings_name() -> None:
    names = AnswerSettings().readers
    shipped = shipped_reranker()
    members = shipped.members if isinstance(shipped, Readers) else (shipped,)
    assert [m.weights.trained_on for m in members] == [RerankerWeights.load(RERANKERS / n).trained_on for n in names]
    texts = ["Baclofen: Baclofen is primarily eliminated by the kidney.", "Baclofen: Take it with food."]
    each = [Reranker(RerankerWeights.load(RERANKERS / n)).scores("how is baclofen eliminated?", texts) for n in names]
    assert shipped.scores("how is baclofen eliminated?", texts) == pytest.approx(np.mean(each, axis=0), abs=1e-4)


def test_the_shipped_reranker_reads_which_sentence_answers() -> None:
    reranker = shipped_reranker()
    assert reranker is not None
    texts = [
        "Baclofen clearance: hemodialysis or kidneys?: Baclofen is primarily eliminated by the kidney.",
        "Baclofen clearance: hemodialysis or kidneys?: Baclofen is a presynaptic GABA-B receptor agonist in the "
        "spinal cord that is primarily used for muscle spasms/spasticity.",
    ]
    scores = reranker.scores("how does baclofen work?", texts)
    assert scores.shape == (2,) and scores[1] > scores[0]
    assert reranker.scores("q", []).shape == (0,)
    # The same pair reads the same however it is batched (to bfloat16's precision, where the CPU runs it).
    assert reranker.scores("how does baclofen work?", texts[1:])[0] == pytest.approx(scores[1], abs=0.05)


def test_the_reader_runs_in_the_dtype_this_cpu_multiplies_faster() -> None:
    # bfloat16 was 3x faster than float32 on one CPU and 1.7x slower on another whose flags list AVX-512 BF16
    # (eval/EXPERIMENTS.md, "Twenty-ninth session"): the choice is timed, once per process and layer shape.
    import torch

    reader = Reranker(RerankerWeights.load(RERANKERS / AnswerSettings().readers[0]))
    dense = reader.model.bert.encoder.layer[0].intermediate.dense
    chosen = fastest_dtype(dense.in_features, dense.out_features)
    assert chosen in (torch.float32, torch.bfloat16)
    assert reader.dtype == chosen and dense.weight.dtype == chosen
    assert fastest_dtype(dense.in_features, dense.out_features) is chosen  # timed once, then remembered


def test_the_reader_reads_alike_in_either_dtype() -> None:
    # Which dtype runs may differ from machine to machine; what the reader says must not, beyond rounding.
    import torch

    reader = Reranker(RerankerWeights.load(RERANKERS / AnswerSettings().readers[0]))
    question = "how does baclofen work?"
    texts = [
        "Baclofen clearance: hemodialysis or kidneys?: Baclofen is primarily eliminated by the kidney.",
        "Baclofen clearance: hemodialysis or kidneys?: Baclofen is a presynaptic GABA-B receptor agonist.",
    ]
    read = {}
    for dtype in (torch.float32, torch.bfloat16):
        reader.model = reader.model.to(dtype)
        read[dtype] = reader.scores(question, texts)
    assert read[torch.bfloat16] == pytest.approx(read[torch.float32], abs=0.1)


def test_weights_are_stored_compressed(tmp_path) -> None:
    # The shipped soup is rank 16: stored plainly it passed 1 MiB, and a repository should keep its models small.
    zeros = {"0.x": (np.zeros((2, 4096)), np.zeros((4096, 2)))}
    big = dataclasses.replace(_weights(), head=np.zeros(4096), adapters=zeros)
    big.save(tmp_path / "r.npz")
    assert (tmp_path / "r.npz").stat().st_size < 4096 * 5 * 2 / 10  # zeros: a tenth of their float16 bytes at most
    assert RerankerWeights.load(tmp_path / "r.npz").head == pytest.approx(np.zeros(4096))
