"""What the chat keeps per conversation and per server: earlier turns, the question log, the assistant.

A conversation's history lives in Gradio's per-session state (the chatbot value), never in a shared
structure, so two clinicians' conversations cannot mix; the only state shared across sessions is the assistant
itself (read-only while answering) and the optional question log.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

from qa.errors import MedciteError

T = TypeVar("T")


def _message_text(content: object) -> str:
    """The text of a chat message's content in any of the shapes Gradio passes it.

    From the browser, content is a list of blocks (`[{"type": "text", "text": ...}]`); from the API and from a
    clicked option it is a plain string. Files and components carry no question text and are skipped.
    """
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        text = content.get("text")
        return text if isinstance(text, str) else ""
    if isinstance(content, Sequence):
        return " ".join(t for t in (_message_text(block) for block in content) if t)
    return ""


def _field(message: object, name: str) -> object:
    # Dicts from the browser and the API; `ChatMessage` objects if a handler appended one itself.
    return message.get(name) if isinstance(message, Mapping) else getattr(message, name, None)


def user_turns(history: Sequence[object]) -> list[str]:
    """The user's earlier questions in a chat history, oldest first (what `Assistant.ask(history=)` takes)."""
    turns: list[str] = []
    for message in history:
        if _field(message, "role") != "user":
            continue
        text = _message_text(_field(message, "content")).strip()
        if text:
            turns.append(text)
    return turns


class QuestionLog:
    """Appends one JSON line per question (time, session, question) to a file the operator chose.

    Off unless `--log-questions` names a file: questions can hold patient details, so nothing is written to
    disk by default. The file is opened per line so that it can be rotated while the chat runs.
    """

    def __init__(self, path: Path):
        self.path = Path(path).expanduser()
        if self.path.is_dir():
            raise MedciteError(
                f"--log-questions {self.path} is a folder; give a file name such as questions.jsonl"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise MedciteError(
                f"cannot write the question log {self.path} ({exc.strerror}); choose a writable file"
            ) from exc
        self._lock = threading.Lock()

    def write(self, question: str, session: str) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        line = json.dumps({"time": now, "session": session, "question": question}, ensure_ascii=False)
        # One writer at a time, so lines from concurrent sessions never interleave.
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


class Current(Generic[T]):
    """A value that one event may replace while others read it (the assistant, after an upload rebuilds it).

    Readers take the reference once per question, so an answer in flight finishes on the assistant it started
    with; the swap is a single reference assignment under a lock.
    """

    def __init__(self, value: T):
        self._value = value
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            return self._value

    def set(self, value: T) -> None:
        with self._lock:
            self._value = value
