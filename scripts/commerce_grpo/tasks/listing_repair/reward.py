"""Listing repair reward: the document-repair study's four components, read off the listing format.

Format (the gate): the answer has at least two of the four section headings, strictly written;
prose, JSON or another task's answer scores 0. A fence around the listing is removed before reading.

- ``structure``: share of the five blocks (title, Descrição, Especificações, Preço, Vendedor)
  present exactly once, in order, and well formed (field lines ``- Campo: valor`` with the
  format's fields and value shapes).
- ``edit_accuracy``: per corruption, the share of its spans whose value in the answer is the clean
  value; averaged over the corruptions. A span in a repeated block is unreadable, so pasting the
  listing twice repairs nothing.
- ``collateral`` (penalty): spans the answer made wrong where the input had them right, one third
  per span, full at three: spans no corruption touched that the answer changed or lost, and spans
  a repeated section or a broken line only hid (their values were intact in the input) that the
  answer shows with another value (so deleting every number of a listing whose sections it put
  back in place is damage, not repair; the description, which a broken heading merges into, is
  judged by edit accuracy alone).
- ``format`` (penalty): 1 when the answer is fenced or has text outside the format: before or
  after the listing, under the title, in sections the format does not have, and under a field
  section's heading (right or mistyped: "## Preco") in lines that are no field line of it.
  Text beyond 40 characters also scales ``structure`` and ``edit_accuracy`` down, to 0 at 240
  (the extraction reward's rule), so gold plus junk scores 0, wherever the junk sits: the
  characters by which the title or the description outgrow the clean ones count there too.

The answer is read in Unicode NFC (the same listing in NFD is the same listing), and an answer
that speaks to its grader scores 0 (L-reward-spec).

Weights (``WEIGHTS``). ``study``: the study's components as briefed (structure 0.3, edit accuracy
0.7, collateral 0.5, format 0.2); with them the unchanged input keeps up to 0.3 and a repair that
mangles every other span 0.5. ``correctness`` moves weight to what makes a repair right
(L-reward-spec): structure 0.2, so the unchanged input, whose structure may be intact, stays at
or below 0.2; edit accuracy 0.8; collateral 0.8, because a repair that breaks as many spans as it
fixes leaves the reader a listing as wrong as the input (three spans broken cancel a perfect
repair's edit accuracy); format 0.2, a blemish a reader strips by hand.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Mapping

from commerce_grpo.tasklib.text import addressed_to_grader, extra_factor

from .corrupt import KINDS
from .listing import DESCRIPTION, SPANS, TITLE, parse, read

COLLATERAL_FULL = 3
# Answers are read up to this length: a listing is under 2 kB, so what follows can only be extra
# text (already enough to zero the answer), and it bounds the cost of a runaway generation.
MAX_CHARS = 20_000
# Spans of free text: what they hold beyond the clean text's length is extra text too (chatter
# appended to the description or the title is not a repair).
FREE_TEXT = (TITLE, DESCRIPTION)
_SPACE = re.compile(r"\s+")
# Corruption kinds that hide spans without changing their values (the input still holds them right).
HIDING = ("section_duplicated", "markup_broken")
WEIGHTS = {
    "correctness": {"structure": 0.2, "edit_accuracy": 0.8, "collateral_penalty": 0.8, "format_penalty": 0.2},
    "study": {"structure": 0.3, "edit_accuracy": 0.7, "collateral_penalty": 0.5, "format_penalty": 0.2},
}


@lru_cache(maxsize=4096)
def _clean_spans(text: str) -> dict[str, str] | None:
    listing = parse(text)
    return None if listing is None else listing.spans()


def _spans(corruption: Any) -> list[str] | None:
    spans = corruption.get("spans") if isinstance(corruption, Mapping) else None
    if isinstance(spans, list) and spans and all(isinstance(s, str) and s in SPANS for s in spans) \
            and corruption.get("kind") in KINDS:
        return spans
    return None


def gold(record: Mapping[str, Any]) -> tuple[dict[str, str], list[list[str]], set[str]] | None:
    """(clean span values, the spans of each corruption, the spans whose values the input kept) from
    the record's reference; None when malformed."""
    reference = record.get("reference")
    if not isinstance(reference, Mapping) or not isinstance(reference.get("listing"), str):
        return None
    corruptions = reference.get("corruptions")
    if not isinstance(corruptions, list) or not corruptions:
        return None
    spans = [_spans(c) for c in corruptions]
    clean = _clean_spans(reference["listing"])
    if clean is None or None in spans:
        return None
    # The description excepted: a heading that is no longer one merges its section into it, so
    # even the unchanged input shows the description with another value.
    hidden = {s for c, c_spans in zip(corruptions, spans) if c["kind"] in HIDING for s in c_spans} - {DESCRIPTION}
    return clean, spans, hidden


def _read(text: str):
    """The answer's blocks, read from its NFC form: a listing is the same text in any Unicode
    normal form ("é" as one code point or as "e" and a combining accent)."""
    return read(unicodedata.normalize("NFC", text[:MAX_CHARS]))


def in_format(record: Mapping[str, Any], text: str) -> bool:
    return isinstance(text, str) and _read(text).is_listing()


def components(record: Mapping[str, Any], text: str, **_) -> dict[str, float]:
    truth = gold(record)
    doc = _read(text)
    if truth is None or not doc.is_listing() or addressed_to_grader(text):
        return {}
    clean, corrupted, hidden = truth
    found = doc.spans()
    edit = sum(sum(found.get(s) == clean[s] for s in spans) / len(spans) for spans in corrupted) / len(corrupted)
    touched = {s for spans in corrupted for s in spans}
    changed = sum(found.get(s) != value if s not in touched else s in hidden and found.get(s, value) != value
                  for s, value in clean.items())
    extra = doc.extra_chars()
    factor = extra_factor(extra + sum(max(0, _chars(found.get(s, "")) - _chars(clean[s])) for s in FREE_TEXT))
    return {
        "structure": doc.structure() * factor,
        "edit_accuracy": edit * factor,
        "collateral": min(1.0, changed / COLLATERAL_FULL),
        "format": float(doc.fenced or extra > 0),
    }


def _chars(text: str) -> int:
    return len(_SPACE.sub("", text))


def structure_rate(text: str, parts: Mapping[str, float]) -> float:
    """Validation metric: 1 when the answer is a well-formed listing (every block once, in order)."""
    return float(parts.get("structure", 0.0) >= 1.0)
