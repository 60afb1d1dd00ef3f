"""Compare a query's result with the gold result: row order, column order and names ignored.

Column names are the model's choice (aliases) and row order only matters when the question asks
for a ranking, which a LIMIT already captures, so both are ignored. Numbers match within a
tolerance (``ROUND(x, 2)`` against an unrounded gold still matches).
"""
from __future__ import annotations

import math
from collections import Counter
from itertools import combinations
from typing import Any, Iterable, Sequence


def _key(value: Any) -> tuple:
    """Sort key that orders None, numbers and text without comparing across types."""
    if value is None:
        return (0, 0.0, "")
    if isinstance(value, float):
        return (1, value, "")
    return (2, 0.0, str(value))


def _canonical_row(row: Sequence[Any]) -> tuple:
    return tuple(sorted(row, key=_key))


def _cells_equal(a: Any, b: Any, rel_tol: float, abs_tol: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)
    return a == b


def _rows_equal(a: tuple, b: tuple, rel_tol: float, abs_tol: float) -> bool:
    return len(a) == len(b) and all(_cells_equal(x, y, rel_tol, abs_tol) for x, y in zip(a, b))


def results_match(pred: Iterable[Sequence[Any]], gold: Iterable[Sequence[Any]], *,
                  rel_tol: float, abs_tol: float) -> bool:
    """Whether two results hold the same multiset of rows (each row a multiset of cells)."""
    pred_rows = sorted((_canonical_row(r) for r in pred), key=lambda r: [_key(v) for v in r])
    gold_rows = sorted((_canonical_row(r) for r in gold), key=lambda r: [_key(v) for v in r])
    if len(pred_rows) != len(gold_rows):
        return False
    return all(_rows_equal(p, g, rel_tol, abs_tol) for p, g in zip(pred_rows, gold_rows))


# Projections tried when the prediction has extra columns (C(8, k) stays small).
MAX_PROJECTED_COLUMNS = 8


def match_with_extra_columns(pred: Sequence[Sequence[Any]], gold: Sequence[Sequence[Any]], *,
                             rel_tol: float, abs_tol: float) -> bool:
    """Whether some subset of the prediction's columns equals the gold result (extra columns only)."""
    if not pred or not gold or len(pred) != len(gold):
        return False
    width, gold_width = len(pred[0]), len(gold[0])
    if not gold_width < width <= MAX_PROJECTED_COLUMNS:
        return False
    return any(
        results_match([[row[i] for i in cols] for row in pred], gold, rel_tol=rel_tol, abs_tol=abs_tol)
        for cols in combinations(range(width), gold_width)
    )


def _cell_token(value: Any) -> Any:
    """A hashable token for partial matching: numbers rounded to 2 decimals."""
    return round(value, 2) if isinstance(value, float) else value


def value_overlap(pred: Iterable[Sequence[Any]], gold: Iterable[Sequence[Any]]) -> float:
    """Share of cells two results have in common (multiset, numbers to 2 decimals), in [0, 1].

    Partial credit for a query that finds the right numbers with extra or missing columns/rows.
    """
    pred_cells = Counter(_cell_token(v) for row in pred for v in row)
    gold_cells = Counter(_cell_token(v) for row in gold for v in row)
    if not pred_cells or not gold_cells:
        return 0.0
    common = sum((pred_cells & gold_cells).values())
    return common / max(sum(pred_cells.values()), sum(gold_cells.values()))
