"""Per-conversation history, the opt-in question log, and the swappable assistant reference."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import gradio as gr
import pytest

from qa.errors import MedciteError
from ui.session import Current, QuestionLog, user_turns


def test_user_turns_reads_every_shape_gradio_passes() -> None:
    history = [
        # From the browser: content is a list of blocks.
        {"role": "user", "content": [{"type": "text", "text": "Is baclofen dialyzable?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Yes. [1]"}]},
        {"role": "assistant", "content": "source", "metadata": {"title": "[1] Baclofen"}},
        # From the API, or a clicked option: a plain string.
        {"role": "user", "content": "What about children?"},
        # A file block carries no question text.
        {"role": "user", "content": [{"type": "file", "file": {"path": "/tmp/x.pdf"}}]},
        gr.ChatMessage(role="user", content="  And the dose?  "),
    ]
    assert user_turns(history) == ["Is baclofen dialyzable?", "What about children?", "And the dose?"]
    assert user_turns([]) == []


def test_question_log_writes_one_json_line_per_question(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "questions.jsonl"
    log = QuestionLog(path)
    assert path.read_text() == ""  # created at start-up, so a bad path fails before anyone asks
    log.write("Is baclofen dialyzable?", "s1")
    log.write("Ünïcode dose µg?", "s2")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["session"], r["question"]) for r in records] == [
        ("s1", "Is baclofen dialyzable?"),
        ("s2", "Ünïcode dose µg?"),
    ]
    assert all(r["time"].endswith("+00:00") for r in records)


def test_question_log_lines_never_interleave_across_threads(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q.jsonl")
    long_question = "x" * 20_000  # longer than one write buffer

    def write(session: str) -> None:
        for _ in range(20):
            log.write(long_question, session)

    threads = [threading.Thread(target=write, args=(f"s{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = (tmp_path / "q.jsonl").read_text().splitlines()
    assert len(lines) == 80
    assert all(json.loads(line)["question"] == long_question for line in lines)


def test_question_log_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(MedciteError, match="is a folder; give a file name"):
        QuestionLog(tmp_path)


def test_question_log_refuses_an_unwritable_place(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(MedciteError, match="cannot write the question log"):
        QuestionLog(blocker / "questions.jsonl")


def test_current_swaps_the_value_for_later_readers() -> None:
    current = Current("old")
    taken = current.get()
    current.set("new")
    assert (taken, current.get()) == ("old", "new")
