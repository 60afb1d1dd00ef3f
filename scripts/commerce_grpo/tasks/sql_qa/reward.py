"""SQL Q&A reward (correctness preset): does the query return the gold result?

Format (the gate): a recognisable query anywhere in the answer (``extract``: a ```sql fence,
one-line fences too, an untagged fence, a line start, or inline after "Consulta:"/"SQL:" or
mid-sentence, prose after it on the same line or the next) plus an explanation. No query: 0 (an
extraction JSON or plain prose is not an answer to a SQL question, L-reward-spec).

Components: ``result_match`` (the core: 1 when the result gives the gold answer, compared by
``sql_compare.answer_credit`` up to row/column order and names, at the precision the gold shows,
in the shapes people give it — the asked columns alone, a rank column beside them, a fraction
where the question asks for a share; 0.9 when the only extra columns are text labels; a third of
the shared cells when the result has gold's shape; 0 otherwise, so a "shotgun" of candidate
numeric columns collects nothing), ``executes`` (ran in the sandbox and returned a non-empty
result), ``explanation`` (prose in Portuguese beside the query) and ``numbers`` (the explanation
cites the gold result, credited only when the query's result matches — the explanation of a wrong
query citing the right number guessed it).

A query that the sandbox rejects (writes, file reads, settings, several statements), stops
(time or memory limit) or cannot run scores 0 on every component, and so does a query that reads
no table of commerce.db (``SELECT 3.39``: a literal is not a query over the data), a runaway query
longer than ``extract.MAX_QUERY_CHARS``, and an answer that speaks to its grader.

Without a database (``db=None``) nothing is executed: executes means "parses as one SELECT" and
result_match means "the same query as gold up to whitespace and case".
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any, Mapping

from commerce_grpo.tasklib.numbers import mentions, numbers_in, precisions_in
from commerce_grpo.tasklib.sql_compare import (EXTRA_LABEL_CREDIT, SqlSettings, answer_credit, shown_slack,
                                               value_overlap)
from commerce_grpo.tasklib.sql_sandbox import normalize_value, policy_check, run_gold, run_select
from commerce_grpo.tasklib.text import addressed_to_grader, portuguese_score, tokens, user_text
from commerce_grpo.tasklib.vocab import COMMERCE_TABLES, fold, stem_pattern, word_pattern

from .builder import TEMPLATES_BY_NAME as TEMPLATES
from .extract import MAX_QUERY_CHARS, extract_sql

_EXPLANATION_MIN_WORDS = 5
SAME_SHAPE_OVERLAP_CREDIT = 1 / 3
# Words of a question asking for a share (folded stems): "fração", "percentual", "porcentagem"...
_SHARE = stem_pattern(("fracao", "fracoes", "percent", "porcent", "proporc", "taxa", "participac", "razao", "dividi"))
_TABLES = word_pattern(COMMERCE_TABLES)
_WHITESPACE = re.compile(r"\s+")
_LITERAL = r"(?:[-+]?[\d.]+|'[^']*')(?:\s+(?:as\s+)?\w+)?"
_LITERAL_SELECT = re.compile(rf"(?is)\s*select\s+(?:distinct\s+)?{_LITERAL}(?:\s*,\s*{_LITERAL})*\s*(?:from\b|;|$)")
_OK = "ok"


def _outcome(sql: str, db: str | None, cfg: SqlSettings) -> tuple[str, list, bool]:
    """(status, rows, truncated); a sandbox outcome of any shape is read defensively, and any
    status other than "ok" (error, rejected, timeout, killed...) is a failure."""
    if db is None:
        return policy_check(sql)[1], [], False
    outcome = run_select(db, sql, timeout_s=cfg.timeout_s, max_rows=cfg.max_rows)
    status = getattr(outcome, "status", "error")
    return status, list(getattr(outcome, "rows", None) or []), bool(getattr(outcome, "truncated", False))


@lru_cache(maxsize=4096)
def _gold_rows(db: str, mtime_ns: int, sql: str, timeout_s: float, max_rows: int) -> tuple | None:
    """Gold result re-executed on this db (cached per file version); None when it fails (counted
    by run_gold as a sandbox error: the audit fails on it)."""
    outcome = run_gold(db, sql, timeout_s=timeout_s, max_rows=max_rows)
    if getattr(outcome, "status", "error") != _OK or getattr(outcome, "truncated", False):
        return None
    return tuple(outcome.rows)


def gold_result(reference: Mapping[str, Any], db: str | None, cfg: SqlSettings) -> list[tuple] | None:
    """The gold rows: the gold SQL re-run on ``db`` when given, else the reference's stored rows."""
    sql = reference.get("sql")
    if db is not None and isinstance(sql, str) and os.path.isfile(db):
        rows = _gold_rows(str(db), os.stat(db).st_mtime_ns, sql, cfg.timeout_s * 5, cfg.max_rows)
        if rows is not None:
            return list(rows)
    stored = reference.get("rows")
    if isinstance(stored, list) and all(isinstance(r, (list, tuple)) for r in stored):
        return [tuple(normalize_value(v) for v in r) for r in stored]
    return None


def _same_query(a: str, b: Any) -> bool:
    if not isinstance(b, str):
        return False
    canon = lambda s: _WHITESPACE.sub(" ", s.strip().rstrip(";")).lower()  # noqa: E731
    return canon(a) == canon(b)


def _hardcoded(sql: str) -> bool:
    """A query that reads no table, or selects only literals (``SELECT 3.39 AS pct FROM orders``)."""
    return not _TABLES.search(fold(sql)) or bool(_LITERAL_SELECT.match(sql))


def shown_precision(explanation: Any, gold: list) -> dict[float, float]:
    """Per gold number, the tolerance of the precision it is shown at: half a unit of its own last
    decimal (a gold rounded to 12.7 accepts 12.68), or of the coarser one the gold explanation
    writes it with ("3,4%" for 3.39 accepts 3.4). Whole numbers stay exact."""
    shown = precisions_in(explanation) if isinstance(explanation, str) else set()
    slack = {}
    for value in {v for row in gold for v in row if isinstance(v, float) and not v.is_integer()}:
        written = [0.5 * 10.0 ** -d for v, d in shown if d >= 1 and abs(v - value) <= 0.5 * 10.0 ** -d + 1e-9]
        slack[value] = max(shown_slack(value), min(written, default=0.0))
    return slack


def asks_for_share(record: Mapping[str, Any]) -> bool:
    """Whether the question asks for a share ("fração", "percentual", "taxa"...): a fraction answers it."""
    return bool(_SHARE.search(fold(user_text(record))))


def asked_columns(record: Mapping[str, Any]) -> tuple[int, ...] | None:
    """The gold columns the question asks for (its template's ``asked``); None: all of them."""
    source = record.get("source")
    template = TEMPLATES.get(source.get("template")) if isinstance(source, Mapping) else None
    return None if template is None else template.asked


def result_credit(record: Mapping[str, Any], rows: list, gold: list | None, cfg: SqlSettings) -> float:
    if gold is None:
        return 0.0
    reference = record.get("reference") or {}
    credit = answer_credit(rows, gold, rel_tol=cfg.rel_tol, abs_tol=cfg.abs_tol,
                           slack=shown_precision(reference.get("explanation"), gold),
                           asked=asked_columns(record), shares=asks_for_share(record))
    if credit:
        return credit
    if rows and gold and len(rows) == len(gold) and len(rows[0]) == len(gold[0]):
        return SAME_SHAPE_OVERLAP_CREDIT * value_overlap(rows, gold)
    return 0.0


def _cites_gold(explanation: str, gold: list | None) -> bool:
    if not gold:
        return False
    folded, cited = fold(explanation), numbers_in(explanation)
    return any(mentions(v, folded, cited) for row in gold[:5] for v in row if v is not None)


def in_format(record: Mapping[str, Any], text: str) -> bool:
    """The format gate: the answer contains a SQL statement (fenced, on its own line or inline)."""
    return extract_sql(text)[0] is not None


def components(record: Mapping[str, Any], text: str, *, db: str | None, settings: SqlSettings) -> dict[str, float]:
    reference = record.get("reference") or {}
    if not isinstance(reference, Mapping):
        reference = {}
    if addressed_to_grader(text):
        return {}  # an answer that speaks to its grader (L-reward-spec)
    sql, explanation = extract_sql(text)
    if sql is None or len(sql) > MAX_QUERY_CHARS:
        return {}  # no query, or a runaway one: no answer's query comes near the limit
    if _hardcoded(sql):
        return {}  # not a query over commerce.db: never executed, never credited
    status, rows, truncated = _outcome(sql, db, settings)
    if status != _OK:
        return {}  # rejected, stopped or failing: worse than no answer, never partial credit
    if db is None:
        match = float(_same_query(sql, reference.get("sql")))
        gold = gold_result(reference, None, settings)  # the stored rows, for the cited numbers
    else:
        gold = gold_result(reference, db, settings)
        match = 0.0 if truncated else result_credit(record, rows, gold, settings)
    words = [w for w in tokens(fold(explanation)) if not w.isdigit()]
    explained = len(words) >= _EXPLANATION_MIN_WORDS and portuguese_score(explanation) > 0.5
    answered = db is None or any(v is not None for row in rows[:50] for v in row)
    return {
        "result_match": match,
        "executes": float(answered),  # ran and returned something: an empty result answers nothing
        "explanation": float(explained),
        "numbers": float(explained and match >= EXTRA_LABEL_CREDIT and _cites_gold(explanation, gold)),
    }
