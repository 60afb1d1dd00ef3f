"""Checks of free text that no word list can game: language, fluency, repetition, copying.

L-reward-spec: the study's push and insights rewards counted words from lists, so a keyword salad,
a message in Spanish, one word repeated, or the prompt's own bullets copied back scored near the
top. Each check here returns a factor in [0, 1] that multiplies a task's components, so a text
failing one of them loses its credit whatever words it contains.
"""
from __future__ import annotations

import re
from functools import lru_cache

from commerce_grpo.rewards.vocab import (
    FOREIGN_ONLY_WORDS, PORTUGUESE_FUNCTION_WORDS, PORTUGUESE_ONLY_WORDS, fold,
)

_TOKEN = re.compile(r"[^\W_]+")
_PT_CHARS = re.compile(r"[ãõçêâôà]", re.I)
_ES_CHARS = re.compile(r"[ñ¡¿]")
_ES_SUFFIX = re.compile(r"\Bcion(?:es)?\b")  # folded "ação" is "acao": never ends in -cion


def tokens(folded: str) -> list[str]:
    """Word tokens of an already folded text (numbers included: "47,72" gives "47", "72")."""
    return _TOKEN.findall(folded)


def portuguese_score(text: str, folded: str | None = None, words: list[str] | None = None) -> float:
    """How surely the text is Brazilian Portuguese, in [0, 1].

    Counts words and letters only Portuguese has (você, não, já, ã, ç...) against words and
    marks only Spanish or English have (el, los, gracias, ñ, ¡, the, your...). A text with no
    sign of either scores 0: "no recognisable answer" is not Portuguese either.
    """
    folded = fold(text) if folded is None else folded
    words = tokens(folded) if words is None else words
    pt = sum(map(PORTUGUESE_ONLY_WORDS.__contains__, words)) + min(3, len(_PT_CHARS.findall(text)))
    foreign = (sum(map(FOREIGN_ONLY_WORDS.__contains__, words)) + 2 * len(_ES_CHARS.findall(text))
               + len(_ES_SUFFIX.findall(folded)))
    if pt == 0:
        return 0.0
    share = pt / (pt + 2 * foreign)
    return max(0.0, min(1.0, (share - 0.5) / 0.3))


def fluency(words: list[str], *, low: float = 0.06, high: float = 0.16) -> float:
    """Share of function words (de, o, que, seu...) mapped to [0, 1]: 0 for a keyword salad.

    Portuguese prose runs at 30-50 % function words, terse bullets at ~20 %; a list of keywords
    or action verbs has almost none. Texts under four words are not judged (1.0).
    """
    if len(words) < 4:
        return 1.0
    ratio = sum(map(PORTUGUESE_FUNCTION_WORDS.__contains__, words)) / len(words)
    return max(0.0, min(1.0, (ratio - low) / (high - low)))


def _ngrams(words: list[str], n: int) -> list[tuple[str, ...]]:
    return list(zip(*(words[i:] for i in range(n))))


def repetition(words: list[str]) -> float:
    """Share of word trigrams that repeat an earlier one (0: none; ~1: one phrase over and over).

    Short texts use the share of repeated words instead, so "oi oi oi oi" is caught too.
    """
    if len(words) < 3:
        return 0.0
    if len(words) < 12:
        return 1.0 - len(set(words)) / len(words)
    grams = _ngrams(words, 3)
    return 1.0 - len(set(grams)) / len(grams)


def repetition_factor(words: list[str], *, allowed: float = 0.15, zero_at: float = 0.5) -> float:
    """1 while repetition stays under ``allowed``, falling linearly to 0 at ``zero_at``."""
    rep = repetition(words)
    return max(0.0, min(1.0, 1.0 - (rep - allowed) / (zero_at - allowed)))


@lru_cache(maxsize=4096)
def _prompt_grams(prompt: str, n: int) -> frozenset:
    return frozenset(_ngrams(tokens(fold(prompt)), n))


def copied_share(words: list[str], prompt: str, n: int = 4) -> float:
    """Share of the answer's word n-grams found verbatim in the prompt (restating the input)."""
    grams = _ngrams(words, n)
    if not grams:
        return 0.0
    source = _prompt_grams(prompt, n)
    return sum(map(source.__contains__, grams)) / len(grams)


def novelty_factor(words: list[str], prompt: str, *, allowed: float = 0.35, zero_at: float = 0.7) -> float:
    """1 while at most ``allowed`` of the answer is copied from the prompt text, 0 from ``zero_at`` on."""
    share = copied_share(words, prompt)
    return max(0.0, min(1.0, 1.0 - (share - allowed) / (zero_at - allowed)))


def user_text(record) -> str:
    """The user messages of a record's prompt (what an answer must not merely restate)."""
    prompt = record.get("prompt") if hasattr(record, "get") else None
    if isinstance(prompt, str):
        return prompt
    if not isinstance(prompt, (list, tuple)):
        return ""
    return "\n".join(m["content"] for m in prompt
                     if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str))
