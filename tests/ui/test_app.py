"""The chat over HTTP with the fake assistant: sessions, history, the question log, the API surface.

These check what the UI itself does (which history it passes, what it logs, what it refuses) quickly; the
end-to-end behaviour with the real assistant is in test_app_real.py.
"""

from __future__ import annotations

import argparse
import json
import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from gradio_client import Client

import ui.app as app_module
from qa.errors import MedciteError
from qa.settings import Settings
from ui.app import MAX_QUESTION_CHARS, build_app, run_chat_command
from ui.deploy import launch

QUESTION = "Is baclofen cleared by dialysis?"


def texts(reply: list[dict]) -> list[str]:
    return [m["content"] for m in reply]


def test_follow_up_gets_this_sessions_history_and_new_conversation_forgets_it(
    fake_assistant, serve: Callable[..., str], client_for: Callable[[str], Client]
) -> None:
    url = serve(build_app(fake_assistant))
    fake_assistant.calls.clear()  # drop the start-up checks of the starter questions
    client = client_for(url)
    first = client.predict(QUESTION, api_name="/chat")
    assert texts(first)[0].startswith("Baclofen is")
    assert first[1]["metadata"]["title"] == "\\[1\\] Is baclofen cleared by dialysis? — Hemodialysis clearance"
    assert [o["value"] for o in first[-1]["options"]] == [
        "What about baclofen in children?",
        "How is baclofen toxicity treated?",
    ]
    followup = client.predict("What about in children?", api_name="/chat")
    # The fake resolves follow-ups with qa.query, so the caption shows the earlier question in a new setting.
    assert "searched for: Is baclofen cleared by dialysis in children?" in texts(followup)[0]
    client.predict(api_name="/new_conversation")
    client.predict("What about in children?", api_name="/chat")
    assert fake_assistant.calls == [
        (QUESTION, ()),
        ("What about in children?", (QUESTION,)),
        ("What about in children?", ()),
    ]


def test_two_clients_interleaved_keep_separate_histories(
    fake_assistant, serve: Callable[..., str], client_for: Callable[[str], Client]
) -> None:
    url = serve(build_app(fake_assistant))
    fake_assistant.calls.clear()
    alice, bob = client_for(url), client_for(url)
    alice.predict(QUESTION, api_name="/chat")
    bob.predict("Does grapefruit interact with zolpidem?", api_name="/chat")
    alice.predict("And in children?", api_name="/chat")
    bob.predict("Why?", api_name="/chat")
    assert fake_assistant.calls == [
        (QUESTION, ()),
        ("Does grapefruit interact with zolpidem?", ()),
        ("And in children?", (QUESTION,)),
        ("Why?", ("Does grapefruit interact with zolpidem?",)),
    ]


def test_questions_are_logged_only_when_asked_to(
    tmp_path: Path, fake_assistant, serve: Callable[..., str], client_for: Callable[[str], Client]
) -> None:
    log = tmp_path / "questions.jsonl"
    url = serve(build_app(fake_assistant, log_questions=log))
    alice, bob = client_for(url), client_for(url)
    alice.predict(QUESTION, api_name="/chat")
    bob.predict("Does grapefruit interact with zolpidem?", api_name="/chat")
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [r["question"] for r in records] == [QUESTION, "Does grapefruit interact with zolpidem?"]
    assert records[0]["session"] and records[0]["session"] != records[1]["session"]
    assert set(records[0]) == {"time", "session", "question"}


def test_nothing_is_written_without_the_log_flag(
    tmp_path: Path, monkeypatch, fake_assistant, serve: Callable[..., str], client_for: Callable[[str], Client]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = serve(build_app(fake_assistant))
    client_for(url).predict(QUESTION, api_name="/chat")
    assert list(tmp_path.iterdir()) == []


def test_empty_and_overlong_messages_are_answered_without_asking(
    fake_assistant, serve: Callable[..., str], client_for: Callable[[str], Client]
) -> None:
    url = serve(build_app(fake_assistant))
    fake_assistant.calls.clear()
    client = client_for(url)
    assert texts(client.predict("   ", api_name="/chat")) == ["Please type a question."]
    reply = texts(client.predict("dose? " * MAX_QUESTION_CHARS, api_name="/chat"))
    assert "please ask a question of at most 2,000 characters" in reply[0]
    assert fake_assistant.calls == []


def test_api_surface_has_no_upload_endpoint_unless_allowed(
    fake_assistant, serve: Callable[..., str], client_for: Callable[[str], Client]
) -> None:
    url = serve(build_app(fake_assistant))
    endpoints = client_for(url).view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/chat", "/new_conversation"}


def test_starter_questions_and_footer_come_from_the_index(fake_assistant) -> None:
    demo = build_app(fake_assistant)
    config = demo.get_config_file()
    chatbots = [c for c in config["components"] if c["type"] == "chatbot"]
    examples = [e["text"] for e in chatbots[0]["props"]["examples"]]
    # The fake answers its own document's title and related questions; the other titles are not questions.
    assert examples == [
        "Is baclofen cleared by dialysis?",
        "What about baclofen in children?",
        "How is baclofen toxicity treated?",
    ]
    footers = [c for c in config["components"] if c["props"].get("elem_id") == "medcite-footer"]
    assert "3 documents · 3 passages · model fake\\-model" in footers[0]["props"]["value"]
    assert chatbots[0]["props"]["sanitize_html"] is True


def test_auth_keeps_out_clients_without_credentials(
    fake_assistant, serve: Callable[..., str], client_for: Callable[[str], Client]
) -> None:
    url = serve(build_app(fake_assistant), auth=[("alice", "s3cret")])
    with pytest.raises(ValueError, match="credentials were not provided"):
        client_for(url)
    client = Client(url, auth=("alice", "s3cret"), analytics_enabled=False, verbose=False)
    try:
        assert texts(client.predict(QUESTION, api_name="/chat"))[0].startswith("Baclofen is")
    finally:
        client.close()


def test_a_taken_port_is_a_clear_error(fake_assistant) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo = build_app(fake_assistant)
        with pytest.raises(MedciteError, match=rf"cannot serve on 127\.0\.0\.1:{port} .*pass another --port"):
            launch(demo, prevent_thread_lock=True, quiet=True, port=port)
        demo.close()


@pytest.mark.slow
def test_chat_command_loads_the_index_and_launches_with_its_flags(
    real_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    launched: dict[str, object] = {}
    monkeypatch.setattr(app_module, "launch", lambda demo, **kwargs: launched.update(kwargs, demo=demo))
    args = argparse.Namespace(
        index=real_settings.index_dir, host="0.0.0.0", port=8123, auth=None, allow_upload=False,
        log_questions=tmp_path / "q.jsonl",
    )
    assert run_chat_command(args, real_settings) == 0
    assert {k: launched[k] for k in ("host", "port", "auth", "uploads")} == {
        "host": "0.0.0.0", "port": 8123, "auth": None, "uploads": False,
    }
    assert "without --auth" in capsys.readouterr().err
    assert (tmp_path / "q.jsonl").exists()


def test_chat_command_rejects_bad_auth_before_loading_anything(tmp_path: Path) -> None:
    args = argparse.Namespace(
        index=tmp_path / "none", host="127.0.0.1", port=8123, auth="nocolon", allow_upload=False,
        log_questions=None,
    )
    with pytest.raises(MedciteError, match="--auth expects user:password"):
        run_chat_command(args, Settings(index_dir=tmp_path / "none"))
    assert not (tmp_path / "none").exists()


def test_without_uploads_the_raw_upload_route_takes_no_real_file(
    fake_assistant, serve: Callable[..., str]
) -> None:
    url = serve(build_app(fake_assistant))
    response = httpx.post(f"{url}gradio_api/upload", files={"files": ("doc.txt", b"x" * 5000)})
    assert response.status_code == 413
