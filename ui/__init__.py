"""The web chat, a Gradio front end that renders what the `qa` library answers, with no logic of its own."""

import os

# Gradio wraps every event in a switch of matplotlib's backend; resolving the default backend imports pyplot and
# probes for GUI toolkits, seconds spent under the first questions of a busy chat (seen with py-spy under
# bench/load_chat.py). The chat never draws: Agg, which needs no probing.
os.environ.setdefault("MPLBACKEND", "Agg")
