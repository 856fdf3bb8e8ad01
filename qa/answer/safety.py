"""Stage 5 of an answer: safety. The emergency line for a situation happening now, and the warnings to show.

The emergency line must be shown for every message about an emergency in progress, and never for a question
about one: a textbook question ("how is an overdose managed?"), a case in the literature ("was the 14-year-old
who overdosed given dialysis?") or a patient's past ("she overdosed two years ago and recovered"). So a message
gets it when it names an emergency event, a real person it is happening to (the writer, someone in their care,
a patient they point at: "I", "my son", "the patient in bed 4", "he is ..."), and nothing that places it in a
publication, an exam or the remote past. The lexicons below are of emergencies and of tense and person, not of
any corpus; `eval/sets/emergency.jsonl` (52 messages) measures them (`medcite eval emergency`).
"""

from __future__ import annotations

import re

EMERGENCY_LINE = (
    "If this is happening now, treat it as an emergency: call your local emergency number or poison control, "
    "or go to the nearest emergency department."
)
_I = re.IGNORECASE
# Emergency events: an overdose or poisoning, collapse, not breathing, chest pain, stroke signs, a seizure, heavy
# bleeding, suicidal intent.
_EVENT = re.compile(
    r"\b(?:overdos\w*|poison\w*|not breathing|isn['\u2019]?t breathing|stopped breathing|can['\u2019]?t breathe|"
    r"cannot breathe|struggling to breathe|can['\u2019]?t speak|unresponsive|unconscious|comatose|collaps\w*|"
    r"seizure|seizing|convuls\w*|chest pain|heart attack|stroke|drooping|turning blue|vomiting blood|"
    r"coughing (?:up )?blood|bleeding (?:heavily|a lot|won['\u2019]?t stop)|suicid\w*|kill (?:myself|himself|"
    r"herself|themselves)|end (?:my|his|her|their) life|want(?:s)? to die|self[- ]harm\w*)\b",
    _I,
)
# Swallowing too much of something: a verb of taking, then pills or a poison within a few words.
_INGESTION = re.compile(
    r"\b(?:took|taken|swallow\w*|ingest\w*|ate|eaten|drank|drunk|got into)\b(?:\W+\w+){0,6}?\W+"
    r"(?:pills?|tablets?|tabs|capsules?|bottle|bleach|antifreeze|detergent|pesticide|poison)\b",
    _I,
)
# The writer, or someone in the writer's care ("pt" is a clinician's own patient): a situation of the writer's own.
_FIRST_PERSON = re.compile(r"\b(?:i|i['\u2019]m|i['\u2019]ve|me|my|we|we['\u2019]re|our|us|pt)\b", _I)
# Someone pointed at, in a present-tense clause: "he is", "she's", "the patient in bed 4 is", "pt on HD is".
_PRESENT_THIRD = re.compile(
    r"\b(?:he|she|they|he['\u2019]s|she['\u2019]s|they['\u2019]re|(?:the|this) (?:patient|pt|baby|child|man|woman)|"
    r"pt|patient)\b[^.?!;]{0,40}?\b(?:is|are|has|have|keeps?|wants?|says?|can['\u2019]?t|cannot|won['\u2019]?t|"
    r"isn['\u2019]?t|feels?|seems?|looks?|just)\b|\b(?:he|she|they)['\u2019](?:s|re)\b",
    _I,
)
# It is happening now, or has just happened.
_NOW = re.compile(
    r"\b(?:now|right now|just|currently|tonight|today|this (?:morning|afternoon|evening)|since|still|"
    r"(?:an?|one|\d+|few|couple of) (?:minutes?|mins?|hours?|hrs?) ago|ongoing)\b",
    _I,
)
# Placed in a publication, a teaching case or an exam, or in the remote past.
_NOT_NOW = re.compile(
    r"\b(?:case reports?|case series|the case|in the case|case patient|published|reported|literature|"
    r"study|studies|trial|teaching note|textbook|exam(?:ination)? question|vignette|describes?|described|"
    r"(?:\d+|one|two|three|four|five|several|many|few) (?:years?|months?|weeks?) ago|last (?:year|month|week)|"
    r"in (?:19|20)\d\d|recovered|history of)\b",
    _I,
)
# "A 40-year-old man presents with ...": a hypothetical patient, unless the writer is involved.
_VIGNETTE = re.compile(r"\b(?:a|an)\s+\d+[- ]?(?:year|yr|y)[- ]?old\b", _I)


def is_emergency(message: str) -> bool:
    """True when a message describes an emergency happening now to a real person (see the module docstring)."""
    if not (_EVENT.search(message) or _INGESTION.search(message)):
        return False
    if _NOT_NOW.search(message):
        return False
    if _FIRST_PERSON.search(message):
        return True
    if _VIGNETTE.search(message):
        return False
    return bool(_PRESENT_THIRD.search(message) or _NOW.search(message))


# A sentence a clinician must not miss: toxicity, a contraindication, a warning, a dose that harms.
WARNING = re.compile(
    r"\b(toxic\w*|avoid\w*|contraindicat\w*|caution|warning|fatal|death|overdose|do not|should not|never|"
    r"black box|life-threatening|severe (?:toxicity|reactions?)|risk of)\b",
    re.IGNORECASE,
)
# A quantity a clinician acts on: a dose, a clearance, a rate.
QUANTITY = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|g|kg|ml|l|mmol|mol|meq|units?|iu|%|ml/min|mg/kg|ng/ml|hours?|h|days?|weeks?)\b",
    re.IGNORECASE,
)
