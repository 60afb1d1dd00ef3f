"""Find the query in a sql_qa answer, wherever the model put it, in bounded time.

Where a query may be: in a ```sql fence (one-line fences too), in an untagged fence, at a line
start, or inline (after "Consulta:", inside backticks, mid-sentence when it has a FROM). Non-SELECT
statements start a query too, so that "SET ...;\\nSELECT ..." or "COPY ..." reaches the sandbox
whole and is rejected there, not skipped in favour of the harmless SELECT after it. DuckDB's own
read forms (FROM-first, SUMMARIZE, PIVOT, VALUES...) count at a line start.

The work is bounded whatever the completion holds (a 20,000-character answer of repeated clause
starts cost seconds when every start was re-parsed at a dozen cuts): the first fenced block that
holds SQL is taken as it is; otherwise at most ``MAX_STARTS`` candidate starts are parsed, in text
order, each over its span (cut at ``MAX_QUERY_CHARS``) once, and once more when DuckDB reports a
syntax error: cut at the last sentence boundary before the line and word DuckDB names (a query
followed by prose on the same or the next line). All the parses of one extraction read at most
``MAX_PARSE_CHARS`` characters together.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

import duckdb

from commerce_grpo.tasklib.parsing import fenced_blocks
from commerce_grpo.tasklib.sql_sandbox import policy_check

_STATEMENT_WORDS = (
    "select|with|copy|attach|detach|install|load|set|reset|pragma|drop|insert|update|delete|create|"
    "alter|call|export|import|checkpoint|vacuum|begin|commit|rollback|explain|describe|summarize|"
    "pivot|unpivot|values|show|truncate|use|from"
)
_LINE_START = re.compile(rf"(?im)^[ \t>*`-]*(?:{_STATEMENT_WORDS})\b")
# "Consulta: SELECT ...", "SQL: WITH ...", "`SELECT ...`", or SELECT mid-sentence.
_INLINE = re.compile(r"(?i)(?<![\w.])(?:select|with)\b")
STATEMENT_START = re.compile(rf"(?i)\s*(?:{_STATEMENT_WORDS})\b")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_FROM = re.compile(r"(?i)\bfrom\b")
# Where prose may follow a query: a line end, a full stop, a dash between spaces.
_BOUNDARY = re.compile(r"\n|\.(?=\s|$)|\s[—–]\s")
_SYNTAX_ERROR = re.compile(r'at or near "(.*)"\s*\n\s*\nLINE (\d+):')
_PLAIN_FENCES = ("", "duckdb", "postgresql", "postgres", "sqlite")
MAX_STARTS = 4
MAX_CANDIDATES = 64  # starts looked at (cheap checks) before the parsed ones run out
MAX_QUERY_CHARS = 2_000  # gold queries are under 700 characters
MAX_PARSE_CHARS = 8_000


class _Budget:
    """The characters the parses of one extraction may still read."""

    def __init__(self, chars: int):
        self.chars = chars

    def take(self, sql: str) -> bool:
        if len(sql) > self.chars:
            self.chars = 0
            return False
        self.chars -= len(sql)
        return True


@lru_cache(maxsize=1024)
def _error_at(sql: str) -> tuple[int, str] | None:
    """(line number, token) of DuckDB's syntax error in ``sql``; None when it parses or says no place."""
    try:
        duckdb.extract_statements(sql)
    except Exception as exc:  # DuckDB's parser errors: the message names the line and the token
        m = _SYNTAX_ERROR.search(str(exc))
        return (int(m[2]), m[1]) if m else None
    return None


def _cut_before_error(sql: str, budget: _Budget) -> str | None:
    """``sql`` up to the last boundary before DuckDB's syntax error, or None."""
    if not budget.take(sql):
        return None
    error = _error_at(sql)
    if error is None:
        return None
    line, token = error
    lines = sql.split("\n")
    if not 1 <= line <= len(lines):
        return None
    start = sum(len(x) + 1 for x in lines[: line - 1])
    word = re.search(rf"(?<!\w){re.escape(token)}(?!\w)" if token[:1].isalnum() else re.escape(token), lines[line - 1])
    at = start + (word.start() if word else 0)
    cuts = [m.start() for m in _BOUNDARY.finditer(sql) if m.start() < at]
    head = sql[: cuts[-1]].strip() if cuts else ""
    return head or None


def _parsed(sql: str, budget: _Budget) -> str | None:
    """``sql`` when DuckDB parses it, else its part before the syntax error when that parses; None."""
    if not budget.take(sql):
        return None
    if policy_check(sql)[1] != "error":
        return sql
    head = _cut_before_error(sql, budget)
    if head is None or not budget.take(head):
        return None
    return head if policy_check(head)[1] != "error" else None


def _statement_span(text: str, start: int, stop: int, *, inline: bool) -> str:
    """The statement(s) starting at ``start``: up to ``stop`` (the next blank line; inline, the line
    end or a backtick), continuing across ``;`` only into further statements."""
    block = text[start: min(stop, start + MAX_QUERY_CHARS)]
    if inline:
        block = block.split("\n", 1)[0] if "`" not in block else block.split("`", 1)[0]
    pieces = block.split(";")
    keep = 1
    while keep < len(pieces) and STATEMENT_START.match(pieces[keep]):
        keep += 1
    return ";".join(pieces[:keep]).strip().rstrip("`").strip()


def _starts(text: str) -> list[tuple[int, bool]]:
    """The first MAX_CANDIDATES candidate starts, in text order: (offset, inline)."""
    starts = {}
    for m in _LINE_START.finditer(text):
        starts.setdefault(m.end() - len(m.group(0).lstrip(" \t>*`-")), False)
        if len(starts) >= MAX_CANDIDATES:
            break
    for n, m in enumerate(_INLINE.finditer(text)):
        if n >= MAX_CANDIDATES:
            break
        starts.setdefault(m.start(), True)
    return sorted(starts.items())[:MAX_CANDIDATES]


def extract_sql(text: str) -> tuple[str | None, str]:
    """(the query of a completion or None, the rest of the text as its explanation)."""
    for lang, body in fenced_blocks(text):
        if lang == "sql" or (lang in _PLAIN_FENCES and STATEMENT_START.match(body)):
            return body, re.sub(r"```.*?(?:```|\Z)", " ", text, count=1, flags=re.S)
    blank = [m.start() for m in _BLANK_LINE.finditer(text)]
    budget, parsed, attempt = _Budget(MAX_PARSE_CHARS), 0, None
    for start, inline in _starts(text):
        if parsed >= MAX_STARTS or budget.chars <= 0:
            break
        after = bisect_right(blank, start)
        sql = _statement_span(text, start, blank[after] if after < len(blank) else len(text), inline=inline)
        if not sql or (inline and not _FROM.search(sql)):
            continue  # "eu faria um SELECT por estado": a word in a sentence, not a query
        parsed += 1
        found = _parsed(sql, budget)
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
