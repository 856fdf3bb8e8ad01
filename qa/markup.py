"""Document text made inert for Markdown and HTML: the one escaping function every renderer uses.

A quoted sentence is untrusted: a page or a plain-text file may hold `![x](http://host/p.png)`, a link, raw HTML
or Unicode direction overrides. Rendered as Markdown, those would fetch from another machine, put a phishing link
inside a "verbatim" quote, or reorder what the clinician reads. The answer's structured fields (`Answer.quotes`,
`Citation.quote`) keep the source's exact characters; only rendered text goes through `escape_markdown`.
"""

from __future__ import annotations

import html
import re

# Every ASCII punctuation mark that Markdown (or a chat renderer's extensions: tables, maths, strike-through)
# gives a meaning to. CommonMark lets any of them be backslash-escaped, so escaping them all is always safe and
# never shows a stray backslash.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:=^])")
# Characters that change the direction or visibility of the text around them (bidi embeddings, overrides and
# isolates; zero-width joiners are harmless and stay). Shown, they can make a quote read other than it is.
_DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def escape_markdown(text: str) -> str:
    """`text` shown as the characters it holds: no HTML, emphasis, links, images, tables or maths.

    HTML special characters become entities, Markdown punctuation is backslash-escaped, direction controls are
    dropped, and a line break stays a visible line break instead of being merged into the paragraph.
    """
    escaped = html.escape(_DIRECTION_CONTROLS.sub("", text), quote=False)
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "  \n")
