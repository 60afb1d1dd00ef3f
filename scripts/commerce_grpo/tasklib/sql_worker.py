"""The process that executes completions' SQL, one query at a time, under hard limits.

DuckDB neither interrupts nor counts against ``memory_limit`` a single huge function result:
``SELECT length(lpad('x', 2000000000, 'y'))`` ran 50 s and took 3.9 GB inside the trainer's own
process. So queries run here, in a separate process that the scoring side can kill
(L-reward-spec: a reward must never be able to stall or kill a run). Limits, innermost first:

- DuckDB itself: read-only connection, ``enable_external_access=false`` (no file, URL or
  extension access), extension autoload/autoinstall off, no spilling, one thread,
  ``lock_configuration=true`` (no SET can undo any of it). This is the security boundary.
- ``RLIMIT_AS``: the address space may grow by ``memory_mb`` over what the idle worker holds; an
  allocation beyond it fails (DuckDB reports "Out of Memory", status ``limit``).
- ``RLIMIT_CPU``: re-armed before every query at the CPU time used so far plus the timeout (+1 s);
  the kernel ends a query that the other limits missed even if the scoring side is gone.
- A watchdog thread interrupts the query at ``timeout_s`` (status ``timeout``; the worker lives on).
- Results stop at ``max_rows`` rows and ``max_bytes`` bytes of cell text.
The scoring side (``sql_sandbox``) kills the worker outright at ``timeout_s`` plus a grace period.

Protocol: one JSON object per line on stdin (``sql``, ``timeout_s``, ``max_rows``, ``max_bytes``);
for each, two lines on stdout: ``{"started": true}`` as soon as it is read (so the scoring side
knows a worker that dies before this line never ran the query, and retries it elsewhere), then the
answer (``status``, ``rows``, ``columns``, ``truncated``, ``message``; ``recycle`` when the worker
exits after answering). The first line out says whether it is ready.
Standard library and duckdb only, so that it starts in ~0.2 s: run as
``python -I sql_worker.py SNAPSHOT MEMORY_MB`` (isolated: this folder is not on ``sys.path``, where
``numbers.py`` would shadow the standard library's).
"""
from __future__ import annotations

import json
import math
import resource
import sys
import threading
import time as clock
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

SANDBOX_CONFIG = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "threads": 1,
    "temp_directory": "",  # no spilling: a query that needs more memory fails with status "limit"
    "lock_configuration": True,
}
# Rows fetched from DuckDB at a time while counting the result's size.
_FETCH_ROWS = 256
# Address space a worker may keep after a query that hit the memory cap before it is replaced.
_RECYCLE_GROWTH = 64 << 20


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


def _cell_bytes(value: Any) -> int:
    return len(value) if isinstance(value, str) else 8


def _address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0  # not Linux: RLIMIT_AS is then set from zero (still a cap, only tighter)


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


class Watchdog:
    """One thread that interrupts the running query at its deadline (a Timer per query would cost
    a thread start, most of a small query's time)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._cursor: Any = None
        self._deadline: float | None = None
        threading.Thread(target=self._loop, name="sql-worker-watchdog", daemon=True).start()

    def watch(self, cursor: Any, timeout_s: float) -> None:
        with self._cond:
            self._cursor, self._deadline = cursor, clock.monotonic() + timeout_s
            self._cond.notify()

    def done(self) -> None:
        with self._cond:
            self._cursor = self._deadline = None

    def _loop(self) -> None:
        with self._cond:
            while True:
                if self._deadline is None:
                    self._cond.wait()
                    continue
                left = self._deadline - clock.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                try:
                    self._cursor.interrupt()
                except Exception:  # the query finished in the meantime: nothing to stop
                    pass
                self._cursor = self._deadline = None


class Worker:
    def __init__(self, snapshot: str, memory_mb: int):
        import duckdb

        self.duckdb = duckdb
        self.watchdog = Watchdog()
        config = dict(SANDBOX_CONFIG, memory_limit=f"{max(64, memory_mb // 2)}MB")
        self.con = duckdb.connect(snapshot, read_only=True, config=config)
        self.con.execute("SELECT 1").fetchall()
        self.memory_bytes = memory_mb << 20
        self.base_address_space = _address_space()

    def _arm_limits(self, timeout_s: float) -> None:
        # The soft limits only; the hard ones stay where they were so that each query can re-arm.
        _, hard_as = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (self.base_address_space + self.memory_bytes, hard_as))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = math.ceil(usage.ru_utime + usage.ru_stime)
        _, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
        soft_cpu = used + math.ceil(timeout_s) + 1
        if hard_cpu != resource.RLIM_INFINITY:
            soft_cpu = min(soft_cpu, hard_cpu)
        resource.setrlimit(resource.RLIMIT_CPU, (soft_cpu, hard_cpu))

    def run(self, sql: str, timeout_s: float, max_rows: int, max_bytes: int) -> dict:
        duckdb = self.duckdb
        self._arm_limits(timeout_s)
        cursor = self.con.cursor()
        self.watchdog.watch(cursor, timeout_s)
        try:
            result = cursor.execute(sql)
            columns = [d[0] for d in result.description or []]
            rows, size, truncated = [], 0, False
            while not truncated:
                chunk = result.fetchmany(_FETCH_ROWS)
                if not chunk:
                    break
                for row in chunk:
                    if len(rows) == max_rows:
                        truncated = True
                        break
                    cells = [normalize_value(v) for v in row]
                    size += sum(_cell_bytes(v) for v in cells)
                    if size > max_bytes:
                        return {"status": "limit", "message": f"result larger than {max_bytes} bytes"}
                    rows.append(cells)
        except duckdb.InterruptException:
            return {"status": "timeout", "message": f"interrupted after {timeout_s} s"}
        except (duckdb.OutOfMemoryException, MemoryError) as exc:
            # The allocator may keep part of the failed query's address space, which would shrink
            # the next query's allowance: start afresh then (a failed huge allocation keeps none).
            grown = _address_space() - self.base_address_space > _RECYCLE_GROWTH
            return {"status": "limit", "message": _first_line(exc), "recycle": grown}
        except duckdb.PermissionException as exc:
            return {"status": "rejected", "message": _first_line(exc)}
        except Exception as exc:
            return {"status": "error", "message": _first_line(exc)}
        finally:
            self.watchdog.done()
            cursor.close()
        return {"status": "ok", "columns": columns, "rows": rows, "truncated": truncated}


def _send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    snapshot, memory_mb = argv[1], int(argv[2])
    try:
        worker = Worker(snapshot, memory_mb)
    except Exception as exc:
        _send({"ready": False, "message": f"cannot open {snapshot}: {_first_line(exc)}"})
        return 1
    _send({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        _send({"started": True})
        try:
            answer = worker.run(request["sql"], float(request["timeout_s"]), int(request["max_rows"]),
                                int(request["max_bytes"]))
        except MemoryError:
            answer = {"status": "limit", "message": "out of memory", "recycle": True}
        try:
            _send(answer)
        except MemoryError:
            _send({"status": "limit", "message": "out of memory", "recycle": True})
            return 0
        if answer.get("recycle"):
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
