"""Run a completion's SQL against commerce.db so that it can only read, briefly and in little memory.

Why a worker process: DuckDB does not interrupt, nor count against ``memory_limit``, a single huge
function result (``SELECT length(repeat('x', 2000000000))``: 22 s and 3.9 GB in the scoring process;
``lpad`` 50 s). One such rollout stalled a GRPO step for minutes or got the job OOM-killed
(L-reward-spec: the reward is the #1 failure mode). So every query runs in a separate process
(``sql_worker``) under an address-space rlimit, a CPU-time rlimit, DuckDB's own interrupt at
``timeout_s``, a row cap and a byte cap; this side kills the worker at ``timeout_s + KILL_GRACE_S``
(counted from when the worker acknowledges the query) and starts a fresh one at once. A small pool
of workers per process is reused across calls, so a call costs a pipe round trip (~0.3 ms), not a
process start (~0.2 s). A worker is checked alive before use and replaced when dead; one that dies
before acknowledging its query (the check and the write are not atomic) costs a retry on a fresh
worker, never the query's reward; both are counted (``worker_idle_deaths``) as sandbox errors.

Batches (``batch()``, used by the GRPO reward functions): a training step's queries run at once on
up to ``workers`` processes under one wall-clock budget, so 16 queries that all time out cost
about two timeouts instead of sixteen (L-reward-spec: scoring must not stall a run).

Security boundary: DuckDB's own settings in the worker (read-only connection, external access off,
extensions off, ``lock_configuration``); they blocked every read, write, ATTACH, INSTALL/LOAD,
setting change and DDL/DML of the hostile tests. On this side DuckDB's parser only classifies:
exactly one statement that DuckDB types as a query (``SELECT``, ``WITH``, ``FROM orders SELECT ...``,
``VALUES``, ``SUMMARIZE``, ``DESCRIBE``, ``PIVOT``) runs, wrapped as a subquery under
``LIMIT max_rows + 1``; anything else (COPY, ATTACH, SET, several statements, ...) is ``rejected``
without touching a database. No keyword denylist: it was decorative (DuckDB stopped what it missed)
and it rejected legitimate reads.

Queries run on a verified private snapshot of the database (``sql_snapshot``). Failures of the
sandbox itself (no snapshot, a worker that cannot start) and of gold queries (``run_gold``) are
counted in ``health()`` and in ``tasklib.errors`` (task "sql_qa"), so an audit or a training log
sees them instead of a silently lower reward; ``self_check(db)`` proves the limits hold.
"""
from __future__ import annotations

import atexit
import contextlib
import contextvars
import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import duckdb

from commerce_grpo.tasklib import errors
from commerce_grpo.tasklib.sql_snapshot import STORE, Snapshot, SnapshotError
from commerce_grpo.tasklib.sql_worker import normalize_value  # noqa: F401 (re-exported for scorers)

log = logging.getLogger(__name__)

# Address space a worker may add over its idle size for one query (DuckDB's own memory_limit is
# half of it, so ordinary big joins fail cleanly inside DuckDB first).
MEMORY_MB = 512
# Bytes of cell text a result may carry back (the gold results of the pairs are a few KB).
MAX_RESULT_BYTES = 1 << 20
# Workers per process at most (one per concurrent caller; idle ones are kept for reuse).
MAX_WORKERS = 8
# Idle workers kept started beside the busy one: a kill's replacement needs ~0.2-0.5 s to start.
SPARE_WORKERS = 1
# Time past timeout_s before the worker is killed: DuckDB's interrupt usually answers first.
KILL_GRACE_S = 0.3
# A worker imports duckdb and opens the snapshot in ~0.2 s; this only bounds a stuck start.
STARTUP_TIMEOUT_S = 30.0

STATUSES = ("ok", "error", "timeout", "limit", "rejected", "unavailable")
_WORKER_SCRIPT = str(Path(__file__).with_name("sql_worker.py"))
_QUERY_TYPES = (duckdb.StatementType.SELECT, duckdb.StatementType.MULTI)  # MULTI: PIVOT (also wrapped)
_STARTED = b'{"started": true}'  # a worker's acknowledgement that it read a query (sql_worker)


@dataclass(frozen=True)
class SqlOutcome:
    """What running one query produced. Only ``status == "ok"`` is a result; scorers give every
    other status 0.

    status:
      "ok"          ``rows`` holds at most max_rows rows (tuples of float | str | None, numbers as
                    float) and ``columns`` their names; ``truncated`` when there were more rows.
      "error"       DuckDB could not parse, bind or run the query (the model's mistake).
      "timeout"     interrupted at ``timeout_s``, or killed at ``timeout_s + KILL_GRACE_S``.
      "limit"       over the memory cap, the result byte cap, or the worker died under its limits.
      "rejected"    not exactly one query statement (COPY, ATTACH, SET, DDL/DML, several
                    statements), or DuckDB refused it a permission (file, URL, extension access).
      "unavailable" the sandbox itself failed (commerce.db missing or corrupt, snapshot not
                    buildable, worker not starting): not the model's fault; counted in
                    ``health()["errors"]`` and ``tasklib.errors``.
    ``message`` says why, for logs.
    """

    status: str
    rows: list[tuple] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    truncated: bool = False
    message: str = ""


# ---------------------------------------------------------------------------------------------
# Classification (DuckDB's parser; nothing is executed here)


@lru_cache(maxsize=2048)
def _statements(sql: str) -> tuple | None:
    """DuckDB's parse of ``sql`` (cached: a scorer classifies the same text several times)."""
    try:
        return tuple(duckdb.extract_statements(sql))
    except Exception:
        return None


def check_statement(sql: str) -> str | None:
    """The single query statement in ``sql`` without its trailing semicolon, or None.

    Any statement DuckDB types as a query counts (FROM-first, VALUES, SUMMARIZE, DESCRIBE, PIVOT);
    None for other statements, several statements, or text DuckDB cannot parse.
    """
    statements = _statements(sql)
    if not statements or len(statements) != 1 or statements[0].type not in _QUERY_TYPES:
        return None
    query = statements[0].query.strip().rstrip(";").strip()
    return query or None


def parses(sql: str) -> bool:
    """Whether DuckDB's parser accepts the text at all (any statement types)."""
    return _statements(sql) is not None


def policy_check(sql: str) -> tuple[str | None, str]:
    """(the query to run or None, "ok" | "rejected" | "error") without touching a database.

    "rejected": parsed, but not exactly one query statement. "error": DuckDB cannot parse it.
    """
    query = check_statement(sql)
    if query is not None:
        return query, "ok"
    return None, ("rejected" if parses(sql) else "error")


def _wrap(query: str, max_rows: int) -> str | None:
    """The query as a subquery under LIMIT max_rows + 1, or None when it escapes its parentheses
    (``SELECT 1) AS x; DROP TABLE orders; SELECT (1``)."""
    wrapped = f"SELECT * FROM (\n{query}\n) AS sandboxed_query LIMIT {int(max_rows) + 1}"
    statements = _statements(wrapped)
    if not statements or len(statements) != 1 or statements[0].type not in _QUERY_TYPES:
        return None
    return wrapped


# ---------------------------------------------------------------------------------------------
# Health: counters for the audit and the training log


class _Health:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.statuses = {s: 0 for s in STATUSES}
            self.kills = 0          # workers killed at the wall-clock deadline
            self.deaths = 0         # workers that died during a query (under their rlimits, or killed)
            self.idle_deaths = 0    # workers found dead before their query started (replaced; retried once)
            self.starts = 0         # workers started
            self.start_failures = 0
            self.gold_failures = 0
            self.budget_cuts = 0    # queries a batch's time budget ended before their own limits did
            self.last_error = ""

    def add(self, key: str, n: int = 1, message: str = "") -> None:
        with self._lock:
            if key in self.statuses:
                self.statuses[key] += n
            else:
                setattr(self, key, getattr(self, key) + n)
            if message:
                self.last_error = message

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            infra = (self.statuses["unavailable"] + self.gold_failures + self.start_failures + self.idle_deaths
                     + STORE.failures + STORE.rebuilds)
            return {
                "errors": infra,
                "statuses": dict(self.statuses),
                "gold_failures": self.gold_failures,
                "worker_starts": self.starts,
                "worker_start_failures": self.start_failures,
                "worker_kills": self.kills,
                "worker_deaths": self.deaths,
                "worker_idle_deaths": self.idle_deaths,
                "budget_cuts": self.budget_cuts,
                "snapshot_builds": STORE.builds,
                "snapshot_rebuilds": STORE.rebuilds,
                "snapshot_failures": STORE.failures,
                "last_error": self.last_error,
            }


_HEALTH = _Health()


class SandboxError(RuntimeError):
    """A failure of the sandbox itself or of a gold query (recorded in tasklib.errors)."""


def health() -> dict[str, Any]:
    """This process's sandbox counters since start (or ``reset_health``).

    ``errors`` counts failures that are not the model's: "unavailable" outcomes (a batch's time
    budget cutting a query short is one, also counted in ``budget_cuts``), gold queries that did
    not return a complete result, workers that failed to start or were found dead before their
    query started (``worker_idle_deaths``: killed by the OOM killer or anything else while idle),
    snapshots that failed to build or were found changed (planted or corrupt) and rebuilt.
    Anything above 0 means the SQL reward was not measuring what it should; the audit fails on
    it. ``statuses`` counts outcomes.
    """
    return _HEALTH.as_dict()


def reset_health() -> None:
    """Zero the counters (tests; a fresh run in the same process)."""
    _HEALTH.reset()
    STORE.builds = STORE.rebuilds = STORE.failures = 0


def _infra_failure(message: str) -> None:
    _HEALTH.add("unavailable", message=message)
    errors.record("sql_qa", SandboxError(message))


# ---------------------------------------------------------------------------------------------
# Batches: one wall-clock budget for the queries of one reward batch


@dataclass(frozen=True)
class _Batch:
    deadline: float
    budget_s: float
    workers: int
    grown: set = field(default_factory=set)  # ids of the pools already grown to ``workers``


_BATCH: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("sql_sandbox_batch", default=None)


@contextlib.contextmanager
def batch(*, workers: int, budget_s: float) -> Iterator[None]:
    """Run the queries issued inside (from this thread, or from threads running a copy of its
    ``contextvars`` context) as one batch: the pool grows to ``workers`` processes at the batch's
    first query (started together, ~0.3 s, then kept), and all of them share one wall-clock
    budget of ``budget_s`` from now. A query still waiting for a worker when the budget ends is
    not started, one still running is killed: both are "unavailable" (counted in
    ``health()["budget_cuts"]`` and ``errors``), since their own limits did not decide them. Each
    query's ``timeout_s`` counts from when its worker receives it, never from the batch's start.
    Gold queries (``run_gold``) ignore the budget.
    """
    if workers < 1 or not budget_s > 0:
        raise ValueError(f"sql sandbox batch: workers >= 1 and budget_s > 0 needed, got {workers}, {budget_s}")
    token = _BATCH.set(_Batch(time.monotonic() + budget_s, float(budget_s), int(workers)))
    try:
        yield
    finally:
        _BATCH.reset(token)


# ---------------------------------------------------------------------------------------------
# Workers


def _readable(fd: int, timeout_s: float) -> bool:
    # poll, not select: a trainer holds many files and select() cannot wait on fds above 1023.
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(poller.poll(max(0, int(timeout_s * 1000 + 0.999))))


class _Worker:
    """One ``sql_worker`` process and its pipes."""

    def __init__(self, snapshot: Path, memory_mb: int):
        self.proc = subprocess.Popen(
            [sys.executable, "-I", _WORKER_SCRIPT, str(snapshot), str(int(memory_mb))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True, bufsize=0,
        )
        self.ready = False
        self._buffer = b""
        _HEALTH.add("starts")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _read_line(self, deadline: float, max_bytes: int) -> bytes | None | str:
        """The next line; None at EOF; "timeout" past the deadline; "limit" past max_bytes."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            if not _readable(fd, left):
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
            if len(self._buffer) > max_bytes:
                return "limit"
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def answered(self) -> bool:
        """Whether the worker has written something (its ready line) that is not read yet."""
        if self._buffer:
            return True
        return _readable(self.proc.stdout.fileno(), 0)

    def start(self, deadline: float) -> str | None:
        """Wait (until ``deadline``) for the worker's ready line; None when ready, "timeout" when
        the deadline came first, else why it will not start."""
        line = self._read_line(deadline, 1 << 16)
        if line == "timeout":
            return "timeout"
        if not isinstance(line, bytes):
            return f"worker did not start ({line or 'exited'})"
        answer = json.loads(line)
        if not answer.get("ready"):
            return answer.get("message", "worker did not start")
        self.ready = True
        return None

    def ask(self, request: dict, deadline: float, max_bytes: int) -> dict | str | None:
        """Send one query; the answer dict, "unstarted" (dead before it read the query), "timeout",
        "limit" (answer too big) or None (died during the query, or garbled)."""
        data = (json.dumps(request) + "\n").encode()
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.proc.stdin.fileno(), view):]
        except (BrokenPipeError, OSError):
            return "unstarted"
        ack = self._read_line(deadline, 1 << 16)
        if ack is None:
            return "unstarted"
        if not isinstance(ack, bytes):
            return ack
        if ack != _STARTED:
            return None
        line = self._read_line(deadline, max_bytes)
        if not isinstance(line, bytes):
            return line
        try:
            return json.loads(line)
        except ValueError:  # garbled: treat the worker as dead
            return None

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self.close()

    def close(self) -> int | None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            return self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


class _Pool:
    """Workers for one snapshot: reused while healthy, checked alive before use, replaced at once
    after a kill or death. Holds at most ``capacity`` workers (MAX_WORKERS, or a batch's more)."""

    def __init__(self, snapshot: Snapshot, memory_mb: int):
        self.snapshot = snapshot
        self.memory_mb = memory_mb
        self.capacity = MAX_WORKERS
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._total = 0
        self._closed = False

    def acquire(self, deadline: float | None) -> _Worker | None:
        """A live worker for one query (a started one when there is, else the one started
        earliest); None when ``deadline`` passes first. Dead idle workers found on the way are
        counted and replaced."""
        while True:
            with self._cond:
                while not self._idle and self._total >= self.capacity:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return None
                    self._cond.wait(left)
                if self._idle:
                    ready = [w for w in self._idle if w.ready or w.answered()]
                    worker = ready[-1] if ready else self._idle[0]
                    self._idle.remove(worker)
                else:
                    worker = None
                    self._total += 1
            if worker is None:
                try:
                    return self._spawn()
                except BaseException:
                    with self._cond:
                        self._total -= 1
                        self._cond.notify()
                    raise
            if worker.alive():
                return worker
            self._buried(worker)

    def _buried(self, worker: _Worker) -> None:
        """Count a worker found dead while idle and put a fresh one in its place."""
        code = worker.close()
        _HEALTH.add("idle_deaths", message=f"sql worker {worker.proc.pid} found dead while idle (exit status "
                                           f"{code}); replaced")
        log.error("sql sandbox: %s", _HEALTH.last_error)
        self.release(worker, alive=False)

    def _spawn(self) -> _Worker:
        # "Verified before use": each worker start re-hashes the snapshot it opens.
        if not STORE.verify(self.snapshot):
            raise SnapshotError(f"snapshot {self.snapshot.path} changed since it was built")
        return _Worker(self.snapshot.path, self.memory_mb)

    def release(self, worker: _Worker, *, alive: bool) -> None:
        """Return a worker after a query; a dead one is replaced at once (it loads while the
        caller scores, and a spare answers the next call meanwhile)."""
        if not alive:
            try:
                replacement = self._spawn()
            except Exception:
                replacement = None
            with self._cond:
                if replacement is not None and not self._closed:
                    self._idle.append(replacement)
                else:
                    self._total -= 1
                self._cond.notify()
            if replacement is not None and self._closed:
                replacement.kill()
            return
        with self._cond:
            if self._closed:
                closing = True
            else:
                closing = False
                self._idle.append(worker)
                want_spare = len(self._idle) < 2 and self._total < min(SPARE_WORKERS + 1, self.capacity)
                if want_spare:
                    self._total += 1
            self._cond.notify()
        if closing:
            worker.close()
            return
        if want_spare:  # the first worker gets a spare, so that a query right after a kill finds one
            try:
                spare = self._spawn()
            except Exception:
                with self._cond:
                    self._total -= 1
                return
            with self._cond:
                self._idle.append(spare)
                self._cond.notify()

    def grow(self, n: int) -> list[_Worker]:
        """Raise the capacity to ``n`` and start workers until ``n`` exist (dead idle ones are
        replaced first); returns the started ones, already idle in the pool, not waited for."""
        with self._cond:
            self.capacity = max(self.capacity, n)
            dead = [w for w in self._idle if not w.alive()]
            for worker in dead:
                self._idle.remove(worker)
        for worker in dead:
            self._buried(worker)
        with self._cond:
            missing = max(0, n - self._total)
            self._total += missing
        started = []
        try:
            for _ in range(missing):
                started.append(self._spawn())
        finally:
            with self._cond:
                self._total -= missing - len(started)
                self._idle.extend(started)
                self._cond.notify_all()
        return started

    def prestart(self, n: int) -> None:
        """Start workers until ``n`` exist, and wait for them to be ready."""
        for worker in self.grow(n):
            with self._cond:
                if worker not in self._idle:
                    continue  # already taken by a query, which waits for it itself
                self._idle.remove(worker)
            reason = worker.start(time.monotonic() + STARTUP_TIMEOUT_S)
            if reason is not None:
                worker.kill()
                _HEALTH.add("start_failures", message=reason)
                self.release(worker, alive=False)
            else:
                self.release(worker, alive=True)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


_POOLS: dict[tuple, _Pool] = {}
_POOLS_LOCK = threading.Lock()


def _pool(snapshot: Snapshot, memory_mb: int) -> _Pool:
    key = (str(snapshot.source), memory_mb)
    stale = None
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None or pool.snapshot is not snapshot:
            stale, pool = pool, _Pool(snapshot, memory_mb)
            _POOLS[key] = pool
    if stale is not None:
        stale.close()
    return pool


def _forget_pools_in_child() -> None:
    # A forked child must not talk to its parent's workers (their pipes are shared): it starts its
    # own on first use. Dropping the references closes only the child's copies of the pipes.
    global _POOLS_LOCK
    _POOLS.clear()
    _POOLS_LOCK = threading.Lock()
    _HEALTH._lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_pools_in_child)


@atexit.register
def close_pools() -> None:
    """Stop this process's workers (they also exit on their own when this process dies)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.close()


def _died(worker: _Worker) -> SqlOutcome:
    code = worker.proc.poll()
    if code is None:  # alive but its answer was garbled
        worker.kill()
    code = worker.close()
    _HEALTH.add("deaths")
    if code == -signal.SIGXCPU:
        return SqlOutcome("timeout", message="worker exceeded its CPU-time limit")
    return SqlOutcome("limit", message=f"worker died under its limits (exit status {code})")


def _budget_cut(batch: _Batch, what: str) -> SqlOutcome:
    _HEALTH.add("budget_cuts")
    return SqlOutcome("unavailable", message=f"the batch's time budget of {batch.budget_s:g} s ran out {what}")


def _execute(snapshot: Snapshot, query: str, *, timeout_s: float, max_rows: int, max_bytes: int,
             memory_mb: int) -> SqlOutcome:
    pool = _pool(snapshot, memory_mb)
    batch_ = _BATCH.get()
    if batch_ is not None and id(pool) not in batch_.grown:
        batch_.grown.add(id(pool))
        pool.grow(batch_.workers)  # once per batch: start the missing workers together
    budget = None if batch_ is None else batch_.deadline
    request = {"sql": query, "timeout_s": timeout_s, "max_rows": max_rows, "max_bytes": max_bytes}
    for _ in range(2):  # a second try only when the worker was dead before it read the query
        worker = pool.acquire(budget)
        if worker is None:
            return _budget_cut(batch_, "before a worker was free")
        if not worker.ready:
            own = time.monotonic() + STARTUP_TIMEOUT_S
            reason = worker.start(own if budget is None else min(own, budget))
            if reason == "timeout" and budget is not None and budget < own:
                pool.release(worker, alive=True)  # still starting: the next query gets it
                return _budget_cut(batch_, "while its worker was starting")
            if reason is not None:
                worker.kill()
                pool.release(worker, alive=False)
                _HEALTH.add("start_failures", message=reason)
                raise SandboxError(f"sql worker for {snapshot.path}: {reason}")
        # The query's own limit counts from here: the wait for a worker is not its time.
        own = time.monotonic() + timeout_s + KILL_GRACE_S
        # JSON escapes can take 6 bytes per character of cell text; the worker enforces max_bytes itself.
        answer = worker.ask(request, own if budget is None else min(own, budget), 6 * max_bytes + (1 << 16))
        if answer == "unstarted":
            code = worker.close()
            _HEALTH.add("idle_deaths", message=f"sql worker {worker.proc.pid} was dead before the query started "
                                               f"(exit status {code}); retried on a fresh one")
            log.error("sql sandbox: %s", _HEALTH.last_error)
            pool.release(worker, alive=False)
            continue
        break
    else:
        return SqlOutcome("unavailable", message="two sql workers in a row were dead before the query started")
    if answer == "timeout":
        worker.kill()
        _HEALTH.add("kills")
        pool.release(worker, alive=False)
        if budget is not None and budget < own:
            return _budget_cut(batch_, "while the query ran")
        return SqlOutcome("timeout", message=f"killed after {timeout_s + KILL_GRACE_S:.2f} s")
    if answer == "limit":
        worker.kill()
        pool.release(worker, alive=False)
        return SqlOutcome("limit", message=f"result larger than {max_bytes} bytes")
    if answer is None:
        outcome = _died(worker)
        pool.release(worker, alive=False)
        return outcome
    if answer.get("recycle"):
        worker.close()
        pool.release(worker, alive=False)
    else:
        pool.release(worker, alive=True)
    if answer["status"] != "ok":
        return SqlOutcome(answer["status"], message=answer.get("message", ""))
    return SqlOutcome("ok", rows=[tuple(row) for row in answer["rows"]], columns=answer["columns"],
                      truncated=bool(answer["truncated"]))


def _snapshot(db) -> Snapshot | str:
    try:
        return STORE.get(db)
    except (SnapshotError, OSError) as exc:
        return f"sql sandbox: no usable snapshot of {db}: {exc}"


def run_select(db: str | os.PathLike, sql: str, *, timeout_s: float, max_rows: int,
               max_bytes: int | None = None, memory_mb: int | None = None) -> SqlOutcome:
    """Execute one read-only query in a sandbox worker; never raises.

    The query runs for at most ``timeout_s`` (plus KILL_GRACE_S for the kill) from when its worker
    receives it. Before that it may wait for a free worker (at most MAX_WORKERS run at once, or a
    batch's ``workers``) and, after a kill, for a worker to start (~0.2 s); inside ``batch()`` the
    whole wait ends with the batch's budget. ``max_bytes`` caps the result's cell text (default
    MAX_RESULT_BYTES), ``memory_mb`` the worker's extra address space (default MEMORY_MB). See
    SqlOutcome for the statuses.
    """
    query, status = policy_check(sql)
    if query is None:
        outcome = SqlOutcome(status, message="not exactly one query statement" if status == "rejected"
                             else "DuckDB cannot parse it")
        _HEALTH.add(outcome.status)
        return outcome
    wrapped = _wrap(query, max_rows)
    if wrapped is None:
        _HEALTH.add("rejected")
        return SqlOutcome("rejected", message="query does not nest as a subquery")
    limits = {"timeout_s": float(timeout_s), "max_rows": int(max_rows),
              "max_bytes": int(max_bytes or MAX_RESULT_BYTES), "memory_mb": int(memory_mb or MEMORY_MB)}
    for attempt in (1, 2):  # a second try only when the snapshot was found changed and rebuilt
        snapshot = _snapshot(db)
        if isinstance(snapshot, str):
            _infra_failure(snapshot)
            log.error("%s", snapshot)
            return SqlOutcome("unavailable", message=snapshot)
        try:
            outcome = _execute(snapshot, wrapped, **limits)
        except SnapshotError as exc:
            STORE.invalidate(snapshot, str(exc))
            if attempt == 1:
                continue
            outcome = SqlOutcome("unavailable", message=str(exc))
        except Exception as exc:  # SandboxError, OSError, or a bug here: never the model's fault
            outcome = SqlOutcome("unavailable", message=f"{type(exc).__name__}: {exc}")
        if outcome.status == "unavailable":
            _infra_failure(outcome.message)
            log.error("sql sandbox: %s", outcome.message)
        else:
            _HEALTH.add(outcome.status)
        return outcome
    raise AssertionError("unreachable")


def run_gold(db: str | os.PathLike, sql: str, *, timeout_s: float, max_rows: int, **limits) -> SqlOutcome:
    """``run_select`` for a gold query: anything but a complete "ok" result is a counted failure.

    A gold query is ours and ran when the pairs were built; if it fails now the sandbox or the
    database is broken, and every completion it would score gets a wrong reward. It is never cut
    by a batch's budget (it runs once per query and database, then the scorer caches it).
    """
    token = _BATCH.set(None)
    try:
        outcome = run_select(db, sql, timeout_s=timeout_s, max_rows=max_rows, **limits)
    finally:
        _BATCH.reset(token)
    if outcome.status != "ok" or outcome.truncated:
        message = (f"gold query failed ({outcome.status}{', truncated' if outcome.truncated else ''}: "
                   f"{outcome.message}): {sql[:200]}")
        _HEALTH.add("gold_failures", message=message)
        errors.record("sql_qa", SandboxError(message))
        log.error("sql sandbox: %s", message)
    return outcome


def prestart(db: str | os.PathLike, workers: int = 1, *, memory_mb: int | None = None) -> None:
    """Build the snapshot and start ``workers`` workers now (e.g. before concurrent scoring)."""
    snapshot = STORE.get(db)
    _pool(snapshot, int(memory_mb or MEMORY_MB)).prestart(workers)


# ---------------------------------------------------------------------------------------------
# Self-check for the audit

# Each probe must come back with the given status within timeout + 1 s.
_PROBES = {
    "memory": ("SELECT length(repeat('x', 2000000000)) AS n", "limit"),
    # A streaming scan of 10^12 rows: no memory to speak of, so only DuckDB's interrupt stops it (a
    # cross join of two ranges hits the memory cap first and would test "limit" twice).
    "interruptible_loop": ("SELECT sum(x) FROM range(1000000000000) t(x)", "timeout"),
    # DuckDB cannot interrupt this one (~30 s under the memory cap): only the kill stops it.
    "uninterruptible_function": ("SELECT length(lpad('x', 2000000000, 'y')) AS n", "timeout"),
    "file_read": ("SELECT * FROM read_text('/etc/hostname')", "rejected"),
    "write": ("DELETE FROM orders", "rejected"),
}


def self_check(db: str | os.PathLike, *, timeout_s: float = 1.0) -> dict[str, Any]:
    """Prove the sandbox works on ``db``: every table's row count through the sandbox equals a
    direct read-only count, hostile probes end with their expected status in time, and no sandbox
    error has been counted. Returns {"passed", "checks": [{"name", "passed", "detail"}], "health"}.
    """
    from commerce_grpo.data.db import CommerceDbError, connect_read_only

    checks = []

    def check(name: str, passed: bool, detail: str) -> None:
        checks.append({"name": name, "passed": bool(passed), "detail": detail})

    try:
        con = connect_read_only(db)
        try:
            tables = [r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'commerce' "
                "AND table_schema = 'main' ORDER BY 1").fetchall()]
            direct = {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        finally:
            con.close()
    except CommerceDbError as exc:
        check("database", False, str(exc))
        return {"passed": False, "checks": checks, "health": health()}
    check("database", bool(tables), f"{len(tables)} tables and views")
    for table, count in direct.items():
        out = run_gold(db, f'SELECT COUNT(*) FROM "{table}"', timeout_s=max(timeout_s, 5.0), max_rows=1)
        check(f"rows:{table}", out.status == "ok" and out.rows == [(float(count),)],
              f"sandbox {out.status} {out.rows[:1]} vs direct {count}")
    for name, (sql, expected) in _PROBES.items():
        start = time.perf_counter()
        out = run_select(db, sql, timeout_s=timeout_s, max_rows=10)
        elapsed = time.perf_counter() - start
        check(f"probe:{name}", out.status == expected and elapsed <= timeout_s + 1.0,
              f"{out.status} (expected {expected}) in {elapsed:.2f} s")
    state = health()
    check("no_sandbox_errors", state["errors"] == 0, f"errors={state['errors']} {state['last_error']}")
    return {"passed": all(c["passed"] for c in checks), "checks": checks, "health": state}
