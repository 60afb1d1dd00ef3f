"""Reruns after a kill: Snakemake's directory locks of a dead run are removed, a live run's never.

Snakemake locks the working directory with files under ``.snakemake/locks/`` that name the files
a run reads and writes, and removes them when the run ends. A run killed outright (``kill -9``,
the OOM killer, a lost login node) never does, and the files do not say who wrote them: every
rerun then stopped with "Directory cannot be locked" until ``snakemake --unlock``, an option that
removes a live run's locks just as readily (Snakemake 9.27, ``persistence/file.py``).

So each Snakemake main process of this workflow holds a shared ``flock`` on
``.snakemake/commerce_grpo.alive`` from when it reads the Snakefile until it exits; the kernel
releases it however the process ends. A process that can take that lock *exclusively* knows that
no run of this workflow is alive in the directory: the Snakemake locks it finds are a dead run's,
and it removes them as ``--unlock`` would (the whole ``.snakemake/locks`` folder). A live run's
shared lock blocks the exclusive one, so its locks are left to Snakemake, which refuses the second
run as before. Jobs on a cluster read the Snakefile too; only the main process takes part.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

ALIVE_FILE = "commerce_grpo.alive"
LOCKS_DIR = "locks"  # Snakemake's file-persistence lock folder under .snakemake/

_HELD: list[int] = []  # this process's lock descriptor, kept open for the process's life


def claim_workdir(workdir: str | os.PathLike = ".") -> list[str]:
    """Hold this run's shared lock on ``workdir`` and, if no other run holds one, remove the
    Snakemake locks a dead run left there; returns the lock files removed."""
    dot = Path(workdir) / ".snakemake"
    dot.mkdir(exist_ok=True)
    fd = os.open(dot / ALIVE_FILE, os.O_CREAT | os.O_RDWR, 0o644)
    removed: list[str] = []
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pass  # another run is alive here: its locks are Snakemake's to enforce
    else:
        locks = dot / LOCKS_DIR
        if locks.is_dir():
            removed = sorted(str(p) for p in locks.iterdir())
            shutil.rmtree(locks)
    fcntl.flock(fd, fcntl.LOCK_SH)
    _HELD.append(fd)
    return removed
