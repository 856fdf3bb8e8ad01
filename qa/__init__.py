"""medcite: offline, extractive, cited answers from the documents it has ingested."""

from __future__ import annotations

import os

# Nothing may be downloaded at run time; libraries that would reach a model hub must fail fast instead.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # `from qa import Assistant` without importing torch for every `import qa`.
    if name == "Assistant":
        from qa.assistant import Assistant

        return Assistant
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
