"""SQL Q&A reward (correctness preset): does the query return the gold result?

Format (the gate): a recognisable query anywhere in the answer — in a ```sql fence, in an
untagged fence, at a line start, or inline after "Consulta:"/"SQL:" or mid-sentence when DuckDB
parses it — plus an explanation. No query: 0 (an extraction JSON or plain prose is not an
answer to a SQL question, L-reward-spec).

Components: ``result_match`` (the core: 1 when the result equals gold up to row/column order and
names; 0.9 when the only extra columns are text labels; a third of the shared cells when the
result has gold's shape; 0 otherwise, so a "shotgun" of candidate numeric columns collects
nothing), ``executes`` (ran in the sandbox and returned a non-empty result), ``explanation`` (prose in Portuguese beside the
query) and ``numbers`` (the explanation cites the gold result, credited only when the query's
result matches — the explanation of a wrong query citing the right number guessed it).

A query that the sandbox rejects (writes, file reads, settings, several statements), stops
(time or memory limit) or cannot run scores 0 on every component, and so does a query that reads
no table of commerce.db (``SELECT 3.39``: a literal is not a query over the data).

Without a database (``db=None``) nothing is executed: executes means "parses as one SELECT" and
result_match means "the same query as gold up to whitespace and case".
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from itertools import combinations
from typing import Any, Mapping

from commerce_grpo.rewards.config import RewardSettings
from commerce_grpo.rewards.numbers import mentions, numbers_in
from commerce_grpo.rewards.parsing import fenced_blocks
from commerce_grpo.rewards.sql_compare import results_match, value_overlap
from commerce_grpo.rewards.sql_sandbox import normalize_value, policy_check, run_gold, run_select
from commerce_grpo.rewards.text import portuguese_score, tokens
from commerce_grpo.rewards.vocab import COMMERCE_TABLES, fold, word_pattern

# Words that start a statement. Non-SELECT ones start a query too, so that "SET ...;\nSELECT ..."
# or "COPY ..." reaches the sandbox whole and is rejected there, not skipped in favour of the
# harmless SELECT after it. DuckDB's own read forms (FROM-first, SUMMARIZE, PIVOT, VALUES...)
# count at a line start.
_STATEMENT_WORDS = (
    "select|with|copy|attach|detach|install|load|set|reset|pragma|drop|insert|update|delete|create|"
    "alter|call|export|import|checkpoint|vacuum|begin|commit|rollback|explain|describe|summarize|"
    "pivot|unpivot|values|show|truncate|use|from"
)
_LINE_START = re.compile(rf"(?im)^[ \t>*`-]*(?:{_STATEMENT_WORDS})\b")
# "Consulta: SELECT ...", "SQL: WITH ...", "`SELECT ...`", or SELECT mid-sentence.
_INLINE = re.compile(r"(?i)(?<![\w.])(?:select|with)\b")
_STATEMENT_START = re.compile(rf"(?i)\s*(?:{_STATEMENT_WORDS})\b")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_EXPLANATION_MIN_WORDS = 5
EXTRA_LABEL_CREDIT = 0.9
SAME_SHAPE_OVERLAP_CREDIT = 1 / 3
_TABLES = word_pattern(COMMERCE_TABLES)
_WHITESPACE = re.compile(r"\s+")
_LITERAL = r"(?:[-+]?[\d.]+|'[^']*')(?:\s+(?:as\s+)?\w+)?"
_LITERAL_SELECT = re.compile(rf"(?is)\s*select\s+(?:distinct\s+)?{_LITERAL}(?:\s*,\s*{_LITERAL})*\s*(?:from\b|;|$)")
_FROM = re.compile(r"(?i)\bfrom\b")
_OK = "ok"


def _statement_span(text: str, start: int, *, inline: bool) -> str:
    """The statement(s) starting at ``start``: up to a blank line (or, inline, the line end),
    continuing across ``;`` only into further statements."""
    stop = _BLANK_LINE.search(text, start)
    block = text[start: stop.start() if stop else len(text)]
    if inline:
        block = block.split("\n", 1)[0] if "`" not in block else block.split("`", 1)[0]
    pieces = block.split(";")
    keep = 1
    while keep < len(pieces) and _STATEMENT_START.match(pieces[keep]):
        keep += 1
    return ";".join(pieces[:keep]).strip().rstrip("`").strip()


def _trim_to_parse(sql: str) -> str | None:
    """``sql`` itself when DuckDB parses it, else its longest parsing prefix ending at a line or a
    sentence end (a query followed by prose on the next line); None when no prefix parses."""
    if policy_check(sql)[1] != "error":
        return sql
    cuts = sorted({m.start() for m in re.finditer(r"\n|\.\s|\.$", sql)}, reverse=True)
    for cut in cuts[:12]:
        head = sql[:cut].strip()
        if head and policy_check(head)[1] != "error":
            return head
    return None


def extract_sql(text: str) -> tuple[str | None, str]:
    """(the query of a completion or None, the rest of the text as its explanation)."""
    for lang, body in fenced_blocks(text):
        if lang == "sql" or (lang in ("", "duckdb", "postgresql", "sqlite") and _STATEMENT_START.match(body)):
            return body, re.sub(r"```.*?(?:```|\Z)", " ", text, count=1, flags=re.S)
    starts = [(m.end() - len(m.group(0).lstrip(" \t>*`-")), False) for m in _LINE_START.finditer(text)]
    starts += [(m.start(), True) for m in _INLINE.finditer(text)]
    attempt = None
    for start, inline in sorted(starts):
        sql = _statement_span(text, start, inline=inline)
        if inline and not _FROM.search(sql):
            continue  # "eu faria um SELECT por estado": a word in a sentence, not a query
        found = _trim_to_parse(sql)
        if found is None:
            # A line-start statement that does not parse is an attempt (it scores as failing)
            # unless a later one parses: "Use a consulta abaixo:" is prose before the query.
            attempt = attempt or (None if inline else (sql, start))
            continue
        return found, _without(text, found, start)
    if attempt is not None:
        return attempt[0], _without(text, *attempt)
    return None, text


def _without(text: str, sql: str, start: int) -> str:
    """The text with the query cut out: the explanation."""
    end = text.find(sql, start)
    end = start + len(sql) if end < 0 else end + len(sql)
    return text[:start] + " " + text[end:].lstrip(";")


def _outcome(sql: str, db: str | None, cfg: RewardSettings) -> tuple[str, list, bool]:
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


def gold_result(reference: Mapping[str, Any], db: str | None, cfg: RewardSettings) -> list[tuple] | None:
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


def _only_label_columns_extra(rows: list, gold: list, cfg: RewardSettings) -> bool:
    """Whether dropping some text-only columns of ``rows`` gives the gold result exactly."""
    if not rows or not gold or len(rows) != len(gold) or len(rows[0]) <= len(gold[0]):
        return False
    numeric = [i for i in range(len(rows[0])) if any(isinstance(r[i], float) for r in rows)]
    text = [i for i in range(len(rows[0])) if i not in numeric]
    numeric_gold = sum(any(isinstance(r[i], float) for r in gold) for i in range(len(gold[0])))
    if len(numeric) != numeric_gold:  # an extra numeric column: a candidate answer, not a label
        return False
    need = len(gold[0]) - len(numeric)
    return any(
        results_match([[r[i] for i in sorted(numeric + list(keep))] for r in rows], gold,
                      rel_tol=cfg.rel_tol, abs_tol=cfg.abs_tol)
        for keep in combinations(text, need)
    ) if 0 <= need <= len(text) and len(text) <= 8 else False


def _hardcoded(sql: str) -> bool:
    """A query that reads no table, or selects only literals (``SELECT 3.39 AS pct FROM orders``)."""
    return not _TABLES.search(fold(sql)) or bool(_LITERAL_SELECT.match(sql))


def result_credit(rows: list, gold: list | None, cfg: RewardSettings) -> float:
    if gold is None:
        return 0.0
    tol = {"rel_tol": cfg.rel_tol, "abs_tol": cfg.abs_tol}
    if results_match(rows, gold, **tol):
        return 1.0
    if _only_label_columns_extra(rows, gold, cfg):
        return EXTRA_LABEL_CREDIT
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


def components(record: Mapping[str, Any], text: str, *, db: str | None, settings: RewardSettings) -> dict[str, float]:
    reference = record.get("reference") or {}
    if not isinstance(reference, Mapping):
        reference = {}
    sql, explanation = extract_sql(text)
    if sql is None:
        return {}
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
        match = 0.0 if truncated else result_credit(rows, gold, settings)
    words = [w for w in tokens(fold(explanation)) if not w.isdigit()]
    explained = len(words) >= _EXPLANATION_MIN_WORDS and portuguese_score(explanation) > 0.5
    answered = db is None or any(v is not None for row in rows[:50] for v in row)
    return {
        "result_match": match,
        "executes": float(answered),  # ran and returned something: an empty result answers nothing
        "explanation": float(explained),
        "numbers": float(explained and match >= EXTRA_LABEL_CREDIT and _cites_gold(explanation, gold)),
    }
