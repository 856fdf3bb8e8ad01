"""Document text made inert for Markdown and HTML: the one escaping function every renderer uses.

A quoted sentence is untrusted: a page or a plain-text file may hold `![x](http://host/p.png)`, a link, raw HTML
or Unicode direction overrides. Rendered as Markdown, those would fetch from another machine, put a phishing link
inside a "verbatim" quote, or reorder what the clinician reads. The answer's structured fields (`Answer.quotes`,
`Citation.quote`) keep the source's exact characters; only rendered text goes through `escape_markdown`.

Some document text is shown by the chat as plain text but later sent back as a message, which the chat renders
as Markdown: a suggested follow-up or a starter question is a button's label and, once clicked, the user's
message. Escaping would put backslashes into both the label and the question searched, so such text is offered
only when it `shows_as_itself`.

The plain-text rendering goes to a terminal (`medcite ask`) or a log, where an escape sequence in a document
(`ESC[2J` clears the screen, `ESC]8;;...` makes a hidden link, backspaces overwrite what was shown) would act
instead of showing: `printable` removes every such control.
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
# Terminal escape sequences, whole: CSI (ESC [ or the one-byte 0x9b, parameters, final byte), OSC (ESC ], up to BEL
# or ESC \\), and two-character escapes; then any control character left but a newline or tab.
_TERMINAL_SEQUENCE = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with no terminal escape sequence, control character (but newline and tab) or direction control."""
    return _CONTROL.sub("", _TERMINAL_SEQUENCE.sub("", _DIRECTION_CONTROLS.sub("", text)))


def escape_markdown(text: str) -> str:
    """`text` shown as the characters it holds: no HTML, emphasis, links, images, tables or maths.

    HTML special characters become entities, Markdown punctuation is backslash-escaped, direction controls are
    dropped, and a line break stays a visible line break instead of being merged into the paragraph.
    """
    escaped = html.escape(_DIRECTION_CONTROLS.sub("", text), quote=False)
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "  \n")


# What Markdown or HTML would act on in a one-line question: tags, entities, links and images, code, emphasis,
# tables, maths, escapes, bare addresses (autolinked), and a line opening a heading, quote or list.
_ACTIVE = re.compile(
    r"[<>`*_~|\\$\[\]]|&#?\w+;|\b[a-z][a-z0-9+.-]*:(?://|[^\s]*\S)|\bwww\.|^\s*(?:#|[-+]\s|\d+[.)]\s)",
    re.IGNORECASE,
)


def shows_as_itself(text: str) -> bool:
    """Whether `text` reads the same as plain text and rendered as Markdown: one line, no markup, no address,
    no direction control. Parentheses, colons, question marks, "&" and "%" are fine ("What is ESRD (stage 5)?")."""
    return "\n" not in text and "\r" not in text and not _DIRECTION_CONTROLS.search(text) and not _ACTIVE.search(text)
