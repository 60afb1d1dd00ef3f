"""What the report concludes: seed summaries, per-task diagnosis, the final model's scenario, examples.

Each comparison names the training stage it credits (L-stats): SFT vs base credits SFT, a GRPO arm
vs the arm it started from credits GRPO alone, a GRPO arm that started from SFT vs base credits the
whole recipe. The diagnosis of what GRPO did reads only GRPO vs its init arm, so SFT's gains are
never credited to GRPO and a regression below the init arm is reported as one. It knows its limits:
a task where every output of both arms scores one value is "not testable", a threshold whose cut-off
lies inside the 95 % interval of the value it is compared with is reported as borderline, and a
direction shared by every seed is said even when it is not significant.
"""
from __future__ import annotations

import math
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from commerce_grpo import stats
from commerce_grpo.arms import init_arm
from commerce_grpo.report.blindness import INPUT_READ_SHARE
from commerce_grpo.report.scores import OVERALL, Arms

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
    "not testable if every output of both arms scores one and the same value: the reward tells nothing apart",
    "improved if GRPO beats the arm it started from under the test plan (adjusted p < α, positive Δ); "
    f"**data-blind gain** instead when less than {INPUT_READ_SHARE:.0%} of that gain reads the input (the rise "
    "in input sensitivity over the gain: the same outputs scored against another prompt of the same kind keep "
    "the rest)",
    "worse if GRPO is below the arm it started from under a two-sided plan (adjusted p < α, negative Δ)",
    f"a task whose GRPO mean is below {WEAK_TASK} follows the handoff's Scenario C: extraction → reward problem, "
    "sql_qa → capacity ceiling, insights → data starvation (push → data starvation, L-minority); a task the "
    "handoff does not name goes on to the next rules",
    f"reward problem if on ≥ {INSENSITIVE_SHARE:.0%} of prompts a different GRPO answer gets the same partial "
    "reward as the init arm's",
    f"data starvation if the task has fewer than {CRITICAL_MASS} training prompts (L-minority) or its validation "
    "reward peaked at the last evaluation in most seeds",
    "otherwise capacity ceiling (L-capacity)",
    "a cut-off inside the 95 % interval of the value compared with it (t interval of a mean, Wilson interval of a "
    "share, bootstrap interval of the read share) is named borderline; a direction every seed shares is named "
    "even when it is not significant",
)


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


def trained_tasks(tasks: Iterable[str], *, sft_tasks: Iterable[str], task_mix: Mapping[str, float] | None) -> dict:
    """Which stage trained each task: SFT when it is among ``sft.tasks`` (none when SFT is off), GRPO
    when its ``grpo.task_mix`` weight is positive (a null mix draws the pool's own mix: every task).
    The diagnosis carries it as evidence, the hook of a "not trained" verdict."""
    sft = set(sft_tasks)
    return {task: {"sft": task in sft, "grpo": task_mix is None or task_mix.get(task, 0) > 0} for task in tasks}


def insensitive_share(task: str, init: dict[str, dict], tuned_arms: list[dict[str, dict]]) -> tuple[float, int] | None:
    """(share, pairs): the share of (prompt, seed) pairs where the GRPO text differs from its init
    arm's but the partial reward ties, and how many pairs there were.

    Ties between identical texts say the model did not change, and ties at 0 or 1 are floor and
    ceiling (two useless or two perfect answers); a tie strictly between them, on different texts,
    says the reward cannot tell the answers apart.
    """
    pairs = [(init[i], arm[i]) for arm in tuned_arms for i in init if init[i]["task"] == task and i in arm]
    if not pairs:
        return None
    blind = sum(b["completion"] != t["completion"] and b["reward"] == t["reward"] and 0 < b["reward"] < 1
                for b, t in pairs)
    return blind / len(pairs), len(pairs)


def seed_direction(deltas: Mapping[int, float]) -> str | None:
    """"up" or "down" when every seed (two at least) moved the same way, else None."""
    values = list(deltas.values())
    if len(values) < 2:
        return None
    if all(v > 0 for v in values):
        return "up"
    if all(v < 0 for v in values):
        return "down"
    return None


def borderline(name: str, value: float, interval, cutoff: float) -> str | None:
    """A note when ``cutoff`` lies inside the 95 % ``interval`` of ``value``: the rule could go either way."""
    if interval is None or not all(v is not None and math.isfinite(v) for v in interval):
        return None
    low, high = interval
    if low <= cutoff <= high:
        return (f"borderline: {name} {value:.3f}, 95 % interval [{low:.3f}, {high:.3f}] holds the cut-off "
                f"{cutoff:g}")
    return None


def diagnose(task: str, *, comparison: stats.Comparison | None, alpha: float, audit: dict | None,
             train_prompts: int | None, trend: dict | None, insensitive: tuple[float, int] | None,
             seed_deltas: Mapping[int, float], mean_interval: tuple[float, float] | None, blind: dict | None,
             trained: dict | None) -> dict:
    """The handoff's decision tree for one task, on GRPO vs the arm it started from.

    ``comparison`` is the pooled GRPO arm vs its init arm (never vs base: that would credit GRPO
    with SFT's gains); ``audit`` is the task's entry of the reward audit summary; ``seed_deltas`` each
    seed's Δ vs the init arm; ``mean_interval`` the t interval of the pooled GRPO mean;
    ``insensitive`` (share, pairs) from :func:`insensitive_share`; ``blind`` the
    ``blindness.data_blind`` figures of the gain (None without swaps or without a gain);
    ``trained`` the task's :func:`trained_tasks` entry.
    """
    c = comparison
    share, pairs = insensitive if insensitive else (None, 0)
    direction = seed_direction(seed_deltas)
    evidence = {
        "arm": c.arm if c else None,
        "init_arm": c.baseline if c else None,
        "grpo_mean": c.mean_arm if c else None,
        "grpo_mean_ci95": mean_interval,
        "init_mean": c.mean_baseline if c else None,
        "delta": c.delta if c else None,
        "p_adjusted": c.p_adjusted if c else None,
        "outcome": stats.outcome(c, alpha) if c else None,
        "seed_deltas": dict(seed_deltas),
        "seed_direction": direction,
        "same_reward_different_text": share,
        "same_reward_pairs": pairs,
        "read_share": blind["read_share"] if blind else None,
        "read_share_ci95": blind["read_share_ci95"] if blind else None,
        "audit_spearman": audit["spearman_mean"] if audit else None,
        "audit_passed": audit["passed"] if audit else None,
        "train_prompts": train_prompts,
        "trained": trained,
        "validation_gain": trend["gain_first_to_best"] if trend else None,
        "validation_best_at_last_eval": f"{trend['best_at_last_eval']}/{trend['seeds']}" if trend else None,
    }
    if c is None:
        return {"task": task, "verdict": "not evaluated", "reason": "no GRPO arm and its init arm both finished",
                "evidence": evidence, "notes": []}
    init, outcome = c.baseline, evidence["outcome"]
    notes = []
    if audit is not None and not audit["passed"]:
        verdict, reason = "reward problem", (
            "the reward audit failed this task (" + "; ".join(audit["reasons"] or ["no reason recorded"])
            + "): fix the reward before training more (L-reward-audit); a gain in such a reward is no evidence")
    elif outcome == "not testable":
        verdict, reason = "not testable", (
            f"every output of GRPO and {init} scores {c.mean_arm:.3g}: the reward tells none of them apart, so "
            "this task says nothing either way about GRPO")
    elif outcome == "better":
        verdict, reason = "improved", (
            f"GRPO beats {init}, the arm it started from (p adjusted = {c.p_adjusted:.3g} < {alpha}, "
            f"Δ = {c.delta:+.3f}): GRPO reshaped how the model answers this task")
        if blind is not None:
            notes.append(borderline("share of the gain that reads the input", blind["read_share"],
                                    blind["read_share_ci95"], INPUT_READ_SHARE))
            if blind["data_blind"]:
                verdict, reason = "data-blind gain", (
                    f"GRPO beats {init} (p adjusted = {c.p_adjusted:.3g}, Δ = {c.delta:+.3f}), but scored against "
                    f"another prompt of the same kind the same outputs keep {blind['gain_swapped']:+.3f} of the "
                    f"{blind['gain']:+.3f} gain: only {blind['read_share']:.0%} of it reads the input "
                    f"(< {INPUT_READ_SHARE:.0%}). The reward pays a per-kind template; fix the reward (L-reward-spec)")
    elif outcome == "worse":
        verdict, reason = "worse", (
            f"GRPO is below {init}, the arm it started from (p adjusted = {c.p_adjusted:.3g} < {alpha}, "
            f"Δ = {c.delta:+.3f}): GRPO undid part of what the init arm could do on this task")
    else:
        notes.append(borderline(f"GRPO mean (cut-off of a lagging task {WEAK_TASK})", c.mean_arm, mean_interval,
                                WEAK_TASK))
        if c.mean_arm < WEAK_TASK and task in WEAK_TASK_CAUSE:
            verdict = WEAK_TASK_CAUSE[task]
            reason = (f"no significant change from {init}, and the task lags (GRPO mean {c.mean_arm:.3f} < "
                      f"{WEAK_TASK}); the handoff's Scenario C routes a lagging {task} task to: {verdict}")
        else:
            if share is not None:
                notes.append(borderline("share of same reward, different text", share,
                                        stats.wilson(round(share * pairs), pairs), INSENSITIVE_SHARE))
            if share is not None and share >= INSENSITIVE_SHARE:
                verdict, reason = "reward problem", (
                    f"on {share:.0%} of prompts ({round(share * pairs)}/{pairs}) the GRPO answer differs from "
                    f"{init}'s but gets the same partial reward: the reward is too coarse to tell them apart "
                    "(L-reward-spec)")
            elif (train_prompts is not None and train_prompts < CRITICAL_MASS) or (
                    trend and trend["best_at_last_eval"] * 2 > trend["seeds"]):
                verdict = "data starvation"
                reason = (f"no significant change from {init}; {train_prompts} training prompts (critical mass ≈ "
                          f"{CRITICAL_MASS}, L-minority)"
                          if train_prompts is not None and train_prompts < CRITICAL_MASS
                          else f"no significant change from {init}; the validation reward was still at its best "
                               "at the last evaluation in most seeds")
            else:
                verdict, reason = "capacity ceiling", (
                    f"no significant change from {init} with enough prompts, a reward that passed the audit and a "
                    "validation reward that stopped rising: GRPO reshapes expression but cannot add a capability "
                    "(L-capacity)")
        if direction:
            deltas = "/".join(f"{d:+.3f}" for d in seed_deltas.values())
            notes.append(f"every seed moved {direction} ({deltas} vs {init}), not significant")
    notes = [n for n in notes if n]
    return {"task": task, "verdict": verdict, "reason": reason + "".join(f"; {n}" for n in notes),
            "evidence": evidence, "notes": notes}


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
