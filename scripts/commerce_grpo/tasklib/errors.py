"""Counts reward functions that raised, so a bug costs a logged zero, never a 22-hour run.

Training reads ``count()`` / ``snapshot()`` and logs them every step: a reward function that
throws must not kill a run; it scores 0 and the error is counted and logged.
"""
from __future__ import annotations

import logging
import threading
from collections import Counter

log = logging.getLogger(__name__)

_COUNTS: Counter[str] = Counter()
_LOCK = threading.Lock()
# The first few tracebacks per task are logged in full; after that only the counter grows.
_LOGGED_TRACEBACKS = 5


def record(task: str, exc: BaseException, *, outcome: str = "scored 0") -> None:
    """Count one failure of ``task``'s reward and log it (full traceback for the first few);
    ``outcome`` says what the item got instead (the LLM judge gives no score, not a 0)."""
    with _LOCK:
        _COUNTS[task] += 1
        n = _COUNTS[task]
    if n <= _LOGGED_TRACEBACKS:
        log.warning("reward for task %r raised (%d so far); %s", task, n, outcome, exc_info=exc)


def count(task: str | None = None) -> int:
    """Failures so far for one task, or for all tasks when ``task`` is None."""
    with _LOCK:
        return _COUNTS[task] if task is not None else sum(_COUNTS.values())


def snapshot() -> dict[str, int]:
    """Failures per task so far (a copy), e.g. for ``log_metric('reward_errors/extraction', n)``."""
    with _LOCK:
        return dict(_COUNTS)


def reset() -> None:
    """Forget all counts (tests, or a fresh training run in the same process)."""
    with _LOCK:
        _COUNTS.clear()
