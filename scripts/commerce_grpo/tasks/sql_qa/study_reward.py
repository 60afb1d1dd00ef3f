"""SQL Q&A reward, study preset: the completion's query is executed and its result compared with gold.

Components: result_match (1 when the result equals the gold result, 0.9 when it does after
dropping extra columns, else the share of cells in common, halved), executes (exactly one SELECT
that ran in the sandbox), and the study's four tiers as partial credit:
sql_structure (SQL keywords in the query), query_explanation (a query and a prose explanation),
numbers (the explanation cites numbers; full credit when one is a gold value) and domain
(30 PT-BR business words, V4.2.1 hotfix).

Hostile SQL (writes, file reads, ATTACH, extensions, settings, several statements) and queries
that hit the time limit zero every component: such an answer is worse than none.

Without a database (``db=None``) nothing is executed: executes means "parses as one SELECT" and
result_match means "the same query as gold up to whitespace and case"; cited numbers are checked
against the reference's stored rows.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from commerce_grpo.tasklib.numbers import close_to_any, numbers_in
from commerce_grpo.tasklib.parsing import fenced_blocks
from commerce_grpo.tasklib.sql_compare import SqlSettings, match_with_extra_columns, results_match, value_overlap
from commerce_grpo.tasklib.sql_sandbox import SqlOutcome, policy_check, run_select
from commerce_grpo.tasklib.vocab import SQL_DOMAIN_WORDS, SQL_KEYWORDS, distinct_hits, fold, word_pattern

from .reward import _same_query, gold_result  # one gold path: failures counted

# A bare query starts a line with a statement keyword and runs to a blank line; prose that merely
# mentions "um SELECT" mid-sentence is not a query (the study's "SQL-looking prose"). Non-SELECT
# statements start a query too, so that "SET ...;\nSELECT ..." or "COPY ..." reaches the sandbox
# whole and is rejected there, not skipped in favour of the harmless SELECT after it.
_STATEMENT_WORDS = (
    "select|with|copy|attach|detach|install|load|set|reset|pragma|drop|insert|update|delete|create|"
    "alter|call|export|import|checkpoint|vacuum|begin|commit|rollback|explain|describe|summarize"
)
_BARE_SQL = re.compile(rf"(?im)^[ \t]*(?:{_STATEMENT_WORDS})\b.*?(?=\n[ \t]*\n|\Z)", re.S)
_STATEMENT_START = re.compile(rf"(?i)\s*(?:{_STATEMENT_WORDS}|from|show|use)\b")
_EXPLANATION_MIN_WORDS = 5
# The right answer plus columns nobody asked for.
EXTRA_COLUMNS_CREDIT = 0.9
_KEYWORDS = word_pattern(SQL_KEYWORDS)
_DOMAIN = word_pattern(SQL_DOMAIN_WORDS)
_WORDS = re.compile(r"[^\W\d_]{2,}")


def extract_sql(text: str) -> tuple[str | None, str]:
    """(the SQL of a completion or None, the rest of the text as its explanation)."""
    blocks = fenced_blocks(text)
    for lang, body in blocks:
        if lang == "sql" or (not lang and _STATEMENT_START.match(body)):
            return body, re.sub(r"```.*?(?:```|\Z)", " ", text, count=1, flags=re.S)
    m = _BARE_SQL.search(text)
    if not m:
        return None, text
    block, end = m.group(0), m.end()
    pieces = block.split(";")
    keep = 1
    while keep < len(pieces) and _STATEMENT_START.match(pieces[keep]):
        keep += 1
    sql = ";".join(pieces[:keep])
    end = m.start() + len(sql)
    return sql.strip(), text[: m.start()] + " " + text[end:].lstrip(";")


def _outcome(sql: str, db: str | None, cfg: SqlSettings) -> SqlOutcome:
    if db is None:
        return SqlOutcome(policy_check(sql)[1])
    return run_select(db, sql, timeout_s=cfg.timeout_s, max_rows=cfg.max_rows)


def components(record: Mapping[str, Any], text: str, *, db: str | None, settings: SqlSettings) -> dict[str, float]:
    reference = record.get("reference") or {}
    if not isinstance(reference, Mapping):
        reference = {}
    sql, explanation = extract_sql(text)
    result = {}
    gold = None
    if sql is not None:
        outcome = _outcome(sql, db, settings)
        if outcome.status in ("rejected", "timeout"):
            return {}
        if outcome.status == "ok":
            result["executes"] = 1.0
            if db is None:
                result["result_match"] = float(_same_query(sql, reference.get("sql")))
            else:
                gold = gold_result(reference, db, settings)
                if gold is not None and not outcome.truncated:
                    tol = {"rel_tol": settings.rel_tol, "abs_tol": settings.abs_tol}
                    if results_match(outcome.rows, gold, **tol):
                        result["result_match"] = 1.0
                    elif match_with_extra_columns(outcome.rows, gold, **tol):
                        result["result_match"] = EXTRA_COLUMNS_CREDIT
                    else:
                        result["result_match"] = 0.5 * value_overlap(outcome.rows, gold)
        result["sql_structure"] = min(1.0, distinct_hits(_KEYWORDS, fold(sql)) / 3)
        result["query_explanation"] = float(len(_WORDS.findall(explanation)) >= _EXPLANATION_MIN_WORDS)
    cited = numbers_in(explanation)
    if cited:
        if gold is None:
            gold = gold_result(reference, db, settings)
        gold_numbers = [v for row in gold or [] for v in row if isinstance(v, float)]
        result["numbers"] = 1.0 if any(close_to_any(v, cited) for v in gold_numbers) else 0.5
    result["domain"] = min(1.0, distinct_hits(_DOMAIN, fold(text)) / 3)
    return result
