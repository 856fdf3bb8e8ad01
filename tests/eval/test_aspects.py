from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from eval import EvalError
from eval.aspects import ASPECTS, BATTERY, Medicine, read_battery, read_with
from qa.answer.rerank import shipped_reranker

# The shipped reader's share of the battery, less a margin: 0.677 (65 of 96) for the eighteenth session's reader.
# A reader that ships should not read aspects worse than that (eval/EXPERIMENTS.md, "Twentieth session").
SHIPPED_FLOOR = 0.65


class Keyword:
    """A stand-in reader: a text scores the number of the question's words it holds."""

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray:
        asked = set(question.lower().split())
        return np.array([len(asked & set(text.lower().split())) for text in texts], dtype=float)


def test_the_battery_asks_every_aspect_of_medicines_whose_every_sentence_names_them() -> None:
    medicines = read_battery()
    assert len(medicines) == 16
    for medicine in medicines:
        assert len(medicine.sentences) == len(ASPECTS)
        # The name is in every sentence, so it cannot tell them apart.
        assert all(medicine.name.lower() in sentence.lower() for sentence in medicine.sentences), medicine.name
    asked = [aspect for medicine in medicines for aspect, _ in medicine.questions]
    assert len(asked) == 96 and min(asked.count(aspect) for aspect in ASPECTS) >= 10


def test_a_question_is_right_when_its_aspects_sentence_comes_first() -> None:
    sentences = tuple(f"Fexolan {aspect} sentence" for aspect in ASPECTS)
    medicine = Medicine("Fexolan", sentences, (("dose", "fexolan dose"), ("use", "fexolan overdose")))
    result = read_with(Keyword(), [medicine])
    # "fexolan dose" holds two words of the dose sentence and one of the others: right. "fexolan overdose" holds
    # two of the overdose sentence's: wrong, read as overdose.
    assert (result.right, result.questions, result.share) == (1, 2, 0.5)
    assert result.confusions == {("use", "overdose"): 1}


def test_a_malformed_battery_line_is_refused_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "aspects.jsonl"
    path.write_text(BATTERY.read_text(encoding="utf-8").splitlines()[0] + '\n{"title": "X"}\n', encoding="utf-8")
    with pytest.raises(EvalError, match=r"aspects.jsonl:2: not a battery line"):
        read_battery(path)


def test_the_shipped_reader_tells_which_aspect_a_question_asks() -> None:
    reader = shipped_reranker()
    assert reader is not None
    assert read_with(reader, read_battery()).share >= SHIPPED_FLOOR
