"""Read the jobs a Snakemake dry run plans, with their wildcards and resources.

`dag_stats.job_counts` says how many jobs per rule; reruns and profiles need to know *which*
jobs (seed 123's grpo, not seed 42's) and what each would ask the cluster for.
"""
import re
from dataclasses import dataclass, field

_HEADER = re.compile(r"(?:local)?(?:rule|checkpoint) (\w+):")


@dataclass
class PlannedJob:
    rule: str
    wildcards: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """`grpo[seed=123]`, `sft`: compact, for sets and assertion messages."""
        inner = ",".join(f"{k}={v}" for k, v in sorted(self.wildcards.items()))
        return f"{self.rule}[{inner}]" if inner else self.rule


def _pairs(text: str) -> dict[str, str]:
    """`a=1, b=x y` → {"a": "1", "b": "x y"} (values never hold ", ")."""
    return dict(item.split("=", 1) for item in text.split(", ") if "=" in item)


def planned_jobs(output: str) -> list[PlannedJob]:
    """Every job block ("rule x:" / "localrule x:" / "checkpoint x:" and its indented lines) in dry-run
    output."""
    jobs: list[PlannedJob] = []
    current = None
    for line in output.splitlines():
        header = _HEADER.fullmatch(line.strip()) if not line.startswith(" ") else None
        if header:
            current = PlannedJob(header.group(1))
            jobs.append(current)
        elif current is not None and line.startswith("    "):
            key, _, value = line.strip().partition(": ")
            if key == "wildcards":
                current.wildcards = _pairs(value)
            elif key == "resources":
                current.resources = _pairs(value)
        elif line.strip():
            current = None
    return jobs


def labels(jobs: list[PlannedJob], *, exclude=("all",)) -> set[str]:
    return {job.label for job in jobs if job.rule not in exclude}
