"""Task-weighted prompt sampling for GRPO: a fixed task mix and/or MT-GRPO IWU.

Replaces TRL's RepeatSampler when ``grpo.task_mix`` is set or ``grpo.task_weighting.enabled``:
each step's prompts are drawn task-first with the current weights, then a prompt of that task
from a reshuffled cycle; each index is repeated ``num_generations`` times, the layout
GRPOTrainer expects from its own sampler.

``grpo.task_mix`` gives the starting weights (a task at 0 is never drawn), so GRPO can train on
a different mix than the pairs' training pool without changing what SFT sees (L-minority: a
10 % task gets too few prompts in a short run to learn from). With IWU on, the weights then move
from every step's per-task training reward; without it they stay fixed.
"""
from __future__ import annotations

import math
import random

from torch.utils.data import Sampler

from commerce_grpo.rewards.weighting import IWUTaskWeights


class TaskWeightedSampler(Sampler):
    def __init__(self, task_of_index: list[str], *, settings: dict, prompts_per_step: int,
                 num_generations: int, seed: int, mix: dict[str, float] | None = None, adaptive: bool = True):
        """``settings``: the ``task_weighting`` section (lambda, beta); ``mix``: starting weights
        per task (None = uniform over the pool's tasks); ``adaptive`` = False keeps them fixed."""
        self.task_of_index = task_of_index
        self.prompts_per_step = prompts_per_step
        self.num_generations = num_generations
        self.adaptive = adaptive
        self.rng = random.Random(seed)
        present = sorted(set(task_of_index), key=task_of_index.index)
        if mix is not None:
            unknown = sorted(task for task, weight in mix.items() if weight > 0 and task not in present)
            if unknown or any(weight < 0 for weight in mix.values()):
                raise ValueError(f"grpo.task_mix: weights must be >= 0 and name tasks of the training pool "
                                 f"{present}; got {mix}")
            present = [task for task in present if mix.get(task, 0) > 0]
            if not present:
                raise ValueError(f"grpo.task_mix: no task has a positive weight: {mix}")
        self.tasks = present
        initial = {task: float(mix[task]) for task in self.tasks} if mix is not None else None
        self.iwu = IWUTaskWeights(self.tasks, lam=settings["lambda"], beta=settings["beta"], initial=initial)
        self.queues = {task: [] for task in self.tasks}

    @property
    def weights(self) -> dict[str, float]:
        return self.iwu.weights

    def update(self, per_task_reward: dict[str, float]) -> dict[str, float]:
        """One IWU step (none when not ``adaptive``); tasks not sampled this step (NaN or absent)
        keep their logits."""
        if not self.adaptive:
            return self.weights
        return self.iwu.update({task: value for task, value in per_task_reward.items()
                                if task in self.iwu.logits and not math.isnan(value)})

    def _next_index(self, task: str) -> int:
        if not self.queues[task]:
            self.queues[task] = [i for i, t in enumerate(self.task_of_index) if t == task]
            self.rng.shuffle(self.queues[task])
        return self.queues[task].pop()

    def __iter__(self):
        for _ in range(len(self.task_of_index) // self.prompts_per_step):
            weights = self.weights  # read per step: updates land between steps
            tasks = self.rng.choices(self.tasks, weights=[weights[t] for t in self.tasks], k=self.prompts_per_step)
            for task in tasks:
                index = self._next_index(task)
                for _ in range(self.num_generations):
                    yield index

    def __len__(self) -> int:
        return (len(self.task_of_index) // self.prompts_per_step) * self.prompts_per_step * self.num_generations
