"""Task-weighted prompt sampling for GRPO (MT-GRPO IWU, seed 003 §5).

Replaces TRL's RepeatSampler when ``grpo.task_weighting.enabled``: each step's prompts are drawn
task-first with the current IWU weights (updated from every step's per-task training reward),
then a prompt of that task from a reshuffled cycle; each index is repeated ``num_generations``
times, the layout GRPOTrainer expects from its own sampler.
"""
from __future__ import annotations

import math
import random

from torch.utils.data import Sampler

from commerce_grpo.rewards.weighting import IWUTaskWeights


class TaskWeightedSampler(Sampler):
    def __init__(self, task_of_index: list[str], *, settings: dict, prompts_per_step: int,
                 num_generations: int, seed: int):
        self.task_of_index = task_of_index
        self.prompts_per_step = prompts_per_step
        self.num_generations = num_generations
        self.rng = random.Random(seed)
        self.tasks = sorted(set(task_of_index), key=task_of_index.index)
        self.iwu = IWUTaskWeights(self.tasks, lam=settings["lambda"], beta=settings["beta"])
        self.queues = {task: [] for task in self.tasks}

    @property
    def weights(self) -> dict[str, float]:
        return self.iwu.weights

    def update(self, per_task_reward: dict[str, float]) -> dict[str, float]:
        """One IWU step; tasks not sampled this step (NaN or absent) keep their logits."""
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
