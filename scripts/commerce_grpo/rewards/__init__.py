"""Rewards: the product specification (L-reward-spec), scored through the task registry.

``score(record, completion, *, db=None, config=None) -> Reward`` scores one completion with the
preset ``config["preset"]`` names: ``correctness`` (default: right for this input, in this task's
format) or ``study`` (the study's published reward, to reproduce the recipe). Each task's reward
module per preset and its default weights live in its package (``commerce_grpo.tasks.<task>``:
``reward``, ``study_reward``); ``rewards.config`` resolves the preset and the config's overrides.
``trl`` exposes each task component as a TRL reward function, ``judge`` the optional LLM judge,
``weighting`` the MT-GRPO IWU task weights, ``classify`` routes a prompt to its task. This package
sits above the registry; what the tasks share is ``commerce_grpo.tasklib``, below them.
"""
from commerce_grpo.rewards.scoring import score
from commerce_grpo.tasklib.core import Reward

__all__ = ["Reward", "score"]
