"""Answer building, one stage per module: the answer to a question from its retrieved chunks.

    candidates.gather / with_vectors   the sentences of the chunks worth quoting, with their stored vectors
    adapter                            the learned map of the question's vector toward answering sentences
    features / scoring.score           what is known of each sentence, and the learned scorer's score
    rerank.rerank                      the cross-encoder's reading of the scorer's best few, added to their scores
    quantities.prefer_agreeing         of those, a sentence about another range of a quantity asked goes later
    disagreement.find                  opposite claims of two sources, on the point asked or a related one
    selection.select                   the bottom line, the warnings and the key evidence
    safety                             the emergency line (is_emergency) and the warning cues
    compose.compose / abstain          the Answer structure, then its renderings (render)

Every tuned number is in `settings.AnswerSettings`; the scorer's weights are `selector.json`, the question
adapter's matrix `adapter.npz`, the cross-encoders' adapters `reranker.npz` and `reranker-whole.npz` (read as one).
"""

from __future__ import annotations

from qa.answer.candidates import gather, with_vectors
from qa.answer.compose import abstain, compose, nearest_topics
from qa.answer.disagreement import Relate
from qa.answer.features import Asked
from qa.answer.quantities import prefer_agreeing
from qa.answer.render import DISCLAIMER, render_markdown, render_text
from qa.answer.rerank import Readers, Reranker, rerank
from qa.answer.safety import EMERGENCY_LINE, is_emergency
from qa.answer.scoring import Selector, score
from qa.answer.settings import AnswerSettings

__all__ = [
    "DISCLAIMER",
    "EMERGENCY_LINE",
    "AnswerSettings",
    "Asked",
    "Readers",
    "Relate",
    "Reranker",
    "Selector",
    "abstain",
    "compose",
    "gather",
    "is_emergency",
    "nearest_topics",
    "prefer_agreeing",
    "render_markdown",
    "render_text",
    "rerank",
    "score",
    "with_vectors",
]
