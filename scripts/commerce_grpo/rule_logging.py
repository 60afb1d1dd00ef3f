"""What every rule script does first: route its output into the rule's `log:` file (one section per
attempt), hold its libraries to the rule's `threads:`, show each library warning once, and leave
its outputs readable like any other file."""
import atexit
import logging
import os
import socket
import stat
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

# What numpy/torch (OpenMP, BLAS), tokenizers (Rayon) and numexpr read for their thread pools.
# Set before those libraries are imported, so a job uses exactly the threads Snakemake gave it.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "RAYON_NUM_THREADS")


def attempt_header(snakemake) -> str:
    """The line that opens one attempt's section of a rule log: rule, UTC time, host, pid, threads."""
    rule = getattr(snakemake, "rule", None) or "job"
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return (f"===== {rule}: attempt started {stamp} on {socket.gethostname()} (pid {os.getpid()}, "
            f"threads {snakemake.threads}) =====")


def log_to_rule_file(snakemake) -> None:
    """Send stderr (tracebacks included), stdout and INFO logging to ``snakemake.log[0]``.

    Snakemake points at the log file when a job fails, so the traceback must land there; the
    trainers print their progress dicts to stdout, which would otherwise interleave with
    Snakemake's own output when jobs run in parallel (``commerce_grpo.progress`` writes its short
    lines to the terminal as well). The file is appended to, under a timestamped header per
    attempt: a rerun after a kill (L-seeds: a VM died mid-run) keeps the failed attempt's evidence
    instead of overwriting it.
    """
    use_threads(snakemake.threads)
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
    show_warnings_once()
    atexit.register(readable_outputs, list(snakemake.output))


def use_threads(threads: int) -> None:
    """Hold every thread pool of the job to ``threads`` (the rule's `threads:`, as Snakemake scaled
    it to `--cores`): without it two model jobs side by side would each spread over every core."""
    os.environ.update({name: str(threads) for name in THREAD_VARIABLES})


def show_warnings_once() -> None:
    """Print each distinct warning (category, text, place) once per job.

    Python's own "once per place" memory is reset whenever a library enters
    ``warnings.catch_warnings()``; transformers does so around every generation, so one
    deprecation notice appeared eight times in each GRPO log.
    """
    shown = set()
    show = warnings.showwarning

    def show_once(message, category, filename, lineno, file=None, line=None):
        key = (category, str(message), filename, lineno)
        if key not in shown:
            shown.add(key)
            show(message, category, filename, lineno, file, line)

    warnings.showwarning = show_once


def readable_outputs(paths) -> None:
    """Give every file under ``paths`` the permissions the user's umask gives a new file.

    safetensors writes weights mode 600 whatever the umask, so a merged model or an adapter could
    not be read by the group that shares a results folder (issue 25).
    """
    umask = os.umask(0)
    os.umask(umask)
    wanted = 0o666 & ~umask
    for root in map(Path, paths):
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []
        for file in files:
            mode = stat.S_IMODE(file.stat().st_mode)
            if mode & wanted != wanted:
                file.chmod(mode | wanted)
