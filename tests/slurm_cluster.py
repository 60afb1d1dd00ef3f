"""A real single-node SLURM cluster for the workflow's SLURM tests, and SLURM's own record of the
jobs a run submitted (issue 7).

The cluster comes from .ci/slurm-setup.sh (Debian's slurm-wlm + munge, three fake GPUs, no
accounting database). What a run sent through sbatch is read back from slurmctld with
`scontrol show job`: the GPU request it carried, when it was submitted, started and ended.
Finished jobs stay there for MinJobAge (set by the setup script), long enough for a test run.
"""
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SETUP_SCRIPT = REPO / ".ci" / "slurm-setup.sh"
# The plugin's comment on every job it submits: "rule_<rule>" or "rule_<rule>_wildcards_<values>".
_COMMENT = re.compile(r"rule_(?P<rule>[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*?)(?:_wildcards_(?P<wildcards>.+))?")


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
