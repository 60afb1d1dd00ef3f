"""What the report concludes: paired comparisons, seed summaries, per-task diagnosis, examples.

Arms: ``base``, ``sft``, and per-seed GRPO arms ``grpo_seed{N}`` (and ``grpo_from_base_seed{N}``
when configured). Each GRPO group is also pooled: each prompt's mean reward over the seeds that
finished (``grpo_pooled``), so prompts stay the independent unit of the test.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from commerce_grpo import stats
from commerce_grpo.prompts import TASKS

OVERALL = "overall"
SEED_ARM = re.compile(r"^(?P<group>grpo(?:_from_base)?)_seed(?P<seed>\d+)$")

# The handoff's decision tree (seed 001): a task below 0.20 "lags"; 0.55 overall means the model is
# maximised (Scenario A); extraction stuck near 0.17 means it cannot write JSON (Scenario B).
WEAK_TASK = 0.20
SCENARIO_A = 0.55
# Seed 003 §6 Discovery 6: GRPO needs somewhere between 150 and 500 prompts of a task to shape it.
CRITICAL_MASS = 500
# When different answers get the same reward on this share of prompts, the reward is too coarse.
INSENSITIVE_SHARE = 0.5
# Scenario C's routing of a lagging task (seed 001), push from seed 003 §4 (~150 prompts, no learning).
WEAK_TASK_CAUSE = {
    "extraction": "reward problem",
    "sql_qa": "capacity ceiling",
    "insights": "data starvation",
    "push": "data starvation",
}


RULES = (
    "reward problem if the audit's Spearman ρ for the task is below the gate",
    "improved if tuned beats base after Holm",
    f"a task whose tuned mean is below {WEAK_TASK} follows the handoff's Scenario C: extraction → reward problem, "
    "sql_qa → capacity ceiling, insights → data starvation (push → data starvation, seed 003 §4)",
    f"reward problem if on ≥ {INSENSITIVE_SHARE:.0%} of prompts a different tuned answer gets the same partial reward",
    f"data starvation if the task has fewer than {CRITICAL_MASS} training prompts (seed 003 §6) or its validation "
    "reward peaked at the last evaluation in most seeds",
    "otherwise capacity ceiling",
)


@dataclass(frozen=True)
class Arms:
    """The arms that produced eval files, grouped: seed arms per GRPO group, in seed order."""

    scores: dict[str, dict[str, dict[str, float]]]  # arm → task|overall → id → reward
    groups: dict[str, dict[int, str]]  # group → seed → arm

    @classmethod
    def from_records(cls, evals: dict[str, dict[str, dict]]) -> "Arms":
        scores, groups = {}, {}
        for arm, records in evals.items():
            by_task = {OVERALL: {}}
            for record in records.values():
                by_task.setdefault(record["task"], {})[record["id"]] = float(record["reward"])
                by_task[OVERALL][record["id"]] = float(record["reward"])
            scores[arm] = by_task
            match = SEED_ARM.match(arm)
            if match:
                groups.setdefault(match["group"], {})[int(match["seed"])] = arm
        for group, seeds in groups.items():
            groups[group] = dict(sorted(seeds.items()))
            pooled = {
                part: stats.pool_seeds([scores[arm][part] for arm in groups[group].values()])
                for part in scores[next(iter(groups[group].values()))]
            }
            scores[pooled_arm(group)] = pooled
        return cls(scores=scores, groups=groups)

    def tasks(self) -> list[str]:
        present = self.scores.get("base", next(iter(self.scores.values())))
        return [task for task in TASKS if task in present]

    @property
    def main_group(self) -> str | None:
        """The group the study's table shows: GRPO from SFT, else the first configured group."""
        return "grpo" if "grpo" in self.groups else next(iter(self.groups), None)


def pooled_arm(group: str) -> str:
    return f"{group}_pooled"


def families(arms: Arms) -> list[tuple[str, str]]:
    """(arm, baseline) pairs to test: every arm vs base, every GRPO arm vs SFT."""
    pairs = []
    if "sft" in arms.scores and "base" in arms.scores:
        pairs.append(("sft", "base"))
    for group, seeds in arms.groups.items():
        for arm in [pooled_arm(group), *seeds.values()]:
            pairs += [(arm, baseline) for baseline in ("base", "sft") if baseline in arms.scores]
    return pairs


def comparisons(arms: Arms, *, bootstrap_samples: int, seed: int) -> list[stats.Comparison]:
    """Per task (Holm-adjusted within each arm/baseline family) and overall (a single test)."""
    result = []
    for arm, baseline in families(arms):
        per_task = [
            stats.compare(arms.scores[arm][task], arms.scores[baseline][task], arm=arm, baseline=baseline,
                          task=task, bootstrap_samples=bootstrap_samples, seed=seed)
            for task in arms.tasks()
        ]
        overall = stats.compare(arms.scores[arm][OVERALL], arms.scores[baseline][OVERALL], arm=arm,
                                baseline=baseline, task=OVERALL, bootstrap_samples=bootstrap_samples, seed=seed)
        result += [*stats.adjust(per_task), overall]
    return result


def find(comparisons_: list[stats.Comparison], arm: str, baseline: str, task: str) -> stats.Comparison | None:
    return next((c for c in comparisons_ if (c.arm, c.baseline, c.task) == (arm, baseline, task)), None)


def seed_summary(arms: Arms) -> list[dict]:
    """Per GRPO group and task: each seed's mean and Δ vs base, and their mean ± sd over seeds."""
    rows = []
    for group, seeds in arms.groups.items():
        for task in [*arms.tasks(), OVERALL]:
            means = {s: float(np.mean(list(arms.scores[arm][task].values()))) for s, arm in seeds.items()}
            base = float(np.mean(list(arms.scores["base"][task].values()))) if "base" in arms.scores else math.nan
            deltas = {s: m - base for s, m in means.items()}
            mean, sd = stats.mean_sd(list(means.values()))
            delta_mean, delta_sd = stats.mean_sd(list(deltas.values()))
            rows.append({
                "group": group, "task": task, "seeds": list(seeds), "per_seed_mean": means,
                "mean": mean, "sd": sd, "per_seed_delta": deltas, "delta_mean": delta_mean, "delta_sd": delta_sd,
            })
    return rows


def entropy_collapse(entropy_by_seed: dict[int, pd.DataFrame], floor: float) -> dict:
    """Per seed: lowest policy entropy and the first step below ``floor`` (seed 003 V4.2: entropy
    collapsed after step 1100 and the reward crashed with it)."""
    seeds = {}
    for seed, frame in sorted(entropy_by_seed.items()):
        if frame.empty:
            seeds[seed] = {"min_entropy": None, "min_step": None, "collapsed_at": None}
            continue
        low = frame.loc[frame["entropy"].idxmin()]
        below = frame[frame["entropy"] < floor]
        seeds[seed] = {"min_entropy": float(low["entropy"]), "min_step": int(low["step"]),
                       "collapsed_at": int(below["step"].iloc[0]) if not below.empty else None}
    return {"floor": floor, "seeds": seeds}


def validation_trend(histories: dict[int, pd.DataFrame], task: str) -> dict | None:
    """First, best and last GRPO validation reward of ``task`` per seed, and whether it still rose."""
    per_seed = {}
    for seed, frame in histories.items():
        rows = frame[frame["task"] == task].sort_values("step")
        if rows.empty:
            continue
        best = rows.loc[rows["reward"].idxmax()]
        per_seed[seed] = {
            "first": float(rows["reward"].iloc[0]), "best": float(best["reward"]), "best_step": int(best["step"]),
            "last": float(rows["reward"].iloc[-1]), "last_step": int(rows["step"].iloc[-1]),
        }
    if not per_seed:
        return None
    return {
        "per_seed": per_seed,
        "gain_first_to_best": float(np.mean([v["best"] - v["first"] for v in per_seed.values()])),
        "best_at_last_eval": sum(v["best_step"] == v["last_step"] for v in per_seed.values()),
        "seeds": len(per_seed),
    }


def insensitive_share(task: str, base: dict[str, dict], tuned_arms: list[dict[str, dict]]) -> float | None:
    """Share of (prompt, seed) pairs where the tuned text differs from base's but the partial reward ties.

    Ties between identical texts say the model did not change, and ties at 0 or 1 are floor and
    ceiling (two useless or two perfect answers); a tie strictly between them, on different texts,
    says the reward cannot tell the answers apart.
    """
    pairs = [(base[i], arm[i]) for arm in tuned_arms for i in base if base[i]["task"] == task and i in arm]
    if not pairs:
        return None
    blind = sum(b["completion"] != t["completion"] and b["reward"] == t["reward"] and 0 < b["reward"] < 1
                for b, t in pairs)
    return blind / len(pairs)


def diagnose(task: str, *, comparison: stats.Comparison | None, alpha: float, audit_rho: float | None,
             audit_gate: float | None, train_prompts: int | None, trend: dict | None,
             insensitive: float | None) -> dict:
    """The handoff's decision tree for one task, with the numbers that decided it."""
    evidence = {
        "tuned_mean": comparison.mean_arm if comparison else None,
        "base_mean": comparison.mean_baseline if comparison else None,
        "delta": comparison.delta if comparison else None,
        "p_holm": comparison.p_holm if comparison else None,
        "same_reward_different_text": insensitive,
        "audit_spearman": audit_rho, "audit_gate": audit_gate, "train_prompts": train_prompts,
        "validation_gain": trend["gain_first_to_best"] if trend else None,
        "validation_best_at_last_eval": f"{trend['best_at_last_eval']}/{trend['seeds']}" if trend else None,
    }
    if comparison is None:
        return {"task": task, "verdict": "not evaluated", "reason": "no tuned arm finished", "evidence": evidence}
    if audit_rho is not None and audit_gate is not None and audit_rho < audit_gate:
        verdict, reason = "reward problem", (
            f"the reward agrees poorly with human scores (Spearman ρ = {audit_rho:.2f} < gate {audit_gate}); "
            "fix the reward before training more (seed 003 §8, lesson 1); a gain in such a reward is no evidence")
    elif stats.significant(comparison, alpha) and comparison.delta > 0:
        verdict, reason = "improved", (
            f"tuned beats base after Holm (p_holm = {comparison.p_holm:.3g} < {alpha}): GRPO reshaped "
            "how the model answers this task")
    elif comparison.mean_arm < WEAK_TASK:
        verdict = WEAK_TASK_CAUSE[task]
        reason = (f"the task lags (tuned mean {comparison.mean_arm:.3f} < {WEAK_TASK}); the handoff's "
                  f"Scenario C routes a lagging {task} task to: {verdict}")
    elif insensitive is not None and insensitive >= INSENSITIVE_SHARE:
        verdict, reason = "reward problem", (
            f"on {insensitive:.0%} of prompts the tuned answer differs from base's but gets the same partial "
            "reward: the reward is too coarse to tell them apart")
    elif (train_prompts is not None and train_prompts < CRITICAL_MASS) or (
        trend and trend["best_at_last_eval"] * 2 > trend["seeds"]
    ):
        verdict = "data starvation"
        reason = (f"{train_prompts} training prompts (critical mass ≈ {CRITICAL_MASS}, seed 003 §6)"
                  if train_prompts is not None and train_prompts < CRITICAL_MASS
                  else "validation reward was still at its best at the last evaluation in most seeds")
    else:
        verdict, reason = "capacity ceiling", (
            "enough prompts, a reward that tracks human scores and a validation reward that stopped "
            "rising: GRPO reshapes expression but cannot add a capability (seed 003 §6, Discovery 5)")
    return {"task": task, "verdict": verdict, "reason": reason, "evidence": evidence}


def scenario(comparisons_: list[stats.Comparison], arm: str | None, tasks: list[str], alpha: float) -> dict:
    """Which branch of the handoff's tree the pooled tuned arm lands in (seed 001)."""
    overall = find(comparisons_, arm, "base", OVERALL) if arm else None
    if overall is None:
        return {"scenario": None, "text": "no tuned arm finished"}
    means = {t: c.mean_arm for t in tasks if (c := find(comparisons_, arm, "base", t))}
    weak = [t for t, m in means.items() if m < WEAK_TASK]
    if overall.mean_arm >= SCENARIO_A:
        return {"scenario": "A", "text": f"overall tuned reward {overall.mean_arm:.3f} ≥ {SCENARIO_A}: "
                "this model size is maximised; scale the model up with the same recipe"}
    if "extraction" in weak and not stats.significant(overall, alpha):
        return {"scenario": "B", "text": f"extraction stays at {means['extraction']:.3f} and overall did not "
                "improve significantly: the model cannot produce the JSON; switch base model with an SFT warm-up"}
    if weak:
        return {"scenario": "C", "text": f"overall {overall.mean_arm:.3f} < {SCENARIO_A} and "
                f"{', '.join(weak)} lag below {WEAK_TASK}: targeted fix for the weakest task (diagnosis below)"}
    return {"scenario": None, "text": f"overall {overall.mean_arm:.3f} < {SCENARIO_A} and no task below "
            f"{WEAK_TASK}: none of the handoff's scenarios applies; see the per-task diagnosis"}


def example(task: str, base: dict[str, dict], tuned: dict[str, dict], *, max_chars: int = 600) -> dict | None:
    """The prompt where the tuned arm gains most over base (first id on ties): base vs tuned text."""
    ids = sorted(i for i, r in base.items() if r["task"] == task and i in tuned)
    if not ids:
        return None
    chosen = max(ids, key=lambda i: tuned[i]["reward"] - base[i]["reward"])
    return {
        "task": task, "id": chosen, "arm": tuned[chosen].get("arm"),
        "base_reward": float(base[chosen]["reward"]), "tuned_reward": float(tuned[chosen]["reward"]),
        "base_completion": _clip(base[chosen]["completion"], max_chars),
        "tuned_completion": _clip(tuned[chosen]["completion"], max_chars),
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + " …"
