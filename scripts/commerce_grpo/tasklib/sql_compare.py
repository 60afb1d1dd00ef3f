"""Compare a query's result with the gold result: row order, column order and names ignored.

Column names are the model's choice (aliases) and row order only matters when the question asks
for a ranking, which a LIMIT already captures, so both are ignored. Numbers match within a
tolerance (``ROUND(x, 2)`` against an unrounded gold still matches), widened per gold value by a
``slack`` (the precision the gold shows it at: 3.4 answers a gold 3.39 its explanation writes
"3,4%").

``answer_credit`` accepts the right answer in the shapes people give it: the columns the question
asks for without the gold's extra ones, a rank column beside a top-k list, a share as a fraction
where the question asks for a percentage, text label columns beside it (0.9); never an extra
numeric column (a "shotgun" of candidate answers).
"""
from __future__ import annotations

import math
from collections import Counter
from itertools import combinations
from typing import Any, Iterable, Mapping, Protocol, Sequence


class SqlSettings(Protocol):
    """What the SQL rewards read from the resolved rewards config (``rewards.config.RewardSettings``):
    the sandbox's limits for a completion's query and the tolerance of the result comparison."""

    timeout_s: float
    max_rows: int
    rel_tol: float
    abs_tol: float


def _key(value: Any) -> tuple:
    """Sort key that orders None, numbers and text without comparing across types."""
    if value is None:
        return (0, 0.0, "")
    if isinstance(value, float):
        return (1, value, "")
    return (2, 0.0, str(value))


def _canonical_row(row: Sequence[Any]) -> tuple:
    return tuple(sorted(row, key=_key))


def _cells_equal(a: Any, b: Any, rel_tol: float, abs_tol: float, slack: Mapping[float, float]) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol) or abs(a - b) <= slack.get(b, 0.0)
    return a == b


def _rows_equal(a: tuple, b: tuple, rel_tol: float, abs_tol: float, slack: Mapping[float, float]) -> bool:
    return len(a) == len(b) and all(_cells_equal(x, y, rel_tol, abs_tol, slack) for x, y in zip(a, b))


# Rows paired one by one when sorting does not line them up (near ties under rounding).
MAX_PAIRED_ROWS = 64


def _row_key(row: tuple) -> tuple:
    """Rows sort by their text cells first (labels pair rows whose numbers differ by rounding), then
    by all cells."""
    return tuple(v for v in row if isinstance(v, str)), [_key(v) for v in row]


def results_match(pred: Iterable[Sequence[Any]], gold: Iterable[Sequence[Any]], *, rel_tol: float, abs_tol: float,
                  slack: Mapping[float, float] | None = None, ordered: bool = False) -> bool:
    """Whether two results hold the same multiset of rows (each row a multiset of cells); ``ordered``:
    the same rows in the same order. ``slack``: extra tolerance per gold value."""
    pred_rows, gold_rows = [_canonical_row(r) for r in pred], [_canonical_row(r) for r in gold]
    if len(pred_rows) != len(gold_rows):
        return False
    same = lambda p, g: _rows_equal(p, g, rel_tol, abs_tol, slack or {})  # noqa: E731
    if ordered:
        return all(map(same, pred_rows, gold_rows))
    pred_rows.sort(key=_row_key)
    gold_rows.sort(key=_row_key)
    if all(map(same, pred_rows, gold_rows)):
        return True
    if len(gold_rows) > MAX_PAIRED_ROWS:
        return False
    # Near ties reorder under rounding: pair each row with any equal one left.
    left = list(gold_rows)
    for p in pred_rows:
        match = next((i for i, g in enumerate(left) if same(p, g)), None)
        if match is None:
            return False
        left.pop(match)
    return True


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


# Credit for the right answer with extra text label columns ("'pedidos' AS o_que").
EXTRA_LABEL_CREDIT = 0.9
MAX_SHOWN_DECIMALS = 6


def shown_slack(value: float) -> float:
    """Half a unit of the last decimal a non-integral value shows (12.7 → 0.05): any answer within
    it rounds to the same shown value. 0 for whole numbers (counts match exactly)."""
    text = repr(value)
    if not math.isfinite(value) or value.is_integer() or "e" in text or "." not in text:
        return 0.0
    return 0.5 * 10.0 ** -min(len(text.split(".", 1)[1]), MAX_SHOWN_DECIMALS)


def rank_column(rows: Sequence[Sequence[Any]]) -> int | None:
    """The index of a column numbering the rows 1..n (``ROW_NUMBER() OVER (ORDER BY ...)``), or None."""
    if not rows:
        return None
    wanted = [float(i) for i in range(1, len(rows) + 1)]
    for i in range(len(rows[0])):
        if sorted(r[i] if isinstance(r[i], float) else -1.0 for r in rows) == wanted:
            return i
    return None


def _views(pred: Sequence[Sequence[Any]], shares: bool) -> list[tuple[list[tuple], bool]]:
    """(rows, ordered) readings of a prediction: as it is; without its rank column, in rank order
    (compared row by row); and, where the question asks for a share, fractions read as percentages."""
    views = [([tuple(r) for r in pred], False)]
    rank = rank_column(pred)
    if rank is not None and len(pred[0]) > 1:
        ranked = sorted(pred, key=lambda r: r[rank])
        views.append(([tuple(v for i, v in enumerate(r) if i != rank) for r in ranked], True))
    if shares:
        for rows, ordered in list(views):
            fractions = [i for i in range(len(rows[0])) if all(isinstance(r[i], float) and 0.0 <= r[i] <= 1.0
                                                                for r in rows)]
            if fractions:
                views.append(([tuple(v * 100 if i in fractions else v for i, v in enumerate(r)) for r in rows], ordered))
    return views


def _gold_views(gold: Sequence[Sequence[Any]], asked: Sequence[int]) -> list[tuple[list[tuple], bool]]:
    """(rows, ordered): the gold result, then its projections on every smaller set of columns holding
    the asked ones. A projection left with labels only is compared in order: without its values, a
    list's order is its only claim about the ranking (the top k by revenue, not by count)."""
    width = len(gold[0])
    extra = [i for i in range(width) if i not in asked]
    views = []
    for k in range(len(extra), -1, -1):
        for kept in combinations(extra, k):
            columns = sorted(set(asked) | set(kept))
            if columns:
                rows = [tuple(r[i] for i in columns) for r in gold]
                labels_only = not any(isinstance(v, float) for r in rows for v in r)
                views.append((rows, len(columns) < width and labels_only))
    return views


def same_answer(pred: Sequence[Sequence[Any]], gold: Sequence[Sequence[Any]], *, rel_tol: float, abs_tol: float,
                slack: Mapping[float, float] | None = None, asked: Sequence[int] | None = None,
                shares: bool = False) -> bool:
    """Whether the prediction gives the gold answer: the gold result, or its asked columns with any
    of the others, possibly beside a rank column, fractions for percentages where ``shares``."""
    if not pred or not gold or len(pred) != len(gold):
        return not pred and not gold
    asked = range(len(gold[0])) if asked is None else [i for i in asked if 0 <= i < len(gold[0])]
    golds = _gold_views(gold, asked)
    return any(len(rows[0]) == len(g[0]) and results_match(rows, g, rel_tol=rel_tol, abs_tol=abs_tol, slack=slack,
                                                           ordered=ordered or in_order)
               for rows, ordered in _views(pred, shares) for g, in_order in golds)


def answer_credit(pred: Sequence[Sequence[Any]], gold: Sequence[Sequence[Any]], *, rel_tol: float, abs_tol: float,
                  slack: Mapping[float, float] | None = None, asked: Sequence[int] | None = None,
                  shares: bool = False) -> float:
    """1 for the gold answer (``same_answer``), EXTRA_LABEL_CREDIT when it is there once some text
    columns are dropped, else 0: a column of numbers nobody asked for is a candidate answer."""
    kw = {"rel_tol": rel_tol, "abs_tol": abs_tol, "slack": slack, "asked": asked, "shares": shares}
    if same_answer(pred, gold, **kw):
        return 1.0
    if not pred or not gold or len(pred) != len(gold) or len(pred[0]) > MAX_PROJECTED_COLUMNS:
        return 0.0
    text = [i for i in range(len(pred[0])) if not any(isinstance(r[i], float) for r in pred)]
    for k in range(1, len(text) + 1):
        for dropped in combinations(text, k):
            if len(dropped) < len(pred[0]) and same_answer(
                    [tuple(v for i, v in enumerate(r) if i not in dropped) for r in pred], gold, **kw):
                return EXTRA_LABEL_CREDIT
    return 0.0


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
