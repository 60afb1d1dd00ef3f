"""What the report concludes: paired comparisons, seed summaries, per-task diagnosis, examples.

Arms: ``base``, ``sft``, and per-seed GRPO arms (``commerce_grpo.arms``: ``grpo_seed{N}``, and
``grpo_from_base_seed{N}`` when configured). Each GRPO run is also pooled: each prompt's mean reward
over the seeds that finished (``grpo_pooled``), so prompts stay the independent unit of the test.

Each comparison names the training stage it credits (L-stats): SFT vs base credits SFT, a GRPO arm
vs the arm it started from credits GRPO alone, a GRPO arm that started from SFT vs base credits the
whole recipe. The diagnosis of what GRPO did reads only GRPO vs its init arm, so SFT's gains are
never credited to GRPO and a regression below the init arm is reported as one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from commerce_grpo import stats
from commerce_grpo.arms import RUNS, init_arm, parse_arm
from commerce_grpo.report.scoring import ordered_tasks

OVERALL = "overall"
# The stage each comparison credits, by (arm kind, baseline): the report prints these words.
STAGES = {
    "sft": "SFT (SFT vs base)",
    "grpo": "GRPO (a GRPO arm vs the arm it started from)",
    "sft+grpo": "the whole recipe, SFT then GRPO (a GRPO arm that started from SFT vs base)",
    "recipe": "neither stage alone: two recipes side by side (GRPO from base vs SFT)",
}

# The handoff's decision tree: a task below 0.20 "lags"; 0.55 overall means the model is maximised
# (Scenario A); extraction stuck near 0.17 means it cannot write JSON (Scenario B).
WEAK_TASK = 0.20
SCENARIO_A = 0.55
# L-minority: GRPO needs somewhere between 150 and 500 prompts of a task to shape it.
CRITICAL_MASS = 500
# When different answers get the same reward on this share of prompts, the reward is too coarse.
INSENSITIVE_SHARE = 0.5
# Scenario C's routing of a lagging task; push lagged for lack of prompts (L-minority, L-capacity).
# The handoff names these four tasks; any other lagging task goes on down the rules.
WEAK_TASK_CAUSE = {
    "extraction": "reward problem",
    "sql_qa": "capacity ceiling",
    "insights": "data starvation",
    "push": "data starvation",
}


RULES = (
    "reward problem if the reward audit failed the task (reward vs mean rater score, adversarial ranking)",
    "improved if GRPO beats the arm it started from after Holm (exact one-sided test, positive Δ)",
    "worse if GRPO is below the arm it started from after Holm (the opposite one-sided test, negative Δ)",
    f"a task whose GRPO mean is below {WEAK_TASK} follows the handoff's Scenario C: extraction → reward problem, "
    "sql_qa → capacity ceiling, insights → data starvation (push → data starvation, L-minority); a task the "
    "handoff does not name goes on to the next rules",
    f"reward problem if on ≥ {INSENSITIVE_SHARE:.0%} of prompts a different GRPO answer gets the same partial "
    "reward as the init arm's",
    f"data starvation if the task has fewer than {CRITICAL_MASS} training prompts (L-minority) or its validation "
    "reward peaked at the last evaluation in most seeds",
    "otherwise capacity ceiling (L-capacity)",
)


@dataclass(frozen=True)
class Arms:
    """The arms that produced eval files, grouped: seed arms per GRPO run, in seed order."""

    scores: dict[str, dict[str, dict[str, float]]]  # arm → task|overall → id → reward
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


def pooled_arm(group: str) -> str:
    return f"{group}_pooled"


def families(arms: Arms, grpo_init: str) -> list[tuple[str, str, str]]:
    """(arm, baseline, stage credited) of every test, each pair one Holm family over the tasks.

    SFT vs base; every GRPO arm (pooled and per seed) vs the arm it started from; a GRPO arm that
    started from SFT also vs base (the whole recipe, the study's table); GRPO-from-base vs SFT.
    """
    result = []
    if "sft" in arms.scores and "base" in arms.scores:
        result.append(("sft", "base", "sft"))
    for group, seeds in arms.groups.items():
        start = init_arm(group, grpo_init)
        for arm in [pooled_arm(group), *seeds.values()]:
            if start in arms.scores:
                result.append((arm, start, "grpo"))
            if start != "base" and "base" in arms.scores:
                result.append((arm, "base", "sft+grpo"))
            if start == "base" and "sft" in arms.scores:
                result.append((arm, "sft", "recipe"))
    return result


def comparisons(arms: Arms, *, grpo_init: str, bootstrap_samples: int, seed: int) -> list[stats.Comparison]:
    """Per task (Holm-adjusted within each arm/baseline family) and overall (a single test)."""
    result = []
    for arm, baseline, stage in families(arms, grpo_init):
        def test(part: str) -> stats.Comparison:
            return stats.compare(arms.scores[arm][part], arms.scores[baseline][part], arm=arm, baseline=baseline,
                                 task=part, stage=stage, bootstrap_samples=bootstrap_samples, seed=seed)
        result += [*stats.adjust([test(task) for task in arms.tasks()]), test(OVERALL)]
    return result


def find(comparisons_: list[stats.Comparison], arm: str, baseline: str, task: str) -> stats.Comparison | None:
    return next((c for c in comparisons_ if (c.arm, c.baseline, c.task) == (arm, baseline, task)), None)


def seed_summary(arms: Arms, grpo_init: str) -> list[dict]:
    """Per GRPO run and task: each seed's mean, Δ vs base and Δ vs the init arm, mean ± sd over seeds."""
    rows = []
    for group, seeds in arms.groups.items():
        start = init_arm(group, grpo_init)
        for task in [*arms.tasks(), OVERALL]:
            means = {s: _mean(arms.scores[arm][task]) for s, arm in seeds.items()}
            base = _mean(arms.scores["base"][task]) if "base" in arms.scores else math.nan
            init = _mean(arms.scores[start][task]) if start in arms.scores else math.nan
            deltas = {s: m - base for s, m in means.items()}
            deltas_init = {s: m - init for s, m in means.items()}
            mean, sd = stats.mean_sd(list(means.values()))
            delta_mean, delta_sd = stats.mean_sd(list(deltas.values()))
            init_mean, init_sd = stats.mean_sd(list(deltas_init.values()))
            rows.append({
                "group": group, "task": task, "seeds": list(seeds), "init_arm": start, "per_seed_mean": means,
                "mean": mean, "sd": sd, "per_seed_delta": deltas, "delta_mean": delta_mean, "delta_sd": delta_sd,
                "per_seed_delta_init": deltas_init, "delta_init_mean": init_mean, "delta_init_sd": init_sd,
            })
    return rows


def _mean(scores: dict[str, float]) -> float:
    return float(np.mean(list(scores.values())))


def entropy_collapse(entropy_by_arm: dict[str, pd.DataFrame], floor: float) -> dict:
    """Per GRPO arm: lowest policy entropy and the first step below ``floor`` (L-entropy: in the study
    entropy collapsed after about 1–1.5 epochs and the reward crashed with it)."""
    arms_ = {}
    for arm, frame in entropy_by_arm.items():
        if frame.empty:
            arms_[arm] = {"min_entropy": None, "min_step": None, "collapsed_at": None}
            continue
        low = frame.loc[frame["entropy"].idxmin()]
        below = frame[frame["entropy"] < floor]
        arms_[arm] = {"min_entropy": float(low["entropy"]), "min_step": int(low["step"]),
                      "collapsed_at": int(below["step"].iloc[0]) if not below.empty else None}
    return {"floor": floor, "arms": arms_}


def validation_trend(histories: dict[str, pd.DataFrame], task: str) -> dict | None:
    """First, best and last GRPO validation reward of ``task`` per arm (seed), and whether it still rose."""
    per_arm = {}
    for arm, frame in histories.items():
        rows = frame[frame["task"] == task].sort_values("step")
        if rows.empty:
            continue
        best = rows.loc[rows["reward"].idxmax()]
        per_arm[arm] = {
            "first": float(rows["reward"].iloc[0]), "best": float(best["reward"]), "best_step": int(best["step"]),
            "last": float(rows["reward"].iloc[-1]), "last_step": int(rows["step"].iloc[-1]),
        }
    if not per_arm:
        return None
    return {
        "per_arm": per_arm,
        "gain_first_to_best": float(np.mean([v["best"] - v["first"] for v in per_arm.values()])),
        "best_at_last_eval": sum(v["best_step"] == v["last_step"] for v in per_arm.values()),
        "seeds": len(per_arm),
    }


def insensitive_share(task: str, init: dict[str, dict], tuned_arms: list[dict[str, dict]]) -> float | None:
    """Share of (prompt, seed) pairs where the GRPO text differs from its init arm's but the partial
    reward ties.

    Ties between identical texts say the model did not change, and ties at 0 or 1 are floor and
    ceiling (two useless or two perfect answers); a tie strictly between them, on different texts,
    says the reward cannot tell the answers apart.
    """
    pairs = [(init[i], arm[i]) for arm in tuned_arms for i in init if init[i]["task"] == task and i in arm]
    if not pairs:
        return None
    blind = sum(b["completion"] != t["completion"] and b["reward"] == t["reward"] and 0 < b["reward"] < 1
                for b, t in pairs)
    return blind / len(pairs)


def diagnose(task: str, *, comparison: stats.Comparison | None, alpha: float, audit: dict | None,
             train_prompts: int | None, trend: dict | None, insensitive: float | None) -> dict:
    """The handoff's decision tree for one task, on GRPO vs the arm it started from.

    ``comparison`` is the pooled GRPO arm vs its init arm (never vs base: that would credit GRPO
    with SFT's gains); ``audit`` is the task's entry of the reward audit summary.
    """
    evidence = {
        "arm": comparison.arm if comparison else None,
        "init_arm": comparison.baseline if comparison else None,
        "grpo_mean": comparison.mean_arm if comparison else None,
        "init_mean": comparison.mean_baseline if comparison else None,
        "delta": comparison.delta if comparison else None,
        "p_holm": comparison.p_holm if comparison else None,
        "p_holm_less": comparison.p_holm_less if comparison else None,
        "same_reward_different_text": insensitive,
        "audit_spearman": audit["spearman_mean"] if audit else None,
        "audit_passed": audit["passed"] if audit else None,
        "train_prompts": train_prompts,
        "validation_gain": trend["gain_first_to_best"] if trend else None,
        "validation_best_at_last_eval": f"{trend['best_at_last_eval']}/{trend['seeds']}" if trend else None,
    }
    if comparison is None:
        return {"task": task, "verdict": "not evaluated", "reason": "no GRPO arm and its init arm both finished",
                "evidence": evidence}
    init = comparison.baseline
    if audit is not None and not audit["passed"]:
        verdict, reason = "reward problem", (
            "the reward audit failed this task (" + "; ".join(audit["reasons"] or ["no reason recorded"])
            + "): fix the reward before training more (L-reward-audit); a gain in such a reward is no evidence")
    elif stats.significant(comparison, alpha):
        verdict, reason = "improved", (
            f"GRPO beats {init}, the arm it started from, after Holm (p_holm = {comparison.p_holm:.3g} < {alpha}, "
            f"Δ = {comparison.delta:+.3f}): GRPO reshaped how the model answers this task")
    elif stats.worse(comparison, alpha):
        verdict, reason = "worse", (
            f"GRPO is below {init}, the arm it started from, after Holm (opposite one-sided test, "
            f"p_holm = {comparison.p_holm_less:.3g} < {alpha}, Δ = {comparison.delta:+.3f}): GRPO undid part of "
            "what the init arm could do on this task")
    elif comparison.mean_arm < WEAK_TASK and task in WEAK_TASK_CAUSE:
        verdict = WEAK_TASK_CAUSE[task]
        reason = (f"no significant change from {init}, and the task lags (GRPO mean {comparison.mean_arm:.3f} < "
                  f"{WEAK_TASK}); the handoff's Scenario C routes a lagging {task} task to: {verdict}")
    elif insensitive is not None and insensitive >= INSENSITIVE_SHARE:
        verdict, reason = "reward problem", (
            f"on {insensitive:.0%} of prompts the GRPO answer differs from {init}'s but gets the same partial "
            "reward: the reward is too coarse to tell them apart (L-reward-spec)")
    elif (train_prompts is not None and train_prompts < CRITICAL_MASS) or (
        trend and trend["best_at_last_eval"] * 2 > trend["seeds"]
    ):
        verdict = "data starvation"
        reason = (f"no significant change from {init}; {train_prompts} training prompts (critical mass ≈ "
                  f"{CRITICAL_MASS}, L-minority)"
                  if train_prompts is not None and train_prompts < CRITICAL_MASS
                  else f"no significant change from {init}; the validation reward was still at its best at the "
                       "last evaluation in most seeds")
    else:
        verdict, reason = "capacity ceiling", (
            f"no significant change from {init} with enough prompts, a reward that passed the audit and a "
            "validation reward that stopped rising: GRPO reshapes expression but cannot add a capability "
            "(L-capacity)")
    return {"task": task, "verdict": verdict, "reason": reason, "evidence": evidence}


def scenario(comparisons_: list[stats.Comparison], arm: str | None, tasks: list[str], alpha: float) -> dict:
    """Which branch of the handoff's tree the final model lands in: the pooled GRPO arm vs base,
    i.e. the level the whole recipe reached (the diagnosis per task says what GRPO itself did)."""
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
                "improve significantly over base: the model cannot produce the JSON; switch base model with an "
                "SFT warm-up"}
    if weak:
        return {"scenario": "C", "text": f"overall {overall.mean_arm:.3f} < {SCENARIO_A} and "
                f"{', '.join(weak)} lag below {WEAK_TASK}: targeted fix for the weakest task (diagnosis below)"}
    return {"scenario": None, "text": f"overall {overall.mean_arm:.3f} < {SCENARIO_A} and no task below "
            f"{WEAK_TASK}: none of the handoff's scenarios applies; see the per-task diagnosis"}


def example(task: str, init: dict[str, dict], tuned: dict[str, dict], *, max_chars: int = 600) -> dict | None:
    """The prompt where the GRPO arm gains most over its init arm (first id on ties): both texts."""
    ids = sorted(i for i, r in init.items() if r["task"] == task and i in tuned)
    if not ids:
        return None
    chosen = max(ids, key=lambda i: tuned[i]["reward"] - init[i]["reward"])
    return {
        "task": task, "id": chosen, "arm": tuned[chosen]["arm"], "init_arm": init[chosen]["arm"],
        "init_reward": float(init[chosen]["reward"]), "tuned_reward": float(tuned[chosen]["reward"]),
        "init_completion": _clip(init[chosen]["completion"], max_chars),
        "tuned_completion": _clip(tuned[chosen]["completion"], max_chars),
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + " …"
