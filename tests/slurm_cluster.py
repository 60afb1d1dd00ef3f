"""A real single-node SLURM cluster for the workflow's SLURM tests, and SLURM's own record of the
jobs a run submitted (issue 7).

The cluster comes from .ci/slurm-setup.sh (Debian's slurm-wlm + munge, three fake GPUs, no
accounting database). What a run sent through sbatch is read back from slurmctld with
`scontrol show job`: the GPU request it carried, when it was submitted, started and ended.
Finished jobs stay there for MinJobAge (set by the setup script), long enough for a test run.

The daemons a test session starts are that session's to stop (``stop_daemons``, from the
``slurm_cluster`` fixture's finaliser in conftest.py): the suite once ended with slurmctld, slurmd
and munged still running. Daemons that were already up (a developer's, or CI's) are left alone.
"""
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SETUP_SCRIPT = REPO / ".ci" / "slurm-setup.sh"
# The plugin's comment on every job it submits: "rule_<rule>" or "rule_<rule>_wildcards_<values>".
_COMMENT = re.compile(r"rule_(?P<rule>[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*?)(?:_wildcards_(?P<wildcards>.+))?")


# Stopped in this order: the node daemon, the controller (it ends its slurmscriptd), then munge.
DAEMONS = ("slurmd", "slurmctld", "munged")


@dataclass(frozen=True)
class Daemon:
    """One daemon process, identified by pid and start time (a pid can be reused)."""

    name: str
    pid: int
    started: int  # clock ticks after boot (/proc/<pid>/stat field 22)

    def alive(self) -> bool:
        return _identity(self.pid) == (self.name, self.started)


def _identity(pid: int) -> tuple[str, int] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = stat[stat.index("(") + 1: stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] == "Z":  # exited, not yet reaped by its parent
        return None
    return name, int(fields[19])


def running_daemons() -> set[Daemon]:
    """The SLURM and munge daemons alive on this machine now."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            identity = _identity(int(entry.name))
            if identity is not None and identity[0] in DAEMONS:
                found.add(Daemon(identity[0], int(entry.name), identity[1]))
    return found


def stop_daemons(daemons: set[Daemon], timeout: float = 30.0) -> set[Daemon]:
    """SIGTERM each daemon still running (slurmd, slurmctld, munged in turn, each waited for);
    returns those still alive after ``timeout`` seconds each."""
    for name in DAEMONS:
        for daemon in sorted((d for d in daemons if d.name == name and d.alive()), key=lambda d: d.pid):
            try:
                os.kill(daemon.pid, signal.SIGTERM)
            except PermissionError:  # started through sudo by the setup script
                subprocess.run(["sudo", "-n", "kill", "-TERM", str(daemon.pid)], check=False, capture_output=True)
            except ProcessLookupError:
                continue
            deadline = time.monotonic() + timeout
            while daemon.alive() and time.monotonic() < deadline:
                time.sleep(0.1)
    return {d for d in daemons if d.alive()}


def start_cluster(timeout: int = 900) -> str | None:
    """Start (or find) the cluster; None when it is up, else the reason it cannot start."""
    try:
        proc = subprocess.run(["bash", str(SETUP_SCRIPT)], text=True, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"{SETUP_SCRIPT.name} did not finish in {timeout} s"
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return lines[-1] if lines else f"{SETUP_SCRIPT.name} exited {proc.returncode}"
    return None


@dataclass(frozen=True)
class SlurmJob:
    """One job as slurmctld recorded it."""

    job_id: int
    rule: str
    wildcards: str          # the plugin's wildcard string, e.g. "42" or "grpo_seed42"; "" if none
    state: str
    tres_per_job: str       # "gres:gpu:1" for `sbatch --gpus=1`, "" for none
    tres_per_node: str      # "gres:gpu:1" for `sbatch --gres=gpu:1`, "" for none
    cpus_per_tres: str      # "gres:gpu:4" for `--cpus-per-gpu=4`, "" when --cpus-per-task was sent
    submit: datetime
    start: datetime | None
    end: datetime | None

    @property
    def gpus(self) -> int:
        """GPUs requested through either form (`--gpus` or `--gres`)."""
        match = re.search(r"gres[:/]gpu(?::[^:,]+)?[:=](\d+)", self.tres_per_job or self.tres_per_node)
        return int(match.group(1)) if match else 0


def _time(value: str) -> datetime | None:
    return None if value in ("", "Unknown", "None", "N/A") else datetime.fromisoformat(value)


def _parse(line: str) -> dict[str, str]:
    return dict(re.findall(r"(\w+)=(\S*)", line))


def jobs_in(work_dir: Path) -> list[SlurmJob]:
    """Every job slurmctld still knows whose working directory is ``work_dir``."""
    out = subprocess.run(["scontrol", "show", "job", "--oneliner"], text=True, capture_output=True,
                         check=True).stdout
    jobs = []
    for fields in map(_parse, out.splitlines()):
        if fields.get("WorkDir") != str(work_dir):
            continue
        comment = _COMMENT.fullmatch(fields.get("Comment", ""))
        if comment is None:
            continue
        jobs.append(SlurmJob(
            job_id=int(fields["JobId"]),
            rule=comment["rule"],
            wildcards=comment["wildcards"] or "",
            state=fields.get("JobState", ""),
            tres_per_job=fields.get("TresPerJob", ""),
            tres_per_node=fields.get("TresPerNode", ""),
            cpus_per_tres=fields.get("CpusPerTres", ""),
            submit=_time(fields["SubmitTime"]),
            start=_time(fields.get("StartTime", "")),
            end=_time(fields.get("EndTime", "")),
        ))
    return sorted(jobs, key=lambda job: job.job_id)
