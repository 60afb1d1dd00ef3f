"""Evaluation arm names: built in one place and parsed back in one place.

An arm is what the `evaluate` rule scores: the base model, the SFT adapter, or the best adapter of
one GRPO run and seed (``results/{run}/seed{seed}/best``). The rules, the eval file names
(``results/eval/{arm}.jsonl``) and the report all go through these two functions, so the name's
layout has one home.
"""
from __future__ import annotations

import re

# Arms without a random seed of their own.
SEEDLESS = ("base", "sft")
# GRPO runs, one per `results/{run}/` folder: from the SFT adapter (or base, per `grpo.init`) and
# the optional from-base arm beside it.
RUNS = ("grpo", "grpo_from_base")
SEED_SEPARATOR = "_seed"
# A seed as str(int) writes it: no sign, no leading zero, so parse_arm(arm_name(r, s)) round-trips
# and "grpo_seed042" cannot name a second file for seed 42.
SEED_DIGITS = r"(?:0|[1-9]\d*)"
ARM_PATTERN = re.compile(rf"^(?P<run>{'|'.join(RUNS)}){SEED_SEPARATOR}(?P<seed>{SEED_DIGITS})$")
# For Snakemake's wildcard_constraints: exactly the names arm_name() can build.
WILDCARD = "|".join([*SEEDLESS, *(f"{run}{SEED_SEPARATOR}{SEED_DIGITS}" for run in RUNS)])


def arm_name(run: str, seed: int | None) -> str:
    """``("base", None)`` → ``"base"``; ``("grpo", 42)`` → ``"grpo_seed42"``.

    base and sft take no seed; a GRPO run needs one (each seed is its own arm).
    """
    if run in SEEDLESS:
        if seed is not None:
            raise ValueError(f"arm {run!r} takes no seed (got {seed!r})")
        return run
    if run not in RUNS:
        raise ValueError(f"unknown run {run!r}; expected one of {SEEDLESS + RUNS}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"GRPO run {run!r} needs a non-negative integer seed (got {seed!r})")
    return f"{run}{SEED_SEPARATOR}{seed}"


def parse_arm(name: str) -> tuple[str, int | None]:
    """``"grpo_from_base_seed42"`` → ``("grpo_from_base", 42)``; ``"sft"`` → ``("sft", None)``.

    The inverse of :func:`arm_name`; any other string is an error naming it.
    """
    if name in SEEDLESS:
        return name, None
    match = ARM_PATTERN.match(name)
    if not match:
        raise ValueError(f"{name!r} is not an arm name (base, sft, or <run>_seed<N> with run in {RUNS})")
    return match["run"], int(match["seed"])


def init_arm(run: str, grpo_init: str) -> str:
    """The arm a GRPO run started from, i.e. the baseline that credits GRPO alone.

    ``grpo`` starts from ``grpo.init`` ("sft" or "base"); ``grpo_from_base`` always from base.
    Comparing GRPO with base instead would credit GRPO with SFT's gains (L-stats).
    """
    if run == "grpo_from_base":
        return "base"
    if run != "grpo":
        raise ValueError(f"{run!r} is not a GRPO run; expected one of {RUNS}")
    if grpo_init not in SEEDLESS:
        raise ValueError(f"grpo.init {grpo_init!r} is not one of {SEEDLESS}")
    return grpo_init
