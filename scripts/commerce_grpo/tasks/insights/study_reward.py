"""Insights reward, study preset: a structured strategic analysis that acts on the data it was given.

Components (the study's reward, with 0.20 moved to ``facts``): action_words (distinct action verbs such
as recomendar/priorizar), length (40–250 words full credit; a one-liner or an essay loses it),
structure (bullets, numbered items, headers), domain (commerce words) and facts (share of the
summary's facts the analysis cites, numbers matched the way Brazilians write them).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from commerce_grpo.tasklib.numbers import mentions, numbers_in
from commerce_grpo.tasklib.vocab import ACTION_STEMS, INSIGHTS_DOMAIN_STEMS, distinct_hits, fold, stem_pattern

_ACTION = stem_pattern(ACTION_STEMS)
_DOMAIN = stem_pattern(INSIGHTS_DOMAIN_STEMS)
_STRUCTURE_LINE = re.compile(r"(?m)^[ \t]*(?:[-*•]|\d+[.)]|#{1,6}\s|\*\*[^*\n]+\*\*)")
_WORD = re.compile(r"\w+")
FULL_CREDIT_WORDS = (40, 250)
ZERO_CREDIT_WORDS = 500


def length_score(n_words: int) -> float:
    low, high = FULL_CREDIT_WORDS
    if n_words < low:
        return n_words / low
    if n_words <= high:
        return 1.0
    return max(0.0, (ZERO_CREDIT_WORDS - n_words) / (ZERO_CREDIT_WORDS - high))


def facts_cited(facts: Any, text: str, folded: str) -> float:
    """Share of the reference facts (numbers or short texts) that the text mentions."""
    if not isinstance(facts, Mapping):
        return 0.0
    values = [v for v in facts.values() if v is not None and not isinstance(v, (dict, list))]
    if not values:
        return 0.0
    cited = numbers_in(text)
    return sum(mentions(value, folded, cited) for value in values) / len(values)


def components(record: Mapping[str, Any], text: str, **_) -> dict[str, float]:
    folded = fold(text)
    reference = record.get("reference") or {}
    return {
        "action_words": min(1.0, distinct_hits(_ACTION, folded) / 3),
        "length": length_score(len(_WORD.findall(text))),
        "structure": min(1.0, len(_STRUCTURE_LINE.findall(text)) / 3),
        "domain": min(1.0, distinct_hits(_DOMAIN, folded) / 2),
        "facts": facts_cited(reference.get("facts") if isinstance(reference, Mapping) else None, text, folded),
    }
