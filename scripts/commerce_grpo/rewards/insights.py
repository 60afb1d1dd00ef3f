"""Insights reward (correctness preset): an analysis that uses the summary's facts and recommends
actions that follow from them.

Format (the gate): Portuguese prose or markdown of at least 20 words outside any JSON object or
code fence. A JSON object (an extraction answer), a SQL block or a one-line push is not an
analysis and scores 0 (L-reward-spec; the study's insights answers that were extraction JSON
still earned 0.35).

Components: ``facts`` (share of the reference facts cited, numbers read as Brazilians write
them), ``actions`` (recommendations: a sentence of five words or more with an advice verb, or a list
item under a recommendations header; three for full credit), ``grounded`` (a recommendation names a fact — the worst state, the
leading category, a figure), ``direction`` (advice moves a problem metric down or a goal metric
up: "reduzir o frete", "aumentar a recompra"; 0.5 when recommendations state no direction, 0
without recommendations) and
``structure`` (bullets, numbered items, headers). Actions, direction and structure count in full
only for an answer that cites the facts (a quarter for boilerplate that cites none).

Every component is multiplied by the length window and by factors a word list cannot game:
Portuguese, fluency (a salad of action words has no function words), no repetition, no
restating of the prompt (its bullets copied back earn nothing), and advice that mostly points the
wrong way ("aumentar o frete" when freight is the problem) keeps only 20 %.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from commerce_grpo.rewards.numbers import mentions, numbers_in
from commerce_grpo.rewards.parsing import split_object
from commerce_grpo.rewards.text import (
    fluency, novelty_factor, portuguese_score, repetition_factor, tokens, user_text,
)
from commerce_grpo.rewards.vocab import (
    ADVICE_HEADERS, ADVICE_STEMS, GOAL_METRICS, NEGATIONS, PROBLEM_METRICS, fold, stem_pattern,
)

MIN_WORDS = 20
FULL_CREDIT_WORDS = (40, 350)
ZERO_CREDIT_WORDS = 600
ACTION_MIN_WORDS = 5
WRONG_DIRECTION_FACTOR = 0.2
FACTLESS_CREDIT = 0.25
_ACTION = stem_pattern(ADVICE_STEMS)
_ADVICE_HEADER = stem_pattern(ADVICE_HEADERS)
_HEADER = re.compile(r"^\s*(?:#{1,6}\s|\*\*[^*]+\*\*\s*:?\s*$|[^\w\s]*\s*[\w ]{3,40}:\s*$)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s")
_STRUCTURE_LINE = re.compile(r"(?m)^[ \t]*(?:[-*•]|\d+[.)]|#{1,6}\s|\*\*[^*\n]+\*\*)")
_LIST_MARKER = re.compile(r"(?m)^[ \t]*\d+[.)](?=\s)")
_UNIT_SPLIT = re.compile(r"\n+|(?<=[.!?;])\s+")
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
_INCREASE = re.compile(r"(?<!\w)(?:aument(?:ar|e|em|emos)|elev(?:ar|e|em)|ampli(?:ar|e|em)|subir|"
                       r"maximiz(?:ar|e|em)|dobr(?:ar|e|em)|encarec(?:er|a|am))(?!\w)")
_DECREASE = re.compile(r"(?<!\w)(?:reduz(?:ir|a|am|amos)|diminu(?:ir|a|am)|cort(?:ar|e|em)|minimiz(?:ar|e|em)|"
                       r"elimin(?:ar|e|em)|baixar|barate(?:ar|ie)|zerar)(?!\w)")
_METRIC_KIND = {**{m: "problem" for m in PROBLEM_METRICS}, **{m: "goal" for m in GOAL_METRICS}}
_METRIC = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(m) for m in sorted(_METRIC_KIND, key=len, reverse=True)) + ")")
_WORD_WINDOW = 5
_FREE = re.compile(r"frete\s+(?:gratis|gratuito|zero)")


def length_factor(n_words: int) -> float:
    low, high = FULL_CREDIT_WORDS
    if n_words < MIN_WORDS:
        return 0.0
    if n_words < low:
        return 0.5 + 0.5 * (n_words - MIN_WORDS) / (low - MIN_WORDS)
    if n_words <= high:
        return 1.0
    return max(0.0, (ZERO_CREDIT_WORDS - n_words) / (ZERO_CREDIT_WORDS - high))


def _fact_values(facts: Any) -> list:
    if not isinstance(facts, Mapping):
        return []
    return [v for v in facts.values() if v is not None and not isinstance(v, (dict, list, bool))]


def facts_cited(values: list, text: str, folded: str) -> float:
    """Share of the reference facts (numbers or short texts) that the text mentions (the numbers
    of list markers, "1." "2.", are not citations)."""
    if not values:
        return 0.0
    cited = numbers_in(_LIST_MARKER.sub(" ", text))
    return sum(mentions(value, folded, cited) for value in values) / len(values)


def _metric_after(folded: str, end: int) -> str | None:
    """The kind of the first metric within a few words after a verb ("problem" | "goal" | None)."""
    window = " ".join(folded[end:end + 80].split()[:_WORD_WINDOW])
    for m in _METRIC.finditer(window):  # leftmost first; the longest stem wins at one position
        if m.group(0) == "frete" and _FREE.match(window, m.start()):
            continue  # "ampliar o frete grátis" lowers the customer's freight
        return _METRIC_KIND[m.group(0)]
    return None


def directions(folded: str) -> tuple[int, int]:
    """(advice pointing the right way, advice pointing the wrong way) in a folded text."""
    good = bad = 0
    for pattern, up in ((_INCREASE, True), (_DECREASE, False)):
        for m in pattern.finditer(folded):
            before = folded[max(0, m.start() - 8): m.start()].split()
            if before and before[-1] in NEGATIONS:
                continue
            kind = _metric_after(folded, m.end())
            if kind is None:
                continue
            if (kind == "goal") == up:
                good += 1
            else:
                bad += 1
    return good, bad


def recommendations(folded: str) -> list[str]:
    """Recommendation sentences of a folded text: a sentence of five words or more with an advice
    verb, or any list item of that length under a recommendations header ("## Recomendações":
    "1. Programa de fidelidade com cashback." is advice without a verb)."""
    found, in_advice = [], False
    for line in folded.splitlines():
        if _HEADER.match(line) and not _LIST_ITEM.match(line):
            in_advice = bool(_ADVICE_HEADER.search(line))
            continue
        if in_advice and _LIST_ITEM.match(line) and len(line.split()) >= ACTION_MIN_WORDS:
            found.append(line)
            continue
        found.extend(u for u in _UNIT_SPLIT.split(line)
                     if len(u.split()) >= ACTION_MIN_WORDS and _ACTION.search(u))
    return found


def _prose(text: str) -> str | None:
    """The text without fences; None when it is a JSON object (an answer in another format)."""
    before, block, after = split_object(text)
    if block and len(block) >= 0.5 * len(text.strip()):
        return None
    return _FENCE.sub(" ", text)


def _gated(text: str) -> tuple[str, str, list[str]] | None:
    """(prose, folded prose, its words) when the answer passes the format gate, else None."""
    prose = _prose(text)
    if prose is None:
        return None
    folded = fold(prose)
    words = tokens(folded)
    return (prose, folded, words) if len(words) >= MIN_WORDS else None


def in_format(record: Mapping[str, Any], text: str) -> bool:
    """The format gate: prose or markdown of at least ``MIN_WORDS`` words, not a JSON object."""
    return _gated(text) is not None


def components(record: Mapping[str, Any], text: str, **_) -> dict[str, float]:
    gated = _gated(text)
    if gated is None:
        return {}
    prose, folded, words = gated
    factor = (length_factor(len(words))
              * portuguese_score(prose, folded, words)
              * fluency(words)
              * repetition_factor(words)
              * novelty_factor(words, user_text(record)))
    if factor == 0.0:
        return {}  # cheap checks first: a salad or a copy costs no fact matching
    reference = record.get("reference") or {}
    values = _fact_values(reference.get("facts") if isinstance(reference, Mapping) else None)
    action_units = recommendations(folded)
    grounded = any(facts_cited(values, u, u) > 0 for u in action_units)
    good, bad = directions(folded)
    if bad > good:
        factor *= WRONG_DIRECTION_FACTOR
    facts = facts_cited(values, prose, folded)
    # Advice that ignores the data is boilerplate: the other components count in full only for
    # an answer that uses the summary's facts.
    uses_data = FACTLESS_CREDIT + (1.0 - FACTLESS_CREDIT) * facts
    parts = {
        "actions": min(1.0, len(action_units) / 3) * uses_data,
        "grounded": float(grounded),
        "direction": (1.0 if good and not bad else 0.5 if not (good or bad) and action_units else 0.0) * uses_data,
        "structure": min(1.0, len(_STRUCTURE_LINE.findall(prose)) / 3) * uses_data,
    }
    return {name: value * factor for name, value in {"facts": facts, **parts}.items()}
