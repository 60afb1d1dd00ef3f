"""Per-prompt scores of every evaluated arm, and the pooled arm of each GRPO run.

Arms: ``base``, ``sft``, and per-seed GRPO arms (``commerce_grpo.arms``: ``grpo_seed{N}``, and
``grpo_from_base_seed{N}`` when configured). Each GRPO run is also pooled: each prompt's mean score
over the seeds that finished (``grpo_pooled``), so prompts stay the independent unit of the test.
A prompt's score is its eval record's ``reward``: the mean of its k samples (``eval_files``).
"""
from __future__ import annotations

from dataclasses import dataclass

from commerce_grpo import stats
from commerce_grpo.arms import RUNS, parse_arm
from commerce_grpo.report.scoring import ordered_tasks

OVERALL = "overall"


@dataclass(frozen=True)
class Arms:
    """The arms that produced eval files, grouped: seed arms per GRPO run, in seed order."""

    scores: dict[str, dict[str, dict[str, float]]]  # arm → task|overall → id → score
    groups: dict[str, dict[int, str]]  # GRPO run → seed → arm

    @classmethod
    def from_records(cls, evals: dict[str, dict[str, dict]]) -> "Arms":
        scores, groups = {}, {}
        for arm, records in evals.items():
            by_task = {OVERALL: {}}
            for record in records.values():
                by_task.setdefault(record["task"], {})[record["id"]] = float(record["reward"])
                by_task[OVERALL][record["id"]] = float(record["reward"])
            scores[arm] = by_task
            run, seed = parse_arm(arm)
            if seed is not None:
                groups.setdefault(run, {})[seed] = arm
        groups = {run: dict(sorted(groups[run].items())) for run in RUNS if run in groups}
        for group, seeds in groups.items():
            pooled = {
                part: stats.pool_seeds([scores[arm][part] for arm in seeds.values()])
                for part in scores[next(iter(seeds.values()))]
            }
            scores[pooled_arm(group)] = pooled
        return cls(scores=scores, groups=groups)

    def tasks(self) -> list[str]:
        present = self.scores.get("base", next(iter(self.scores.values())))
        return ordered_tasks(part for part in present if part != OVERALL)

    @property
    def main_group(self) -> str | None:
        """The run the study's table shows: GRPO (from ``grpo.init``), else the first configured run."""
        return "grpo" if "grpo" in self.groups else next(iter(self.groups), None)

    def per_seed(self, arm: str) -> list[dict[str, dict[str, float]]] | None:
        """The seed arms' scores behind a pooled arm, in seed order; None for any other arm."""
        for group, seeds in self.groups.items():
            if arm == pooled_arm(group):
                return [self.scores[seed_arm] for seed_arm in seeds.values()]
        return None


def pooled_arm(group: str) -> str:
    return f"{group}_pooled"
