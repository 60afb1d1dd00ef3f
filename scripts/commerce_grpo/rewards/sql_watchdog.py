"""One timer thread per process that interrupts sandboxed queries at their deadline.

A ``threading.Timer`` per query costs a thread start (~1 ms, most of a small query's time); a
single watchdog costs a lock. A forked child gets fresh state (threads do not survive a fork)
and starts its own thread on first use.
"""
from __future__ import annotations

import itertools
import os
import threading
import time
from typing import Any


class Watchdog:
    def __init__(self):
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._pending: dict[int, tuple[float, Any]] = {}
        self._ids = itertools.count()
        self._started = False

    def watch(self, cursor: Any, timeout_s: float) -> int:
        """Interrupt ``cursor`` in ``timeout_s`` seconds unless ``done(token)`` comes first."""
        with self._cond:
            if not self._started:
                threading.Thread(target=self._run, args=(self._cond, self._pending),
                                 name="sql-sandbox-watchdog", daemon=True).start()
                self._started = True
            token = next(self._ids)
            self._pending[token] = (time.monotonic() + timeout_s, cursor)
            self._cond.notify()
            return token

    def done(self, token: int) -> None:
        with self._cond:
            self._pending.pop(token, None)

    @staticmethod
    def _run(cond: threading.Condition, pending: dict) -> None:
        with cond:
            while True:
                if not pending:
                    cond.wait()
                    continue
                now = time.monotonic()
                for token in [t for t, (deadline, _) in pending.items() if deadline <= now]:
                    _interrupt(pending.pop(token)[1])
                if pending:
                    cond.wait(min(deadline for deadline, _ in pending.values()) - now)


def _interrupt(cursor: Any) -> None:
    # A function of its own so that the waiting loop keeps no reference to the cursor (a cursor
    # alive at interpreter exit makes DuckDB's bindings report leaks).
    try:
        cursor.interrupt()
    except Exception:  # the cursor closed in the meantime: nothing to stop
        pass


WATCHDOG = Watchdog()
