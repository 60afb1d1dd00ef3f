"""Numbers as Brazilians write them in text ("1.234,56", "4,5", "12%", "R$ 89,90").

Used to check that an answer cites the facts it was given. Ambiguous tokens ("1.234", "1,5")
yield every reading, so a match never depends on guessing the writer's convention.
"""
from __future__ import annotations

import math
import re
from typing import Any, Iterable

from commerce_grpo.tasklib.vocab import fold

_NUMBER = re.compile(r"(?<![\w.,])-?\d[\d.,]*\d%?|(?<![\w.,])-?\d%?")


def _shown(token: str) -> set[tuple[float, int]]:
    """Every (value, decimals shown) a token without its percent sign can be read as."""
    candidates = []
    if "," in token and "." in token:
        decimal = "," if token.rfind(",") > token.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        candidates.append(token.replace(thousands, "").replace(decimal, "."))
    elif "," in token:
        candidates += [token.replace(",", "."), token.replace(",", "")]
    elif "." in token:
        candidates += [token, token.replace(".", "")]
    else:
        candidates.append(token)
    shown = set()
    for c in candidates:
        try:
            v = float(c)
        except ValueError:
            continue
        if math.isfinite(v):
            shown.add((v, len(c.split(".", 1)[1]) if "." in c else 0))
    return shown


def _readings(token: str) -> set[float]:
    percent = token.endswith("%")
    values = {v for v, _ in _shown(token.rstrip("%"))}
    return values | {v / 100 for v in values} if percent else values


def precisions_in(text: str) -> set[tuple[float, int]]:
    """Every (value, decimals shown) the numeric tokens of ``text`` can be read as: "3,4%" gives
    (3.4, 1); "1.370" gives (1370.0, 0) and (1.37, 3). Percent readings (0.034) are left out."""
    return {pair for token in _NUMBER.findall(text) for pair in _shown(token.rstrip(".,").rstrip("%"))}


def numbers_in(text: str) -> set[float]:
    """Every value the numeric tokens of ``text`` can be read as."""
    found: set[float] = set()
    for token in _NUMBER.findall(text):
        found |= _readings(token.rstrip(".,"))
    return found


def close_to_any(value: float, candidates: Iterable[float]) -> bool:
    """Whether ``value`` (or it as a percentage) is cited: within 0.5% or one rounding step (0.051)."""
    targets = (value, value * 100) if abs(value) <= 1 else (value,)
    for c in candidates:
        for t in targets:
            if abs(c - t) <= max(0.005 * abs(t), 0.051):
                return True
    return False


def mentions(value: Any, folded_text: str, cited: set[float]) -> bool:
    """Whether a text cites a fact: a number (as written in Brazil), or a text (accent- and
    case-insensitive; one or two characters, like a state code, only as a whole word); a text fact
    holding numbers ("R$ 47,72") also counts when its numbers are cited ("R$47,72", "47.72").

    ``folded_text`` is the text passed through ``vocab.fold``; ``cited`` is ``numbers_in(text)``.
    """
    number = as_number(value)
    if number is not None:
        return close_to_any(number, cited)
    if not isinstance(value, str) or not value.strip():
        return False
    needle = fold(value.strip())
    if len(needle) < 3:
        return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", folded_text) is not None
    if needle in folded_text:
        return True
    inside = [v for v in (_readings(t.rstrip(".,")) for t in _NUMBER.findall(value)) if v]
    return bool(inside) and all(any(close_to_any(x, cited) for x in readings) for readings in inside)


def as_number(value: Any) -> float | None:
    """A fact's numeric value (bools and non-finite numbers are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None
