"""`medcite chat`: the Gradio web chat, assembled from `qa` calls and the renderers in `ui.render`.

The page: a chat whose replies quote the indexed documents with numbered citations, one collapsible source per
citation (title, section, link, the passage with the quoted sentence highlighted), suggested follow-ups as
clickable options, starter questions drawn from the corpus, a "New conversation" button and a footer saying
what corpus and model answer. With `--allow-upload`, a panel adds documents through `qa.ingest`.

Concurrency: the chat event runs at most `CONCURRENCY` answers at once and queues the rest (FIFO, bounded),
so everyone waiting sees their position instead of timing out. An answer is CPU work on one thread (the
question's encoder and numpy's BLAS are both limited to one by `Assistant`), about half of it in the model, which
releases the GIL: two at once use both cores of the machines this runs on. Measured with bench/load_chat.py (20
users, question + follow-up each, two cores, all six MedQuAD sources, 2026-12-02, runs interleaved with the code
before the change): 108-113% of `Assistant.ask` alone, p95 1.35-1.36 s. Before numpy was limited, OpenBLAS's idle
threads busy-waited on the second core and two answers at once ran at half speed each (69-88%, p95 1.95-2.00 s).
Worker processes instead of threads (each with its own assistant) were tried that day: 17-20 answers/s, p95
1.14 s, no better on two cores, for a second copy of the model and heap.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import gradio as gr

from qa.errors import MedciteError
from qa.markup import escape_markdown
from qa.records import Answer, Document
from qa.settings import Settings
from ui.deploy import is_loopback, launch, parse_auth
from ui.examples import example_questions
from ui.render import DISCLAIMER, answer_messages, index_footer  # DISCLAIMER: qa.answer's, the one text
from ui.session import Current, QuestionLog, user_turns

if TYPE_CHECKING:
    from qa.index import Manifest

# See the module docstring: two answers at a time keep both cores busy.
CONCURRENCY = 2
# Enough for a ward's worth of simultaneous questions; beyond it a client is told the queue is full rather
# than letting a flood of requests hold memory without bound.
QUEUE_SIZE = 64
# A question, not a pasted document: longer input is refused with a message rather than searched.
MAX_QUESTION_CHARS = 2000
UPLOAD_TYPES = (".txt", ".md", ".html", ".htm", ".pdf")


class _Index(Protocol):
    manifest: Manifest
    chunks: Sequence[object]
    documents: dict[str, Document]


class ChatAssistant(Protocol):
    """What the chat needs from `qa.assistant.Assistant` (a fake with the same shape serves in tests)."""

    index: _Index

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer: ...


def _placeholder() -> str:
    return (
        "### Ask a clinical question\n"
        "Answers are sentences quoted verbatim from the indexed documents, each with a numbered source you "
        "can open. Follow-up questions keep the topic of the conversation.\n\n"
        f"<sub>{escape_markdown(DISCLAIMER)}</sub>"
    )


def build_app(
    assistant: ChatAssistant,
    *,
    allow_upload: bool = False,
    log_questions: Path | None = None,
    settings: Settings | None = None,
) -> gr.Blocks:
    """The chat page for `assistant`; launch it with `ui.deploy.launch` to get the offline, private options.

    Args:
        assistant: answers questions; replaced by a freshly loaded one after an upload rebuilds the index.
        allow_upload: show the "Add documents" panel (otherwise there is no upload control at all).
        log_questions: append one JSON line per question to this file; nothing is written when None.
        settings: where the index lives, needed to rebuild it after an upload (default: from the environment).

    Raises:
        MedciteError: the question log cannot be written.
    """
    current: Current[ChatAssistant] = Current(assistant)
    log = QuestionLog(log_questions) if log_questions is not None else None
    starters = example_questions(assistant, assistant.index.documents)

    def chat(message: str, history: list[dict], request: gr.Request) -> list[gr.ChatMessage]:
        """Answer one message in the context of this session's earlier questions."""
        question = (message or "").strip()
        if not question:
            return [gr.ChatMessage(content="Please type a question.")]
        if len(question) > MAX_QUESTION_CHARS:
            return [
                gr.ChatMessage(
                    content=f"That message is {len(question):,} characters long; please ask a question of at "
                    f"most {MAX_QUESTION_CHARS:,} characters (the assistant searches for a question, not a "
                    "document)."
                )
            ]
        if log is not None:
            log.write(question, getattr(request, "session_hash", None) or "")
        try:
            answer = current.get().ask(question, history=user_turns(history))
        except MedciteError as exc:
            raise gr.Error(str(exc)) from exc
        return answer_messages(answer)

    with gr.Blocks(title="medcite", analytics_enabled=False, fill_height=True) as demo:
        with gr.Row(equal_height=True):
            gr.Markdown("## medcite · cited answers from your documents")
            new_chat = gr.Button("New conversation", variant="secondary", size="md", scale=0, min_width=180)
        chatbot = gr.Chatbot(
            label="Conversation",
            show_label=False,
            scale=1,
            height="68vh",
            placeholder=_placeholder(),
            # Sources are untrusted text: keep Gradio's sanitiser on, pass no custom tags through, and do not
            # interpret "$$" in a document as maths.
            sanitize_html=True,
            allow_tags=False,
            latex_delimiters=[],
            # "share" would post the conversation to Hugging Face; likes would go nowhere.
            buttons=["copy"],
            feedback_options=None,
        )
        textbox = gr.Textbox(
            placeholder="Ask a question, e.g. about a drug, a condition or a procedure…",
            show_label=False,
            submit_btn=True,
            stop_btn=False,
            autofocus=True,
            max_length=MAX_QUESTION_CHARS,
            lines=1,
            max_lines=6,
        )
        interface = gr.ChatInterface(
            chat,
            chatbot=chatbot,
            textbox=textbox,
            examples=starters or None,
            run_examples_on_click=True,
            cache_examples=False,
            api_name="chat",
            api_description="Answer a question in this session's conversation; returns the reply messages.",
            analytics_enabled=False,
            concurrency_limit=CONCURRENCY,
            save_history=False,
            flagging_mode="never",
            fill_height=True,
        )
        # Clearing the chatbot alone would leave the server-side history (what the API and follow-ups read).
        new_chat.click(
            lambda: ([], [], []),
            outputs=[interface.chatbot, interface.chatbot_state, interface.chatbot_value],
            api_name="new_conversation",
            api_description="Forget this session's conversation, so the next question starts a new topic.",
            queue=False,
        )
        footer = gr.Markdown(index_footer(assistant.index), elem_id="medcite-footer")
        if allow_upload:
            from ui.uploads import UploadPanel

            UploadPanel(current, settings or Settings.from_env(), footer).render()
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    return demo


def run_chat_command(args: argparse.Namespace, settings: Settings) -> int:
    """`medcite chat`: build the default index if there is none, load it, serve the chat until interrupted.

    Raises:
        MedciteError: bad --auth, an unwritable question log, an unusable index, or a port already in use.
    """
    from qa.assistant import Assistant
    from qa.ingest import ensure_index

    auth = parse_auth(args.auth) if args.auth else None
    if not is_loopback(args.host) and auth is None:
        print(
            f"medcite: warning: serving on {args.host} without --auth; anyone who can reach this address can "
            "ask questions (and upload documents, if allowed). Consider --auth user:password.",
            file=sys.stderr,
        )
    ensure_index(settings)
    assistant = Assistant.load(settings.index_dir, settings)
    demo = build_app(
        assistant, allow_upload=args.allow_upload, log_questions=args.log_questions, settings=settings
    )
    print(f"medcite: chat on http://{args.host}:{args.port} (Ctrl+C to stop)", file=sys.stderr)
    launch(demo, host=args.host, port=args.port, auth=auth, uploads=args.allow_upload, quiet=True)
    return 0
