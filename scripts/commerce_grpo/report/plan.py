"""The declared test plan (``report.plan``): which comparisons answer the run's question, how
OVERALL enters their multiplicity family, and which direction is tested.

One family is primary: the main GRPO run's pooled arm (each prompt's score averaged over the seeds)
against the arm it started from (``grpo_vs_init``: what GRPO did) or against base
(``recipe_vs_base``: the study's table, SFT then GRPO), per task and overall. Every other
comparison — each seed on its own, the other baselines, SFT vs base — is secondary: its own family
under the same rule, labelled so, describing rather than answering. Seeds are replications of one
hypothesis, so they are pooled in the primary test, not tested one by one (docs/statistics.md).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from commerce_grpo import stats
from commerce_grpo.arms import init_arm
from commerce_grpo.report.scores import OVERALL, Arms, pooled_arm

PRIMARY = {
    "grpo_vs_init": "the main GRPO run (seeds pooled) vs the arm it started from: what GRPO itself did",
    "recipe_vs_base": "the main GRPO run (seeds pooled) vs base: what the whole recipe did (the study's table)",
}
OVERALL_RULES = {
    "in_family": "OVERALL is one more test of the primary family, Holm-adjusted with the tasks",
    "gatekeeper": "OVERALL is tested first at α; the tasks are Holm-adjusted among themselves and can only "
                  "reject after OVERALL did (fixed-sequence gatekeeping: a task's adjusted p is at least OVERALL's)",
}
DIRECTIONS = {
    "two-sided": "two-sided exact test (twice the smaller tail): better or worse, each direction at α/2",
    "greater": "one-sided exact test, arm > baseline: only an improvement can be declared; a regression is not "
               "tested",
}
KEYS = {"primary": PRIMARY, "overall": OVERALL_RULES, "direction": DIRECTIONS}


def check(plan: Mapping[str, Any]) -> dict:
    """``report.plan`` with exactly its keys and known values, else an error naming the key."""
    if not isinstance(plan, Mapping):
        raise ValueError(f"report.plan: a mapping of {list(KEYS)}, got {plan!r}")
    extra = sorted(set(plan) - set(KEYS))
    missing = [key for key in KEYS if key not in plan]
    if extra or missing:
        raise ValueError(f"report.plan: keys {list(KEYS)} (missing {missing}, unknown {extra})")
    for key, values in KEYS.items():
        if plan[key] not in values:
            raise ValueError(f"report.plan.{key}: {plan[key]!r} is not one of {list(values)}")
    return dict(plan)


def families(arms: Arms, grpo_init: str) -> list[tuple[str, str, str]]:
    """(arm, baseline, stage credited) of every test family.

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


def primary_pair(arms: Arms, grpo_init: str, plan: Mapping[str, Any]) -> tuple[str, str] | None:
    """(arm, baseline) of the primary family, or None when the main run or its baseline did not finish."""
    main = arms.main_group
    if main is None:
        return None
    baseline = init_arm(main, grpo_init) if plan["primary"] == "grpo_vs_init" else "base"
    return (pooled_arm(main), baseline) if baseline in arms.scores else None


def comparisons(arms: Arms, *, grpo_init: str, plan: Mapping[str, Any], bootstrap_samples: int,
                seed: int) -> list[stats.Comparison]:
    """Every family's tests (per task, then OVERALL), adjusted within the family by the plan's rule
    and labelled primary or secondary."""
    primary = primary_pair(arms, grpo_init, plan)
    gate = OVERALL if plan["overall"] == "gatekeeper" else None
    result = []
    for arm, baseline, stage in families(arms, grpo_init):
        per_seed = arms.per_seed(arm)
        family = [
            stats.compare(arms.scores[arm][part], arms.scores[baseline][part], arm=arm, baseline=baseline,
                          task=part, stage=stage, alternative=plan["direction"],
                          bootstrap_samples=bootstrap_samples, seed=seed,
                          per_seed=[scores[part] for scores in per_seed] if per_seed else None)
            for part in [*arms.tasks(), OVERALL]
        ]
        role = "primary" if (arm, baseline) == primary else "secondary"
        result += [replace(c, role=role) for c in stats.adjust(family, gate=gate)]
    return result


def describe(plan: Mapping[str, Any], *, alpha: float, primary: tuple[str, str] | None, tasks: list[str],
             seeds: list[int], samples_per_prompt: int) -> dict:
    """The plan as the report prints it, and what its primary test generalises over."""
    arm, baseline = primary or (None, None)
    tests = [*tasks, OVERALL]
    return {
        **plan,
        "alpha": alpha,
        "primary_arm": arm,
        "primary_baseline": baseline,
        "primary_tests": tests,
        "lines": [
            f"Primary family: {PRIMARY[plan['primary']]}"
            + (f" — `{arm}` vs `{baseline}`, one test per task and OVERALL ({', '.join(tests)})." if arm
               else " — not run (the main GRPO run or its baseline did not finish)."),
            f"Direction: {DIRECTIONS[plan['direction']]}; α = {alpha}.",
            f"Multiplicity: Holm within the family; {OVERALL_RULES[plan['overall']]}. A test without an untied "
            "pair cannot reject and leaves m (Tarone 1990).",
            "Secondary (labelled so in every table and in the JSON's `role`): each seed alone, the other "
            "baselines and SFT vs base, each arm/baseline pair its own family under the same rule; they "
            "describe, the primary family answers.",
            generalisation(seeds, samples_per_prompt),
        ],
    }


def generalisation(seeds: list[int], samples_per_prompt: int) -> str:
    """What the primary test's p and the two intervals speak about, in words."""
    k = (f"each prompt's score is the mean of {samples_per_prompt} samples at the eval decoding, so sampling "
         "noise is averaged out of it" if samples_per_prompt > 1
         else "each prompt's score is one sample at the eval decoding, sampling noise included")
    return (f"What it generalises over: prompts are the random unit ({k}). The p-value and the prompt "
            f"interval speak about new prompts for these trained models — the {len(seeds)} seeds' adapters "
            f"(seeds {', '.join(map(str, seeds)) or 'none'}) averaged — against this one init adapter; not about "
            "the recipe (a fresh SFT and GRPO run). The two-level interval (seeds, then prompts) adds "
            "seed-to-seed variation, a step towards the recipe, but still holds the init arm fixed (one draw).")
