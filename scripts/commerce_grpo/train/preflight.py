"""The GRPO preflight probe: can this policy learn anything at all, judged task by task?

Before step 1 the policy samples ``num_generations`` rollouts, at the rollout decoding, for a
fixed stratified batch (the same few training prompts of every task GRPO will draw), and each
group is scored with the rewards. That is what the first steps would show, without depending on
which prompts they happen to draw: a run whose first steps drew only the long-answer tasks its
SFT never taught looked hopeless although the other tasks learned (the first-run failure this
replaces). A run is stopped only when it is hopeless as a whole:

- no task finishes a single answer (every rollout hits ``max_completion_length``), or
- every group of every task scored alike (zero reward variance: no advantage, nothing to learn;
  L-gen-config: rollouts that are all identical).

A task whose every rollout is truncated is a warning naming it: the others still learn.
The probe runs under a forked RNG, so training draws exactly what it would draw without it.
"""
from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass

import torch

from commerce_grpo.generation import decoding_config
from commerce_grpo.modeling.backends import generation_mode
from commerce_grpo.rewards import score

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskProbe:
    """One task's probe rollouts: how many, the share that hit the ceiling, the per-group reward spread."""
    n_rollouts: int
    clipped_ratio: float
    reward_std: float          # mean within-group standard deviation of the reward
    zero_std_groups: int
    n_groups: int


def probe_records(records: list[dict], tasks, per_task: int, seed: int) -> list[dict]:
    """``per_task`` training records of each task in ``tasks``, drawn once with ``seed``."""
    rng = random.Random(seed)
    chosen = []
    for task in tasks:
        pool = [r for r in records if r["task"] == task]
        chosen.extend(rng.sample(pool, min(per_task, len(pool))))
    return chosen


def run_probe(model, tokenizer, records: list[dict], *, num_generations: int, max_completion_length: int,
              temperature: float, top_p: float, top_k: int, eos_token_ids, db, rewards, seed: int
              ) -> dict[str, TaskProbe]:
    """Sample ``num_generations`` rollouts per record (one batch) and summarise them per task."""
    eos = set(eos_token_ids if isinstance(eos_token_ids, (list, tuple)) else [eos_token_ids])
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    texts = [tokenizer.apply_chat_template(r["prompt"], tokenize=False, add_generation_prompt=True)
             for r in records for _ in range(num_generations)]
    config = decoding_config(max_new_tokens=max_completion_length, temperature=temperature, top_p=top_p,
                             top_k=top_k, eos_token_id=sorted(eos), pad_token_id=tokenizer.pad_token_id)
    device = next(model.parameters()).device
    # generation_mode, not eval()/train(): on Unsloth that would leave gradient checkpointing off.
    with generation_mode(model), torch.random.fork_rng(devices=range(torch.cuda.device_count())), \
            torch.inference_mode():
        torch.manual_seed(seed)
        inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        new_tokens = model.generate(**inputs, generation_config=config)[:, inputs["input_ids"].shape[1]:]
    finished = [any(int(t) in eos for t in row) for row in new_tokens]
    completions = tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
    db = str(db) if db else None
    per_task: dict[str, dict] = {}
    for index, record in enumerate(records):
        span = range(index * num_generations, (index + 1) * num_generations)
        group = [score(record, completions[i].strip(), db=db, config=rewards).total for i in span]
        stats = per_task.setdefault(record["task"], {"clipped": [], "stds": []})
        stats["clipped"].extend(not finished[i] for i in span)
        stats["stds"].append(_std(group))
    return {task: TaskProbe(n_rollouts=len(s["clipped"]), clipped_ratio=sum(s["clipped"]) / len(s["clipped"]),
                            reward_std=sum(s["stds"]) / len(s["stds"]),
                            zero_std_groups=sum(1 for v in s["stds"] if math.isclose(v, 0.0, abs_tol=1e-9)),
                            n_groups=len(s["stds"]))
            for task, s in per_task.items()}


def judge(probe: dict[str, TaskProbe], *, max_completion_length: int, temperature: float
          ) -> tuple[list[str], str | None]:
    """(warnings, failure): a failure only when the run as a whole cannot learn (module docstring)."""
    warnings = [
        f"task {task}: every probe rollout hit max_completion_length={max_completion_length} (clipped ratio "
        f"{p.clipped_ratio:.2f} over {p.n_rollouts}); it gives no learning signal until its answers finish — "
        f"include it in sft.tasks, give it a lower grpo.task_mix weight, or raise grpo.max_completion_length"
        for task, p in probe.items() if p.clipped_ratio >= 1.0
    ]
    problems = []
    if probe and all(p.clipped_ratio >= 1.0 for p in probe.values()):
        problems.append(
            f"no task finished an answer: every rollout of every task hit max_completion_length="
            f"{max_completion_length}; raise grpo.max_completion_length or shorten the expected output"
        )
    if probe and all(p.zero_std_groups == p.n_groups for p in probe.values()):
        problems.append(
            f"every rollout group of every task got one reward (zero variance), so GRPO has zero advantage and "
            f"learns nothing. Rollouts are sampled at temperature {temperature}; check that the rewards vary and "
            f"that nothing forces greedy decoding (L-gen-config)"
        )
    failure = None
    if problems:
        summary = ", ".join(f"{task} clipped {p.clipped_ratio:.2f} std {p.reward_std:.3f}" for task, p in probe.items())
        failure = f"preflight probe ({summary}): " + "; and ".join(problems)
    return warnings, failure


def _std(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
