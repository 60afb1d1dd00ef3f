"""Rewards: the product specification (L-reward-spec), one module per task.

``score(record, completion, *, db=None, config=None) -> Reward`` scores one completion with the
preset ``config["preset"]`` names: ``correctness`` (default; the task modules of this package:
right for this input, in this task's format) or ``study`` (``rewards.study``: the study's
published reward, to reproduce the recipe). Each task's modules and default weights per preset
are declared by its plug-in (``commerce_grpo.tasks``); ``rewards.config`` resolves them. ``trl``
exposes each task component as a TRL reward function; ``weighting`` holds the MT-GRPO IWU task
weights; ``errors`` counts rewards that raised (scored 0) for training to log.
"""
from commerce_grpo.rewards.core import Reward
from commerce_grpo.rewards.scoring import score

__all__ = ["Reward", "score"]
