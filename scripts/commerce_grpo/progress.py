"""Progress lines for long loops: step, rate and ETA at a steady cadence, to the log and the terminal.

A rule's output goes to its log file (``rule_logging``), so a terminal showed "Execute 1 jobs..."
for minutes. These lines go to both: the rule log (``sys.stderr`` there) and the terminal
Snakemake runs in (the process's original stderr).
"""
from __future__ import annotations

import sys
import time

EVERY_S = 15.0  # seconds between two lines; the first and the last step are always shown


class Progress:
    """``update(step)`` after each step; prints ``label: step 40/120 (33%), 2.1 steps/s, ETA 38 s``."""

    def __init__(self, label: str, total: int, *, start: int = 0, every_s: float = EVERY_S, clock=time.monotonic):
        self.label, self.total, self.start, self.every_s, self.clock = label, total, start, every_s, clock
        self.started = self.last = clock()
        self.shown_step = None

    def begin(self, note: str = "") -> None:
        """Announce the loop (``note``: e.g. the thread count) before its first step."""
        done = f", resuming at step {self.start}" if self.start else ""
        emit(f"{self.label}: {self.total} steps{done}{', ' + note if note else ''}")

    def update(self, step: int) -> None:
        now = self.clock()
        first = self.shown_step is None
        if first or step >= self.total or now - self.last >= self.every_s:
            self.last, self.shown_step = now, step
            emit(self.line(step, now))

    def line(self, step: int, now: float) -> str:
        elapsed = now - self.started
        done = step - self.start
        rate = done / elapsed if elapsed > 0 and done > 0 else 0.0
        percent = 100 * step / self.total if self.total else 100
        eta = f"ETA {_duration((self.total - step) / rate)}" if rate and step < self.total else (
            "done" if step >= self.total else "ETA ?")
        speed = f"{rate:.2f} steps/s" if rate >= 0.1 or not rate else f"{1 / rate:.1f} s/step"
        return (f"{self.label}: step {step}/{self.total} ({percent:.0f}%), {speed}, "
                f"elapsed {_duration(elapsed)}, {eta}")


def emit(line: str) -> None:
    """``line`` to the rule log (sys.stderr) and, when stderr was redirected there, to the terminal."""
    stamped = f"[{time.strftime('%H:%M:%S')}] {line}"
    print(stamped, file=sys.stderr, flush=True)
    terminal = sys.__stderr__
    if terminal is not None and terminal is not sys.stderr:
        print(stamped, file=terminal, flush=True)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
