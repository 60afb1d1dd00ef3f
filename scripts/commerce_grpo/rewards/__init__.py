"""Rewards: the product specification (seed 003 §10), one module per task.

``score(record, completion, *, db=None, config=None) -> Reward`` scores one completion; ``trl``
exposes each task component as a TRL reward function; ``weighting`` holds the MT-GRPO IWU task
weights; ``errors`` counts rewards that raised (scored 0) for training to log.
"""
from commerce_grpo.rewards.core import Reward
from commerce_grpo.rewards.scoring import score

__all__ = ["Reward", "score"]
