"""Extraction reward (correctness preset): does the JSON say what the review says?

Format (the gate): one JSON object (fenced or bare) holding the schema's keys, and nothing
substantive around it. No object, or an object without at least half of the ten fields, is not
an extraction answer and scores 0 (L-reward-spec).

Correctness carries the weight: agreement with the record's gold labels per field —
``sentiment``, ``sentiment_score`` (exact; a quarter for off by one), ``issues`` (the set of the
four problem booleans: a constant "no problem" answer is right only on problem-free reviews,
where per-boolean agreement would pay it ~80 % everywhere), ``complaint_category``,
``would_recommend`` and ``churn_band`` (low < 0.34 <= medium < 0.67 <= high). ``format`` is the
format quality (strict JSON rather than repaired, every field of a valid type, a summary that
fits) times that accuracy, so format never pays a wrong answer.

Every component is multiplied by two factors. Types: a field of the wrong type (the string echo
``"delivery_issue": "delivery_issue"``, the study's headline failure) or missing costs 20 % of
the whole answer, so echoing five booleans scores 0. Extra text: up to 40 characters around the
object are free ("Aqui está:"), then the answer loses credit linearly, all of it at 240.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from commerce_grpo.prompts import COMPLAINT_CATEGORIES, EXTRACTION_FIELDS, SENTIMENTS
from commerce_grpo.rewards.parsing import parse_json, split_object

BOOL_FIELDS = ("delivery_issue", "product_quality_issue", "wrong_or_missing_item", "seller_service_issue",
               "would_recommend")
ISSUE_FIELDS = BOOL_FIELDS[:4]
SUMMARY_MAX_CHARS = 140
MIN_FIELDS = len(EXTRACTION_FIELDS) // 2
INVALID_FIELD_COST = 0.2
FREE_EXTRA_CHARS, ZERO_EXTRA_CHARS = 40, 240
OFF_BY_ONE_CREDIT = 0.25
REPAIRED_JSON_CREDIT = 0.5
CHURN_BANDS = (0.34, 0.67)
_SPACE = re.compile(r"\s+")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v


def valid(field: str, v: Any) -> bool:
    """Whether a value has the type and range the schema gives ``field``."""
    if field == "sentiment":
        return v in SENTIMENTS
    if field == "sentiment_score":
        return _is_int(v) and 1 <= v <= 5
    if field in BOOL_FIELDS:
        return isinstance(v, bool)
    if field == "complaint_category":
        return v in COMPLAINT_CATEGORIES
    if field == "churn_risk":
        return _is_number(v) and 0.0 <= v <= 1.0
    if field == "summary":
        return isinstance(v, str) and 0 < len(v.strip()) <= SUMMARY_MAX_CHARS
    raise KeyError(field)


def churn_band(v: Any) -> int | None:
    if not _is_number(v) or not 0.0 <= v <= 1.0:
        return None
    return sum(v >= edge for edge in CHURN_BANDS)


def _same(field: str, data: Mapping, gold: Mapping) -> float:
    v, g = data.get(field), gold.get(field)
    return float(valid(field, v) and v == g)


def _issues(data: Mapping, gold: Mapping) -> float:
    """Jaccard agreement of the problems flagged (both none: 1); any non-boolean flag: 0."""
    if not all(isinstance(data.get(f), bool) for f in ISSUE_FIELDS):
        return 0.0
    if not all(isinstance(gold.get(f), bool) for f in ISSUE_FIELDS):
        return 0.0
    said = {f for f in ISSUE_FIELDS if data[f]}
    true = {f for f in ISSUE_FIELDS if gold[f]}
    return 1.0 if not said | true else len(said & true) / len(said | true)


def _score(data: Mapping, gold: Mapping) -> float:
    v, g = data.get("sentiment_score"), gold.get("sentiment_score")
    if not (valid("sentiment_score", v) and _is_int(g)):
        return 0.0
    return {0: 1.0, 1: OFF_BY_ONE_CREDIT}.get(abs(v - g), 0.0)


def _churn(data: Mapping, gold: Mapping) -> float:
    said, true = churn_band(data.get("churn_risk")), churn_band(gold.get("churn_risk"))
    return float(said is not None and said == true)


def extra_chars(before: str, after: str) -> int:
    """Non-space characters of text around the object (fence markers excluded)."""
    return len(_SPACE.sub("", before)) + len(_SPACE.sub("", after))


def extra_factor(n_chars: int) -> float:
    if n_chars <= FREE_EXTRA_CHARS:
        return 1.0
    return max(0.0, 1.0 - (n_chars - FREE_EXTRA_CHARS) / (ZERO_EXTRA_CHARS - FREE_EXTRA_CHARS))


def _parsed(text: str) -> tuple[Any, str]:
    """The answer's JSON object and how it was parsed; None unless it has half the schema's fields."""
    data, method = parse_json(text)
    if data is None or sum(f in data for f in EXTRACTION_FIELDS) < MIN_FIELDS:
        return None, method
    return data, method


def in_format(record: Mapping[str, Any], text: str) -> bool:
    """The format gate: a JSON object with at least half of the schema's fields."""
    return _parsed(text)[0] is not None


def components(record: Mapping[str, Any], text: str, **_) -> dict[str, float]:
    data, method = _parsed(text)
    if data is None:
        return {}
    gold = record.get("reference")
    if not isinstance(gold, Mapping):
        gold = {}
    n_invalid = sum(not (f in data and valid(f, data[f])) for f in EXTRACTION_FIELDS)
    before, _, after = split_object(text)
    factor = max(0.0, 1.0 - INVALID_FIELD_COST * n_invalid) * extra_factor(extra_chars(before, after))
    fields = {
        "sentiment": _same("sentiment", data, gold),
        "sentiment_score": _score(data, gold),
        "issues": _issues(data, gold),
        "complaint_category": _same("complaint_category", data, gold),
        "would_recommend": _same("would_recommend", data, gold),
        "churn_band": _churn(data, gold),
    }
    accuracy = sum(fields.values()) / len(fields)
    quality = ((REPAIRED_JSON_CREDIT if method == "repair" else 1.0)
               * (1.0 - n_invalid / len(EXTRACTION_FIELDS)))
    fields["format"] = quality * accuracy
    return {name: value * factor for name, value in fields.items()}
