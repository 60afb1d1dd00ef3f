"""Run a completion's SQL against commerce.db so that it can only ever read.

Defence in depth (layers 1 and 2 each keep the hostile cases of the tests from having any effect):
1. DuckDB's own parser must find exactly one statement, of type SELECT, starting with SELECT,
   WITH or "(" (COPY, ATTACH, INSTALL/LOAD, SET/PRAGMA, CALL, several statements: rejected).
2. The connection is read-only with ``enable_external_access=false`` (no file, URL or extension
   access), extension autoload/autoinstall off and ``lock_configuration=true`` (no SET can undo it).
3. A watchdog thread interrupts the query after ``timeout_s``; the query is wrapped in a LIMIT of
   ``max_rows + 1`` so a huge result streams no further than the cap.
Queries run on a materialised read-only snapshot of the database (``sql_snapshot``: same rows,
views as tables), so that queries over ``orders_enriched`` cost a table scan, not the view's joins.
"""
from __future__ import annotations

import atexit
import logging
import math
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from commerce_grpo.rewards.sql_snapshot import materialized_copy
from commerce_grpo.rewards.sql_watchdog import WATCHDOG

log = logging.getLogger(__name__)

SANDBOX_CONFIG = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "threads": 1,
    "memory_limit": "512MB",
    "lock_configuration": True,
}
# Statements other than SELECT, recognised even where the whole text does not parse
# ("SELECT 1) AS x; DROP TABLE orders; SELECT (1"): an attempt is rejected, not partially credited.
_FORBIDDEN_START = re.compile(
    r"(?i)^\s*(?:copy|attach|detach|install|load|force|set|reset|pragma|drop|insert|update|delete|create|alter|"
    r"call|export|import|checkpoint|vacuum|begin|start|commit|rollback|abort|use|prepare|execute|merge|truncate)\b"
)
# FROM '/etc/passwd' is a replacement scan: DuckDB would read the file if external access were on.
# Only path- or file-like literals count (EXTRACT(YEAR FROM '2018-01-01') is fine).
_FILE_SCAN = re.compile(
    r"(?i)\b(?:from|join)\s*\(?\s*'(?:[^']*[/\\][^']*|[^']*\."
    r"(?:csv|tsv|parquet|json|jsonl|ndjson|txt|db|duckdb|sqlite|xlsx)(?:\.gz)?)'"
)
_LEADING_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.S)
_ALLOWED_START = re.compile(r"(?i)(?:select|with)\b|\(")


@dataclass(frozen=True)
class SqlOutcome:
    """What running one query produced.

    status: "ok" (rows holds at most max_rows rows; ``truncated`` when there were more),
    "rejected" (not exactly one SELECT/WITH, or it touched files/extensions/settings),
    "timeout" (interrupted at the time limit) or "error" (does not parse, bind or run).
    """

    status: str
    rows: list[tuple] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    truncated: bool = False
    message: str = ""


def check_statement(sql: str) -> str | None:
    """The single SELECT statement in ``sql`` without its trailing semicolon, or None.

    Raises nothing: SQL that DuckDB cannot parse returns None too (callers tell the two apart
    with ``parses``).
    """
    try:
        statements = duckdb.extract_statements(sql)
    except Exception:
        return None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        return None
    query = statements[0].query.strip().rstrip(";").strip()
    body = _LEADING_COMMENTS.sub("", query)
    if not _ALLOWED_START.match(body):
        return None
    return query


def parses(sql: str) -> bool:
    """Whether DuckDB's parser accepts the text at all (any statement types)."""
    try:
        duckdb.extract_statements(sql)
    except Exception:
        return False
    return True


def policy_check(sql: str) -> tuple[str | None, str]:
    """(the single SELECT to run or None, "ok" | "rejected" | "error") without touching a database.

    "rejected": a statement other than SELECT (parsed or merely attempted), several statements, or
    a file read through a replacement scan. "error": not SQL DuckDB can parse.
    """
    query = check_statement(sql)
    if query is not None:
        return (None, "rejected") if _FILE_SCAN.search(query) else (query, "ok")
    if parses(sql) or any(_FORBIDDEN_START.match(piece) for piece in sql.split(";")):
        return None, "rejected"
    return None, "error"


_UNREADABLE: set[str] = set()  # databases already reported as unreadable (logged once each)
_CONNECTIONS: dict[tuple[str, int], duckdb.DuckDBPyConnection] = {}
_CONNECTIONS_LOCK = threading.Lock()


def _base_connection(db: str) -> duckdb.DuckDBPyConnection:
    """One sandboxed connection per database file and process; each query runs on a fresh cursor
    (its own client context: no temp objects or session state survive it, and, unlike the base
    connection, a cursor never draws DuckDB's progress bar on stdout).

    Keyed by the snapshot (so a rebuilt commerce.db gets a new one) and by pid so that a forked
    DataLoader worker opens its own connection.
    """
    if not Path(db).is_file():
        raise FileNotFoundError(f"commerce.db not found: {db}")
    with _CONNECTIONS_LOCK:
        snapshot = str(materialized_copy(db))
        key = (snapshot, os.getpid())
        conn = _CONNECTIONS.get(key)
        if conn is None:
            conn = duckdb.connect(snapshot, read_only=True, config=SANDBOX_CONFIG)
            _CONNECTIONS[key] = conn
        return conn


@atexit.register
def close_connections() -> None:
    """Close this process's sandbox connections (at exit: DuckDB's bindings warn about live ones)."""
    with _CONNECTIONS_LOCK:
        for (_, pid), conn in list(_CONNECTIONS.items()):
            if pid == os.getpid():
                conn.close()
        _CONNECTIONS.clear()


def normalize_value(value: Any) -> Any:
    """A comparable, JSON-safe form of a result cell: numbers as float, the rest as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)


def run_select(db: str | os.PathLike, sql: str, *, timeout_s: float, max_rows: int) -> SqlOutcome:
    """Execute one read-only SELECT in the sandbox; never raises, never runs past the limit."""
    query, status = policy_check(sql)
    if query is None:
        return SqlOutcome(status, message="not exactly one SELECT/WITH statement that reads commerce.db")
    wrapped = f"SELECT * FROM (\n{query}\n) AS sandboxed_query LIMIT {int(max_rows) + 1}"
    if check_statement(wrapped) is None:  # the query escaped its parentheses
        return SqlOutcome("rejected", message="query does not nest as a subquery")
    try:
        cursor = _base_connection(str(db)).cursor()
    except Exception as exc:  # a missing or unreadable db is the caller's error, not the model's
        if str(db) not in _UNREADABLE:
            _UNREADABLE.add(str(db))
            log.error("sql sandbox: cannot open %s (%s); every query against it scores as failing", db, exc)
        return SqlOutcome("error", message=f"cannot open {db}: {exc}")
    token = WATCHDOG.watch(cursor, timeout_s)
    try:
        result = cursor.execute(wrapped)
        columns = [d[0] for d in result.description or []]
        rows = result.fetchall()
    except duckdb.InterruptException:
        return SqlOutcome("timeout", message=f"interrupted after {timeout_s} s")
    except duckdb.PermissionException as exc:
        return SqlOutcome("rejected", message=str(exc).splitlines()[0])
    except Exception as exc:
        return SqlOutcome("error", message=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    finally:
        WATCHDOG.done(token)
        cursor.close()
    truncated = len(rows) > max_rows
    rows = [tuple(normalize_value(v) for v in row) for row in rows[:max_rows]]
    return SqlOutcome("ok", rows=rows, columns=columns, truncated=truncated)
