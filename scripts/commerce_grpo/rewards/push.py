"""Push reward (correctness preset): one short PT-BR notification that does what the prompt asks.

Format (the gate): one plain-text message — not JSON or code, not a list of alternatives, at
most two lines — of at most 200 characters (full length credit up to the reference's
``max_chars``, a steep decay after it; L-push-length). Anything else scores 0.

Components: ``intent`` (the message apologises for the delay, asks for a review, invites back,
or recalls the cart, as the reference's intent says), ``content`` (the context's concrete content:
the product category, and the intent's own fact — the price of the cart item, the discount on
offer), ``length``, ``call_to_action`` (an imperative that asks the customer to act; for an
apology, the reassurance that the order is on its way) and ``tone`` (informal: no e-mail
formulas, which also cost 40 % of the whole message).

Every component is multiplied by factors a word list cannot game (L-reward-spec): Portuguese
(not Spanish or English), fluency (function words; a keyword salad has none, and a message
hitting three intents' words at once is a salad too), no repetition, not a copy of the prompt,
no insult. A message that does not do its intent keeps 30 % of its credit.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from commerce_grpo.prompts import PUSH_MAX_CHARS
from commerce_grpo.rewards.numbers import mentions, numbers_in
from commerce_grpo.rewards.text import (
    fluency, novelty_factor, portuguese_score, repetition_factor, tokens, user_text,
)
from commerce_grpo.rewards.vocab import (
    ACTION_REQUEST_STEMS, FORMAL_STEMS, INSULT_STEMS, PUSH_INTENT_STEMS, fold, stem_pattern,
)

ZERO_CREDIT_CHARS = 200
MIN_CHARS = 20
MAX_LINES = 2
WRONG_INTENT_FACTOR = 0.3
# E-mail formulas ("Prezado", "Atenciosamente") break the system prompt's informal tone.
FORMAL_FACTOR = 0.6
# The facts that make a message concrete, per intent (the pair builder's reference.facts keys),
# with their share of ``content``: the product always; the offer of a re-engagement as much; the
# cart's price a little (naming the product already recalls the cart).
KEY_FACTS = {
    "delay_apology": {"categoria": 1.0},
    "review_request": {"categoria": 1.0},
    "reengagement": {"categoria": 0.5, "desconto_pct": 0.5},
    "cart_reminder": {"categoria": 0.75, "preco": 0.25},
}
_INTENTS = {intent: stem_pattern(stems) for intent, stems in PUSH_INTENT_STEMS.items()}
_ANY_INTENT = stem_pattern([s for stems in PUSH_INTENT_STEMS.values() for s in stems])
_CALL_TO_ACTION = stem_pattern(ACTION_REQUEST_STEMS)
_FORMAL = stem_pattern(FORMAL_STEMS)
_INSULT = stem_pattern(INSULT_STEMS)
# What an apology for a delay asks of no one but promises: the order is on its way.
_REASSURANCE = stem_pattern(("a caminho", "chega", "chegando", "em breve", "acompanh", "rastrei", "novo prazo"))
_NOT_PLAIN = re.compile(r"(?im)\A\s*[{\[]|```|^\s*(?:op[çc][ãa]o|vers[ãa]o|alternativa)\s*\d|^\s*(?:[-*•]|\d+[.)])\s")


def is_single_message(message: str) -> bool:
    """One plain-text notification: not JSON/code, not a list of options, at most two lines."""
    lines = [line for line in message.splitlines() if line.strip()]
    return 0 < len(lines) <= MAX_LINES and not _NOT_PLAIN.search(message)


def reference_and_limit(record: Mapping[str, Any]) -> tuple[Mapping[str, Any], int]:
    """The record's reference (empty when malformed) and the message's character limit: the one the
    prompt gave, or the task's default when missing or out of range."""
    reference = record.get("reference") or {}
    if not isinstance(reference, Mapping):
        reference = {}
    max_chars = reference.get("max_chars")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or not 0 < max_chars < ZERO_CREDIT_CHARS:
        max_chars = PUSH_MAX_CHARS
    return reference, max_chars


def length_score(n_chars: int, max_chars: int = PUSH_MAX_CHARS) -> float:
    if n_chars < MIN_CHARS:
        return n_chars / MIN_CHARS
    if n_chars <= max_chars:
        return 1.0
    if n_chars >= ZERO_CREDIT_CHARS:
        return 0.0
    return ((ZERO_CREDIT_CHARS - n_chars) / (ZERO_CREDIT_CHARS - max_chars)) ** 2


def _content(intent: Any, facts: Any, message: str, folded: str) -> float:
    """Share of the intent's key facts the message uses (any fact when the intent is unknown)."""
    if not isinstance(facts, Mapping) or not facts:
        return 0.0
    cited = numbers_in(message)
    keys = {k: w for k, w in KEY_FACTS.get(intent, {}).items() if facts.get(k) not in (None, "")}
    if not keys:
        return float(any(mentions(v, folded, cited) for v in facts.values()))
    credit = 0.0
    for key, weight in keys.items():
        value = facts[key]
        if key == "desconto_pct" and isinstance(value, (int, float)) and not isinstance(value, bool):
            hit = bool(re.search(rf"(?<![\d,.]){int(value)}\s*%", message))
        else:
            hit = mentions(value, folded, cited)
        credit += weight * hit
    return credit / sum(keys.values())


def _message(text: str) -> str | None:
    """The answer without surrounding quotes when it passes the format gate, else None."""
    message = text.strip().strip('"“”\'').strip()
    if not message or len(message) >= ZERO_CREDIT_CHARS or not is_single_message(message):
        return None
    return message


def in_format(record: Mapping[str, Any], text: str) -> bool:
    """The format gate: one plain-text message of at most two lines, under ``ZERO_CREDIT_CHARS``."""
    return _message(text) is not None


def components(record: Mapping[str, Any], text: str, **_) -> dict[str, float]:
    message = _message(text)
    if message is None:
        return {}
    reference, max_chars = reference_and_limit(record)
    folded = fold(message)
    words = tokens(folded)
    intent = reference.get("intent") if isinstance(reference.get("intent"), str) else None
    pattern = _INTENTS.get(intent, _ANY_INTENT)
    intents_hit = sum(bool(p.search(folded)) for p in _INTENTS.values())
    does_intent = bool(pattern.search(folded))
    factor = (portuguese_score(message, folded, words)
              * fluency(words)
              * (0.0 if intents_hit >= 3 else 1.0)  # every intent at once: a salad, not a message
              * repetition_factor(words, allowed=0.25, zero_at=0.6)
              * novelty_factor(words, user_text(record))
              * (0.0 if _INSULT.search(folded) else 1.0)
              * (1.0 if does_intent else WRONG_INTENT_FACTOR))
    length = length_score(len(message), max_chars)
    if factor * length == 0.0:
        return {}
    formal = bool(_FORMAL.search(folded))
    acts = _CALL_TO_ACTION.search(folded) or (intent == "delay_apology" and _REASSURANCE.search(folded))
    parts = {
        "intent": float(does_intent),
        "content": _content(intent, reference.get("facts"), message, folded),
        "length": 1.0,
        "call_to_action": float(bool(acts)),
        "tone": 0.0 if formal else 1.0,
    }
    factor *= length * (FORMAL_FACTOR if formal else 1.0)
    return {name: value * factor for name, value in parts.items()}
