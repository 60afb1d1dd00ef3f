"""Push reward, study preset: one short, friendly Portuguese notification that does what it was for.

Components (the study's reward with the V4.2.1 hotfix, L-push-length): length (full credit up to 120 characters,
a steep quadratic decay to 0 at 200, 0 above), portuguese (accents and Portuguese words), intent
(the message apologises, asks for a review, invites back or recalls the cart, as the reference
intent says), creativity (personal — cites a fact such as the product or the customer's name —
and with a call to action) and the penalty formal (e-mail language: prezado, atenciosamente).

The length factor gates the whole reward (the issue: "push decays steeply from 120 to 200
characters and is 0 above 200"): portuguese, intent and creativity are multiplied by it, so the
study's failure — long analyses about notifications that still earned language and topic credit
— scores 0. Something that is not one plain-text message (JSON, code, a list of alternatives,
more than two lines) or shows no sign of Portuguese has factor 0 as well.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from commerce_grpo.tasklib.numbers import mentions, numbers_in
from commerce_grpo.tasklib.vocab import (
    CALL_TO_ACTION_STEMS, FORMAL_STEMS, PORTUGUESE_WORDS, PUSH_INTENT_STEMS, distinct_hits, fold,
    stem_pattern, word_pattern,
)

from .reward import is_single_message, length_score, reference_and_limit  # the message format both presets share

_ACCENTED = re.compile(r"[áàâãéêíóôõúç]", re.I)
_PORTUGUESE = word_pattern(PORTUGUESE_WORDS)
_INTENTS = {intent: stem_pattern(stems) for intent, stems in PUSH_INTENT_STEMS.items()}
_ANY_INTENT = stem_pattern([s for stems in PUSH_INTENT_STEMS.values() for s in stems])
_CALL_TO_ACTION = stem_pattern(CALL_TO_ACTION_STEMS)
_FORMAL = stem_pattern(FORMAL_STEMS)
_EMOJI_OR_PUNCT = re.compile(r"[!?\U0001F300-\U0001FAFF\u2600-\u27BF]")


def _personal(facts: Any, text: str, folded: str) -> bool:
    if not isinstance(facts, Mapping):
        return False
    cited = numbers_in(text)
    return any(mentions(value, folded, cited) for value in facts.values())


def components(record: Mapping[str, Any], text: str, **_) -> dict[str, float]:
    message = text.strip().strip('"“”\'').strip()
    folded = fold(message)
    reference, max_chars = reference_and_limit(record)
    intent = reference.get("intent")
    intent = _INTENTS.get(intent, _ANY_INTENT) if isinstance(intent, str) else _ANY_INTENT
    accented, pt_words = bool(_ACCENTED.search(message)), distinct_hits(_PORTUGUESE, folded)
    portuguese = accented or pt_words > 0
    factor = length_score(len(message), max_chars) if portuguese and is_single_message(message) else 0.0
    return {
        "length": factor,
        "portuguese": factor * (0.5 * accented + 0.5 * min(1.0, pt_words / 3)),
        "intent": factor * bool(intent.search(folded)),
        "creativity": factor * (0.5 * _personal(reference.get("facts"), message, folded)
                                + 0.5 * bool(_CALL_TO_ACTION.search(folded) or _EMOJI_OR_PUNCT.search(message))),
        "formal": float(bool(_FORMAL.search(folded))),
    }
