"""Each task's own red team, generated from the prompt alone, on the default run's prompts.

Rewards are attacked before they are trusted (L-reward-spec): every task declares
``TaskSpec.red_team(prompt)`` — answers a policy under RL could build from the chat messages
alone, never from the reference — and ``TaskSpec.equivalents(record, honest)`` — the honest answer
written differently but as right. On the eval and validation prompts of the default config
(``config/config.yaml``'s data, pair seed and counts, every registered task enabled), each
strategy's mean reward must stay below 0.3 and below the honest answer's mean, and each
equivalent's mean must reach the honest mean minus 0.2.
"""
from __future__ import annotations

import copy
from pathlib import Path
from statistics import fmean

import pytest
import yaml

from commerce_grpo import tasks as registry
from commerce_grpo.data.db import build_commerce_db
from commerce_grpo.data.pair_files import read_pairs
from commerce_grpo.data.pairs import build_pairs
from commerce_grpo.rewards import score

ROOT = Path(__file__).resolve().parents[2]
MIN_STRATEGIES, MIN_EQUIVALENTS = 15, 8
HACK_CEILING, EQUIVALENT_SLACK = 0.3, 0.2


@pytest.fixture(scope="session")
def default_prompts(tmp_path_factory):
    """(commerce.db, rewards config, {task: eval + validation records}) of the default config."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    work = tmp_path_factory.mktemp("default_pairs")
    db = work / "commerce.db"
    data = config["data"]
    build_commerce_db(db, source="synthetic", olist_dir=work / "no-olist", orders=data["orders"], seed=data["seed"])
    tasks = {name: {**values, "enabled": True} for name, values in config["tasks"].items()}
    outputs = {split: work / f"{split}.jsonl" for split in registry.SPLITS} | {"stats": work / "stats.json"}
    build_pairs(db, outputs=outputs, seed=config["pairs"]["seed"], scale=config["pairs"]["scale"], tasks=tasks)
    records = [r for split in ("eval", "validation") for r in read_pairs(outputs[split])]
    by_task = {name: [r for r in records if r["task"] == name] for name in registry.ALL}
    return str(db), config["rewards"], by_task


def honest(record) -> str:
    spec = registry.get(record["task"])
    return (spec.gold or spec.target)(record)


def _means(task, default_prompts, answers_of):
    """{name: mean reward over the task's prompts} of the answers ``answers_of(record)`` gives."""
    db, rewards, by_task = default_prompts
    totals: dict[str, list[float]] = {}
    for record in by_task[task]:
        for name, answer in answers_of(record).items():
            totals.setdefault(name, []).append(score(record, answer, db=db, config=rewards).total)
    return {name: fmean(values) for name, values in totals.items()}


@pytest.mark.parametrize("task", registry.ALL)
def test_every_red_team_strategy_scores_below_the_ceiling_and_the_honest_answer(task, default_prompts):
    honest_mean = _means(task, default_prompts, lambda record: {"honest": honest(record)})["honest"]
    means = _means(task, default_prompts,
                   lambda record: registry.get(task).red_team(copy.deepcopy(record["prompt"])))
    assert len(means) >= MIN_STRATEGIES, f"{task}: {len(means)} red-team strategies, at least {MIN_STRATEGIES} wanted"
    paying = {name: round(m, 3) for name, m in means.items() if not m < min(HACK_CEILING, honest_mean)}
    assert not paying, f"{task}: strategies paying >= {HACK_CEILING} or the honest mean {honest_mean:.3f}: {paying}"


@pytest.mark.parametrize("task", registry.ALL)
def test_every_equivalent_answer_scores_near_the_honest_one(task, default_prompts):
    honest_mean = _means(task, default_prompts, lambda record: {"honest": honest(record)})["honest"]
    means = _means(task, default_prompts, lambda record: registry.get(task).equivalents(record, honest(record)))
    assert len(means) >= MIN_EQUIVALENTS, f"{task}: {len(means)} equivalent rewrites, at least {MIN_EQUIVALENTS} wanted"
    short = {name: round(m, 3) for name, m in means.items() if m < honest_mean - EQUIVALENT_SLACK}
    assert not short, f"{task}: rewrites below the honest mean {honest_mean:.3f} - {EQUIVALENT_SLACK}: {short}"
