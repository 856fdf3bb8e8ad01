"""`medcite ingest | ask | chat | eval`: a thin CLI; each branch imports its heavy modules only when it runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from qa.errors import MedciteError
from qa.settings import BACKENDS, Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medcite", description="Offline, extractive, cited medical answers.")
    parser.add_argument("--model", help="sentence-transformers model name or path (default: bundled MiniLM)")
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        help="embedding backend: torch (float32) or onnx-int8 (ONNX Runtime, int8; pip install 'medcite[onnx]'); "
        "an index answers only with the backend it was built with (default: $MEDCITE_BACKEND or torch)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="build or update the index from documents")
    ingest.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the bundled corpus/)")
    ingest.add_argument("--index", type=Path, help="index directory (default: $MEDCITE_INDEX or ~/.cache/medcite)")
    ingest.add_argument("--quiet", action="store_true", help="no progress bars")
    ingest.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="embed on a Ray cluster: 'auto' (the cluster started on this machine with `ray start --head`) or "
        "its address, e.g. ray://head:10001 (pip install 'medcite[ray]'); loading, chunking and the index stay here",
    )
    ingest.add_argument(
        "--ray-workers", type=int, help="embedding actors on the cluster (default: one per CPU the cluster has)"
    )

    ask = sub.add_parser("ask", help="answer one question from the index")
    ask.add_argument("question")
    ask.add_argument("--index", type=Path)
    ask.add_argument("--history", action="append", default=[], help="an earlier user turn (repeatable, oldest first)")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON")
    ask.add_argument("--mode", choices=("hybrid", "dense", "bm25"), default="hybrid")

    chat = sub.add_parser("chat", help="open the web chat")
    chat.add_argument("--index", type=Path)
    chat.add_argument("--host", default="127.0.0.1")
    chat.add_argument("--port", type=int, default=7860)
    chat.add_argument("--auth", help="user:password, or a file with one user:password per line")
    chat.add_argument("--allow-upload", action="store_true", help="let users add documents from the page")
    chat.add_argument("--log-questions", type=Path, help="append each question to this file (off by default)")

    evaluate = sub.add_parser("eval", help="offline evaluation against baselines")
    evaluate.add_argument(
        "dataset",
        nargs="?",
        default="all",
        help="comma-separated: all | own | answers[/SET] | medquad[/SOURCE] | medquad/all | pubmedqa | "
        "pubmedqa/sentences | medicationqa | messages[/CORPUS] | beir | followups | abstention | emergency",
    )
    evaluate.add_argument("path", nargs="?", type=Path, help="data set folder or file (for beir: required)")
    evaluate.add_argument("--out", type=Path, help="write results.md, results.json and recall.png here")
    evaluate.add_argument(
        "--limit", type=int, help="evaluate a sample of N questions per public data set (labelled answer sets: whole)"
    )
    evaluate.add_argument(
        "--systems", default=None, help="comma-separated retrieval systems (default: bm25,dense,rrf,hybrid)"
    )
    evaluate.add_argument("--datasets-dir", type=Path, help="folder of the shared data sets")
    evaluate.add_argument("--gate", type=Path, help="JSON file of metric floors; exit 1 when a figure is below")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env(model=args.model, index_dir=getattr(args, "index", None), backend=args.backend)
    try:
        if args.command == "ingest":
            from qa.ingest import run_ingest_command

            if args.ray_workers is not None and args.ray is None:
                print("medcite: --ray-workers needs --ray ADDRESS", file=sys.stderr)
                return 2
            return run_ingest_command(
                args.paths, settings, progress=not args.quiet, ray=args.ray, ray_workers=args.ray_workers
            )
        if args.command == "ask":
            from qa.assistant import run_ask_command

            return run_ask_command(args.question, args.history, settings, as_json=args.json, mode=args.mode)
        if args.command == "chat":
            from ui.app import run_chat_command

            return run_chat_command(args, settings)
        if args.command == "eval":
            from eval.harness import run_eval_command

            return run_eval_command(args, settings)
    except MedciteError as exc:
        print(f"medcite: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 2
