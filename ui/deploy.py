"""How the chat is served: credentials, bind address, and the launch options that keep it offline and private.

Every option that could send data off the machine or keep it in the browser is set here explicitly rather than
left to Gradio's defaults or environment variables, so `run_chat_command` and the tests launch the same way.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

import gradio as gr

from qa.errors import MedciteError
from ui.render import CHAT_CSS

Credentials = list[tuple[str, str]]


def parse_auth(value: str) -> Credentials:
    """`user:password`, or the path of a file with one `user:password` per line (blank and `#` lines skipped).

    Raises:
        MedciteError: the value is neither, or a line of the file has no user or no password.
    """
    path = Path(value).expanduser()
    if path.is_file():
        pairs: Credentials = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            pairs.append(_pair(line, f"line {number} of {path}"))
        if not pairs:
            raise MedciteError(f"--auth file {path} holds no user:password lines; add at least one")
        return pairs
    if ":" not in value:
        raise MedciteError(
            f"--auth expects user:password or a file of user:password lines; {value!r} is neither "
            "(no such file, and no ':')"
        )
    return [_pair(value, "--auth")]


def _pair(text: str, where: str) -> tuple[str, str]:
    user, _, password = text.partition(":")
    user = user.strip()
    if not user or not password:
        raise MedciteError(f"{where}: expected user:password with both parts non-empty")
    return user, password


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def launch_options(
    *,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    auth: Credentials | None = None,
    uploads: bool = False,
) -> dict[str, Any]:
    """Keyword arguments for `Blocks.launch` that keep the chat local, offline and forgetful.

    `port=None` lets Gradio pick a free port from 7860 up.
    """
    return {
        "server_name": host,
        "server_port": port,
        "auth": auth,
        "auth_message": "medcite: sign in with the credentials you were given." if auth else None,
        # A share link downloads a tunnel client and exposes the chat on the internet.
        "share": False,
        # /monitoring would publish request timings to anyone who can reach the port.
        "enable_monitoring": False,
        # Run history keeps every question in the browser's localStorage: wrong on a shared workstation.
        "run_history": False,
        # The MCP server and server-side rendering add endpoints and a Node process the chat does not need.
        "mcp_server": False,
        "ssr_mode": False,
        "pwa": False,
        # Unexpected exceptions are shown as a generic error, not as a traceback with file paths.
        "show_error": False,
        "footer_links": ["api", "settings"],
        # Gradio's upload route exists even without an upload control; without --allow-upload a tiny cap keeps
        # it from being used to fill the disk.
        "max_file_size": "50mb" if uploads else "1kb",
        "inbrowser": False,
        "css": CHAT_CSS,
    }


def allow_loopback_through_proxy() -> None:
    """Let Gradio's start-up self-check reach 127.0.0.1 when an HTTP(S) proxy is configured.

    Without this, a proxy setting makes launch() route its own localhost check through the proxy and fail.
    """
    if any(os.environ.get(k) for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")):
        existing = os.environ.get("NO_PROXY", os.environ.get("no_proxy", ""))
        hosts = [h for h in existing.split(",") if h]
        for host in ("localhost", "127.0.0.1", "::1"):
            if host not in hosts:
                hosts.append(host)
        os.environ["NO_PROXY"] = os.environ["no_proxy"] = ",".join(hosts)


def launch(demo: gr.Blocks, *, prevent_thread_lock: bool = False, quiet: bool = False, **options: Any) -> str:
    """Launch `demo` with `launch_options(**options)`; returns the local URL.

    Raises:
        MedciteError: the port is taken or the address cannot be bound.
    """
    allow_loopback_through_proxy()
    kwargs = launch_options(**options)
    try:
        _, url, _ = demo.launch(prevent_thread_lock=prevent_thread_lock, quiet=quiet, **kwargs)
    except OSError as exc:
        raise MedciteError(
            f"cannot serve on {kwargs['server_name']}:{kwargs['server_port']} ({exc}); "
            "pass another --port or --host"
        ) from exc
    return url
