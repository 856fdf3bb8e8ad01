"""Credentials, bind address and the launch options that keep the chat offline and private."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.errors import MedciteError
from ui.deploy import allow_loopback_through_proxy, is_loopback, launch_options, parse_auth


def test_parse_auth_inline_pair_keeps_colons_in_the_password() -> None:
    assert parse_auth("alice:s3cr:et") == [("alice", "s3cr:et")]


def test_parse_auth_file_skips_blanks_and_comments(tmp_path: Path) -> None:
    creds = tmp_path / "users.txt"
    creds.write_text("# ward 3\nalice:one\n\n  bob:two  \n", encoding="utf-8")
    assert parse_auth(str(creds)) == [("alice", "one"), ("bob", "two")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("alice:one\nbob\n", "line 2 of .*expected user:password"),
        ("# only\n\n", "holds no user:password lines"),
    ],
)
def test_parse_auth_file_names_the_bad_line(tmp_path: Path, content: str, message: str) -> None:
    creds = tmp_path / "users.txt"
    creds.write_text(content, encoding="utf-8")
    with pytest.raises(MedciteError, match=message):
        parse_auth(str(creds))


@pytest.mark.parametrize("value", ["alice", ":pw", "alice:"])
def test_parse_auth_rejects_incomplete_values(value: str) -> None:
    with pytest.raises(MedciteError, match="user:password"):
        parse_auth(value)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("192.168.1.5", False), ("example.org", False)],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_launch_options_are_local_offline_and_forgetful() -> None:
    options = launch_options()
    assert options["server_name"] == "127.0.0.1"
    assert options["share"] is False
    assert options["enable_monitoring"] is False
    assert options["run_history"] is False
    assert options["mcp_server"] is False
    assert options["max_file_size"] == "1kb"
    assert launch_options(uploads=True)["max_file_size"] == "50mb"
    assert launch_options(auth=[("a", "b")])["auth_message"]


def test_proxy_settings_get_loopback_exemptions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy:3128")
    monkeypatch.setenv("NO_PROXY", "intranet")
    monkeypatch.delenv("no_proxy", raising=False)
    allow_loopback_through_proxy()
    assert os.environ["NO_PROXY"] == "intranet,localhost,127.0.0.1,::1"
