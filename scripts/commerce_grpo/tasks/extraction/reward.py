"""Extraction reward (correctness preset): does the JSON say what *this* review says?

Format (the gate): one JSON object (fenced or bare) holding the schema's keys, and nothing
substantive around it. No object, or an object without at least half of the ten fields, is not
an extraction answer and scores 0 (L-reward-spec).

Correctness carries the weight: agreement with the record's gold labels per field. The prompt
shows the star rating, and the rating alone fixes the sentiment and the score and nearly fixes
the recommendation and the churn band; only the comment tells the problems and their category,
and only a reader of it can write its summary. So the reward pays for reading the comment:

- ``issues`` (the set of the four problem flags, Jaccard: a flag the review does not raise costs
  as much as one it raises and the answer misses; no problem on either side: 1) and
  ``complaint_category`` are the *text fields*;
- ``sentiment``, ``sentiment_score`` (exact; a quarter for off by one), ``would_recommend`` and
  ``churn_band`` (low < 0.34 <= medium < 0.67 <= high) are the *star fields*, each paid only in
  proportion to the text fields' accuracy: an answer derived from the stars alone, right on the
  stars and wrong on the comment, earns nothing for the stars;
- ``summary`` is how far the summary's specific words come from this review (``summary.grounding``);
  and every component is scaled by ``SUMMARY_FLOOR`` + (1 - ``SUMMARY_FLOOR``) * that grounding,
  because on a review whose stars say everything the labels of the right answer are those of a
  per-star lookup table: a summary that could stand under any review keeps a text-blind answer
  (lookup tables, another review's answer) below 0.3.
- ``format`` is the format quality (strict JSON rather than repaired, every field readable, each
  value as the schema writes it) times the accuracy, so format never pays a wrong answer.

A value written loosely — "Positivo", a score of ``4.0`` or ``"4"``, a churn risk of ``"0,85"`` —
is read as the value it means and costs a little format quality, never the field. Every component
is multiplied by two more factors. Types: a field missing or unreadable (the string echo
``"delivery_issue": "delivery_issue"``, the study's headline failure) costs 20 % of the whole
answer, so echoing five booleans scores 0. Extra text: up to 40 characters around the object are
free ("Aqui está:"), then the answer loses credit linearly, all of it at 240.
"""
from __future__ import annotations

import math
import re
from typing import Any, Mapping

from commerce_grpo.tasklib.parsing import parse_json, split_object
from commerce_grpo.tasklib.prompts import COMPLAINT_CATEGORIES, EXTRACTION_FIELDS, SENTIMENTS
from commerce_grpo.tasklib.text import addressed_to_grader, extra_factor, user_text
from commerce_grpo.tasklib.vocab import fold

from .summary import MAX_CHARS as SUMMARY_MAX_CHARS, grounding, review_text

BOOL_FIELDS = ("delivery_issue", "product_quality_issue", "wrong_or_missing_item", "seller_service_issue",
               "would_recommend")
ISSUE_FIELDS = BOOL_FIELDS[:4]
MIN_FIELDS = len(EXTRACTION_FIELDS) // 2
INVALID_FIELD_COST = 0.2
OFF_BY_ONE_CREDIT = 0.25
REPAIRED_JSON_CREDIT = 0.5
LOOSE_VALUE_COST = 0.25  # of the format quality, per value written loosely
CHURN_BANDS = (0.34, 0.67)
# The text fields' accuracy that pays the star fields: the issue set, then the category.
ISSUES_SHARE = 0.6
SUMMARY_FLOOR = 0.3
_SPACE = re.compile(r"\s+")
_LOOSE_NUMBER = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*(%?)\s*")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v


def valid(field: str, v: Any) -> bool:
    """Whether a value has the type and range the schema gives ``field`` (written as the schema writes it)."""
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


def _loose_number(v: Any) -> float | None:
    """A number, or one written as a string ("0,85", "4", "85%"); None otherwise."""
    if _is_number(v):
        return float(v)
    if not isinstance(v, str):
        return None
    m = _LOOSE_NUMBER.fullmatch(v)
    if m is None:
        return None
    value = float(m[1].replace(",", "."))
    return value / 100 if m[2] else value


def _loose(field: str, v: Any) -> Any:
    """The schema value a loosely written one means ("Positivo", 4.0, "0,85", "Item errado"), or None."""
    if field in ("sentiment", "complaint_category"):
        if not isinstance(v, str):
            return None
        word = _SPACE.sub("_", fold(v).strip()).replace("-", "_")
        allowed = SENTIMENTS if field == "sentiment" else COMPLAINT_CATEGORIES
        return word if word in allowed else None
    if field == "sentiment_score":
        number = _loose_number(v)
        return int(number) if number is not None and number.is_integer() and 1 <= number <= 5 else None
    if field == "churn_risk":
        number = _loose_number(v)
        return number if number is not None and math.isfinite(number) and 0.0 <= number <= 1.0 else None
    return None  # booleans and the summary have one spelling: "true" as a string is a type error


def read_fields(data: Mapping) -> tuple[dict[str, Any], int, int]:
    """(each readable field's schema value, the fields missing or unreadable, the values written loosely)."""
    values, invalid, loose = {}, 0, 0
    for field in EXTRACTION_FIELDS:
        v = data.get(field)
        if field in data and valid(field, v):
            values[field] = v
            continue
        meant = _loose(field, v) if field in data else None
        if meant is None:
            invalid += 1
        else:
            values[field], loose = meant, loose + 1
    return values, invalid, loose


def churn_band(v: Any) -> int | None:
    if not _is_number(v) or not 0.0 <= v <= 1.0:
        return None
    return sum(v >= edge for edge in CHURN_BANDS)


def _issues(said: Mapping, gold: Mapping) -> float:
    """Jaccard agreement of the problems flagged (both none: 1); any unreadable flag: 0."""
    if not all(isinstance(said.get(f), bool) and isinstance(gold.get(f), bool) for f in ISSUE_FIELDS):
        return 0.0
    flagged = {f for f in ISSUE_FIELDS if said[f]}
    true = {f for f in ISSUE_FIELDS if gold[f]}
    return 1.0 if not flagged | true else len(flagged & true) / len(flagged | true)


def _score(said: Mapping, gold: Mapping) -> float:
    v, g = said.get("sentiment_score"), gold.get("sentiment_score")
    if v is None or not _is_int(g):
        return 0.0
    return {0: 1.0, 1: OFF_BY_ONE_CREDIT}.get(abs(v - g), 0.0)


def _churn(said: Mapping, gold: Mapping) -> float:
    band, true = churn_band(said.get("churn_risk")), churn_band(gold.get("churn_risk"))
    return float(band is not None and band == true)


def _same(field: str, said: Mapping, gold: Mapping) -> float:
    return float(field in said and said[field] == gold.get(field))


def extra_chars(before: str, after: str) -> int:
    """Non-space characters of text around the object (fence markers excluded)."""
    return len(_SPACE.sub("", before)) + len(_SPACE.sub("", after))


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
    said, n_invalid, n_loose = read_fields(data)
    text_accuracy = ISSUES_SHARE * _issues(said, gold) + (1 - ISSUES_SHARE) * _same("complaint_category", said, gold)
    summary = grounding(said["summary"], review_text(record), user_text(record)) if "summary" in said else 0.0
    fields = {
        "sentiment": _same("sentiment", said, gold) * text_accuracy,
        "sentiment_score": _score(said, gold) * text_accuracy,
        "issues": _issues(said, gold),
        "complaint_category": _same("complaint_category", said, gold),
        "would_recommend": _same("would_recommend", said, gold) * text_accuracy,
        "churn_band": _churn(said, gold) * text_accuracy,
        "summary": summary,
    }
    accuracy = sum(fields.values()) / len(fields)
    quality = ((REPAIRED_JSON_CREDIT if method == "repair" else 1.0) * (1.0 - n_invalid / len(EXTRACTION_FIELDS))
               * max(0.0, 1.0 - LOOSE_VALUE_COST * n_loose))
    fields["format"] = quality * accuracy
    before, _, after = split_object(text)
    factor = (max(0.0, 1.0 - INVALID_FIELD_COST * n_invalid) * extra_factor(extra_chars(before, after))
              * (SUMMARY_FLOOR + (1 - SUMMARY_FLOOR) * summary))
    if factor and addressed_to_grader(text):
        return {}  # an answer that speaks to its grader (L-reward-spec); checked last: the costliest check
    return {name: value * factor for name, value in fields.items()}
