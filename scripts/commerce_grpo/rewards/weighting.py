"""MT-GRPO Improvement-Weighted Update (IWU) task weights (MT-GRPO, arXiv 2602.05547 §3.2).

Per task k, with mean reward I_k this update and improvement J_k = I_k − I_k(previous):
    s_k = I_k + λ·J_k
    g_k = z_k · (s_k − Σ_j z_j s_j)
    ξ ← ξ − β·g
    z = softmax(ξ)
The gradient step lowers the logits of tasks that score above the weighted average and raises
stagnating ones, so training samples less of the easy tasks (the study's weights
drifted to extraction 0.445, sql_qa 0.353, push 0.110, insights 0.092).
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence


class IWUTaskWeights:
    """Task sampling weights ``z`` updated from per-task mean rewards; starts uniform.

    ``update`` ignores tasks missing from its argument (not sampled this step): their logits,
    previous rewards and weights keep their values apart from the softmax renormalisation.
    """

    def __init__(self, tasks: Sequence[str], *, lam: float = 1.0, beta: float = 0.1,
                 initial: Mapping[str, float] | None = None):
        if not tasks or len(set(tasks)) != len(tasks):
            raise ValueError(f"IWUTaskWeights: tasks must be distinct and non-empty, got {list(tasks)}")
        if lam < 0 or beta <= 0:
            raise ValueError(f"IWUTaskWeights: need lambda >= 0 and beta > 0, got lambda={lam}, beta={beta}")
        self.tasks = tuple(tasks)
        self.lam, self.beta = float(lam), float(beta)
        if initial is not None:
            if set(initial) != set(self.tasks) or any(not v > 0 for v in initial.values()):
                raise ValueError(f"IWUTaskWeights: initial must give a positive weight to each of {self.tasks}")
            self.logits = {t: math.log(initial[t]) for t in self.tasks}
        else:
            self.logits = dict.fromkeys(self.tasks, 0.0)
        self.previous: dict[str, float] = {}
        self.history: list[dict[str, float]] = []

    @property
    def weights(self) -> dict[str, float]:
        """z = softmax(ξ), summing to 1."""
        top = max(self.logits.values())
        exp = {t: math.exp(v - top) for t, v in self.logits.items()}
        total = sum(exp.values())
        return {t: v / total for t, v in exp.items()}

    def update(self, per_task_reward: Mapping[str, float]) -> dict[str, float]:
        """One IWU step from this step's mean reward per task; returns the new weights."""
        observed = {t: float(r) for t, r in per_task_reward.items()
                    if t in self.logits and r is not None and math.isfinite(float(r))}
        unknown = set(per_task_reward) - set(self.logits)
        if unknown:
            raise ValueError(f"IWUTaskWeights.update: unknown task(s) {sorted(unknown)} (known: {self.tasks})")
        if observed:
            z = self.weights
            s = {t: r + self.lam * (r - self.previous.get(t, r)) for t, r in observed.items()}
            mass = sum(z[t] for t in s)
            baseline = sum(z[t] * s[t] for t in s) / mass
            for t, s_k in s.items():
                self.logits[t] -= self.beta * z[t] * (s_k - baseline)
            self.previous.update(observed)
        weights = self.weights
        self.history.append(weights)
        return weights
