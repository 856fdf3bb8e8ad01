"""Load test for the web chat: N simultaneous users, each asking a question and then a follow-up.

    .venv/bin/python bench/load_chat.py [--users 20] [--url URL | --index DIR] [--port PORT] [--client http|gradio]

Without --url it starts `medcite chat` in a child process (so the server does not share this process's GIL
with the clients) on an index built from corpus/ in a temporary MEDCITE_HOME, or on --index DIR, and stops it
at the end. Each user is one session in its own thread: with `--client http` (the default) a few lines of
standard-library HTTP on Gradio's documented call API (`POST /gradio_api/call/chat` with the session's hash, then
read the event stream), with `--client gradio` one `gradio_client.Client`. The clients run on the server's two
cores, which real users' browsers would not: 20 `gradio_client` sessions keep one core busy on their own
(fetching the config and API description, polling; 11.5 s of CPU in an 11.7 s run, 2026-12-02), which measures
the harness more than the chat. Questions are encoded as after a user's `medcite ingest`: the float32 ONNX export
it leaves is made in the chat's cache first (MEDCITE_CACHE, else the temporary home's; qa.embedding).

Every user's first question names a different condition, and the follow-up ("What about in children?") names
none, so the follow-up's reply shows, in its "searched for" caption, the topic it was resolved against: it must
name that user's condition and no other user's (a reply's quotes may mention any condition a document does; only the
caption is what this session's history made). Prints answers/s and p50/p95 latency; exits 1 if a reply was wrong.

With an index (built or --index), it first times `Assistant.ask` alone in this process on the very questions
the users will ask (each follow-up with its question as history), one at a time, before the server starts: the
chat's throughput is printed as a share of that rate, measured on the same machine in the same run. Goals:
the chat reaches >= 60% of the ask() rate, with p95 latency <= 1.5 s and no history mixed between sessions.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CONDITIONS = (
    "gout", "lupus", "psoriasis", "asthma", "epilepsy", "cirrhosis", "anemia", "sarcoidosis", "migraine",
    "glaucoma", "scleroderma", "myasthenia", "pancreatitis", "tuberculosis", "leukemia", "melanoma",
    "osteoporosis", "hypothyroidism", "endometriosis", "vitiligo",
)  # fmt: skip
FOLLOW_UP = "What about in children?"
GOAL_SHARE = 0.60
GOAL_P95_S = 1.5


@dataclass
class UserResult:
    """One simulated user's latencies and any mismatch found in its replies."""

    condition: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finished: float = 0.0  # perf_counter when its last reply arrived


def first_question(condition: str) -> str:
    return f"Is baclofen cleared by dialysis in a patient with {condition}?"


def reply_text(reply: object) -> str:
    """The answer message's text (the first message of the reply)."""
    if isinstance(reply, list) and reply and isinstance(reply[0], dict):
        return str(reply[0].get("content", ""))
    return str(reply)


def searched_for(text: str) -> str:
    """The reply's "searched for: ..." caption (lowercase, unescaped), or "" when the question was searched as
    asked."""
    plain = text.replace("\\", "")
    if "searched for: " not in plain:
        return ""
    return plain.split("searched for: ", 1)[1].split("</sub>", 1)[0].strip()


def reply_errors(text: str, condition: str, *, follow_up: bool) -> list[str]:
    """What is wrong with one reply of the session asking about `condition`.

    The caption says what was searched for when history changed the query. A document may mention any condition,
    but that query, built from this session's history alone, must name no other user's. The follow-up must have
    one, naming this user's condition: restated in the earlier question's form ("Is baclofen cleared by dialysis
    in children with gout?") or with the earlier topic appended ("What about in children? (gout ...)").
    """
    text = text.lower()
    searched = searched_for(text)
    errors = []
    leaked = [c for c in CONDITIONS if c != condition and c in searched]
    if leaked:
        errors.append(f"the reply searched for other users' topics {leaked}: {searched!r}")
    if follow_up and not searched:
        errors.append(f"follow-up was not resolved against history: {text[:200]!r}")
    elif follow_up and condition not in searched:
        errors.append(f"follow-up lost this user's topic {condition!r}: {searched!r}")
    return errors


class HttpSession:
    """One chat session over Gradio's call API: the session hash keeps this user's history on the server."""

    def __init__(self, url: str):
        self.url = url.rstrip("/") + "/gradio_api/call/chat"
        self.session = uuid.uuid4().hex

    def ask(self, question: str) -> object:
        """The reply messages, once the event completes; RuntimeError when the chat reports an error."""
        body = json.dumps({"data": [question], "session_hash": self.session}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as response:
            event_id = json.load(response)["event_id"]
        event = ""
        with urllib.request.urlopen(f"{self.url}/{event_id}", timeout=600) as stream:
            for raw in stream:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:") and event in {"complete", "error"}:
                    data = json.loads(line.removeprefix("data:"))
                    if event == "error":
                        raise RuntimeError(f"the chat reported an error: {data}")
                    return data[0]  # the outputs: the reply messages first
        raise RuntimeError("the event stream ended without a reply")

    def close(self) -> None:
        pass


class GradioSession:
    """One chat session as `gradio_client.Client`, its own session, holds it."""

    def __init__(self, url: str):
        from gradio_client import Client

        self.client = Client(url, analytics_enabled=False, verbose=False)

    def ask(self, question: str) -> object:
        return self.client.predict(question, api_name="/chat")

    def close(self) -> None:
        self.client.close()


CLIENTS = {"http": HttpSession, "gradio": GradioSession}


def run_user(url: str, client_kind: str, condition: str, start: threading.Barrier, result: UserResult) -> None:
    try:
        client = CLIENTS[client_kind](url)
    except Exception as exc:  # any failure to connect is a failed user, reported with the others
        result.errors.append(f"cannot connect: {exc}")
        start.abort()
        return
    try:
        start.wait()
        for question, must_name in ((first_question(condition), False), (FOLLOW_UP, True)):
            began = time.perf_counter()
            reply = client.ask(question)
            result.latencies.append(time.perf_counter() - began)
            result.errors.extend(reply_errors(reply_text(reply), condition, follow_up=must_name))
    except Exception as exc:  # a failed request is a result of the load test, not a crash of it
        result.errors.append(f"request failed: {type(exc).__name__}: {exc}")
    finally:
        result.finished = time.perf_counter()
        client.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the chat server exited with code {server.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the chat server did not answer at {url} within {timeout:.0f} s")


def start_server(index: Path | None, port: int, home: Path) -> subprocess.Popen:
    env = {**os.environ, "MEDCITE_HOME": str(home), "GRADIO_ANALYTICS_ENABLED": "False"}
    command = [sys.executable, "-m", "medcite", "chat", "--port", str(port)]
    if index is not None:
        command += ["--index", str(index)]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def chat_cache(home: Path) -> Path:
    """The cache folder the started chat uses (MEDCITE_CACHE, else the run's own home's)."""
    return Path(os.environ.get("MEDCITE_CACHE") or home / "cache")


def prepare_answering(index: Path, cache: Path) -> None:
    """Leave in `cache` what `medcite ingest` leaves for answering (the float32 ONNX export of the index's model,
    if it applies), so that the chat and ask() below encode questions as a user's would after an ingest."""
    sys.path.insert(0, str(REPO))
    from qa.embedding import Embedder
    from qa.index import read_manifest

    manifest = read_manifest(index)
    Embedder(manifest.model, backend=manifest.backend, export_cache=cache).export_for_answering()


def ask_rate(index: Path, users: int, cache: Path) -> float:
    """Answers per second of `Assistant.ask` alone, one question at a time, on the questions the users ask."""
    sys.path.insert(0, str(REPO))
    from qa.assistant import Assistant
    from qa.settings import Settings

    assistant = Assistant.load(index, Settings.from_env(index_dir=index, cache_dir=cache))
    print(f"questions encoded by: {assistant.embedder.model.runtime} ({assistant.embedder.backend} backend)")
    conditions = [CONDITIONS[i % len(CONDITIONS)] for i in range(users)]
    for condition in conditions[:3]:  # warm-up, not timed: first calls load the model and fill caches
        assistant.ask(first_question(condition))
    started = time.perf_counter()
    for condition in conditions:
        question = first_question(condition)
        assistant.ask(question)
        assistant.ask(FOLLOW_UP, history=[question])
    return 2 * users / (time.perf_counter() - started)


def build_corpus_index(home: Path) -> Path:
    """An index of the bundled corpus/ in `home`, as `medcite chat` would build it on first start."""
    sys.path.insert(0, str(REPO))
    from qa.ingest import ensure_index
    from qa.settings import Settings

    settings = Settings(index_dir=home / "index", cache_dir=home / "cache")
    return ensure_index(settings, progress=False)


def run(url: str, users: int, ask_per_second: float | None = None, client_kind: str = "http") -> int:
    conditions = [CONDITIONS[i % len(CONDITIONS)] for i in range(users)]
    if users > len(CONDITIONS):
        print(f"note: {users} users share {len(CONDITIONS)} topics; leaks between namesakes go unnoticed")
    results = [UserResult(c) for c in conditions]
    # Every client connects (fetching the page's config and API description) before anyone asks: the clock
    # of the answer rate starts when the last one is ready, as a ward's clinicians would have the page open.
    asking: list[float] = []
    start = threading.Barrier(users, action=lambda: asking.append(time.perf_counter()))
    threads = [
        threading.Thread(target=run_user, args=(url, client_kind, c, start, r))
        for c, r in zip(conditions, results, strict=True)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies = [t for r in results for t in r.latencies]
    errors = [f"{r.condition}: {e}" for r in results for e in r.errors]
    print(
        f"users: {users} ({client_kind} clients), answers: {len(latencies)}, wall time (incl. connecting): {wall:.1f} s"
    )
    rate = 0.0
    if latencies and asking:
        answering = max(r.finished for r in results) - asking[0]
        rate = len(latencies) / answering
        print(f"answers/s: {rate:.2f} (over {answering:.1f} s from the first question to the last answer)")
        connecting = wall - answering
        print(f"answers/s counting the {connecting:.1f} s the clients took to connect: {len(latencies) / wall:.2f}")
    if latencies:
        print(
            f"latency p50: {statistics.median(latencies):.2f} s, p95: {percentile(latencies, 0.95):.2f} s, "
            f"max: {max(latencies):.2f} s"
        )
    print(f"sessions correct: {sum(not r.errors for r in results)}/{users}")
    for error in errors:
        print(f"  ERROR {error}")
    if rate and ask_per_second:
        p95 = percentile(latencies, 0.95)
        print(f"ask() alone, one at a time, same questions: {ask_per_second:.2f} answers/s")
        print(
            f"chat / ask() throughput: {rate / ask_per_second:.0%} (goal >= {GOAL_SHARE:.0%}); "
            f"p95 {p95:.2f} s (goal <= {GOAL_P95_S} s)"
        )
    return 1 if errors or len(latencies) != 2 * users else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--url", help="a running chat (default: start one)")
    parser.add_argument("--index", type=Path, help="index for the started chat (default: build from corpus/)")
    parser.add_argument("--port", type=int, help="port for the started chat (default: a free one)")
    parser.add_argument("--startup-timeout", type=float, default=600)
    parser.add_argument(
        "--client", choices=sorted(CLIENTS), default="http", help="how each user talks to the chat (see above)"
    )
    args = parser.parse_args()
    if args.users < 1:
        parser.error("--users must be at least 1")
    if args.url:
        # The ask() rate needs the index the running chat serves: give it with --index.
        with tempfile.TemporaryDirectory(prefix="medcite-load-") as home:
            rate = None
            if args.index:
                prepare_answering(args.index, chat_cache(Path(home)))
                rate = ask_rate(args.index, args.users, chat_cache(Path(home)))
        return run(args.url, args.users, rate, args.client)
    port = args.port or free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory(prefix="medcite-load-") as home:
        index = args.index or build_corpus_index(Path(home))
        prepare_answering(index, chat_cache(Path(home)))
        rate = ask_rate(index, args.users, chat_cache(Path(home)))
        server = start_server(index, port, Path(home))
        try:
            started = time.perf_counter()
            wait_until_up(url, server, args.startup_timeout)
            print(f"chat up at {url} after {time.perf_counter() - started:.1f} s")
            return run(url, args.users, rate, args.client)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main())
