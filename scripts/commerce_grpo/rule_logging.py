"""Route a rule script's stderr and logging into the rule's `log:` file, one section per attempt."""
import logging
import os
import socket
import sys
from datetime import datetime, timezone
from pathlib import Path


def attempt_header(snakemake) -> str:
    """The line that opens one attempt's section of a rule log: rule, UTC time, host, pid."""
    rule = getattr(snakemake, "rule", None) or "job"
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return f"===== {rule}: attempt started {stamp} on {socket.gethostname()} (pid {os.getpid()}) ====="


def log_to_rule_file(snakemake) -> None:
    """Send stderr (tracebacks included), stdout and INFO logging to ``snakemake.log[0]``.

    Snakemake points at the log file when a job fails, so the traceback must land there; the
    trainers print their progress dicts to stdout, which would otherwise interleave with
    Snakemake's own output when jobs run in parallel. The file is appended to, under a
    timestamped header per attempt: a rerun after a kill (L-seeds: a VM died mid-run) keeps the
    failed attempt's evidence instead of overwriting it.
    """
    path = Path(snakemake.log[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    stream = open(path, "a", buffering=1, encoding="utf-8")
    if stream.tell() > 0:
        stream.write("\n")
    stream.write(attempt_header(snakemake) + "\n")
    sys.stderr = sys.stdout = stream
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
