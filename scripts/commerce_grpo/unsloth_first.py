"""How Unsloth and TRL meet: the one rule, and the backend choice it depends on.

The rule: **when the backend resolves to unsloth, ``import unsloth`` runs before trl, transformers
or peft, and no module binds a TRL trainer or config class at import time.**

- Every model-loading entry point calls :func:`import_backend_first` as its first statement (the
  ``train_sft``, ``train_grpo`` and ``evaluate`` rule scripts, the GPU benchmarks). This module
  imports only torch, so calling it cannot drag trl/transformers/peft in ahead of unsloth.
- ``train/sft.py`` and ``train/grpo.py`` look up ``trl.SFTTrainer``/``trl.SFTConfig`` and
  ``trl.GRPOTrainer``/``trl.GRPOConfig`` when they build a trainer, after the backend is active,
  and our GRPO trainer class is made then (``train.grpo.commerce_trainer_class``), not at import.

Why: ``import unsloth`` rewrites TRL in place (``trl.GRPOTrainer`` becomes ``UnslothGRPOTrainer``,
likewise SFT and the configs, ``unsloth/models/rl.py``) and patches transformers/peft. A class bound
or subclassed before that stays plain TRL: GRPO ran as plain TRL while SFT got Unsloth's trainer.
With the rule both stages run on Unsloth's trainers (backend unsloth) or both on plain TRL
(backend hf), never one of each. ``modeling.backends.load_model`` calls this function too, so a
caller that forgot still gets Unsloth's trainers (Unsloth then warns that transformers came first).

unsloth is never imported on a machine without CUDA: it refuses to run there, and
CI's GPU-pins environment has it installed only to check its API without importing it.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import sys

import torch

log = logging.getLogger(__name__)

BACKENDS = ("auto", "hf", "unsloth")
PATCHED_BY_UNSLOTH = ("trl", "transformers", "peft")


def unsloth_usable() -> bool:
    """CUDA present and unsloth installed (found, not imported)."""
    return torch.cuda.is_available() and importlib.util.find_spec("unsloth") is not None


def resolve_backend(backend: str) -> str:
    """The concrete backend for ``model.backend``; explains why when unsloth cannot be used."""
    if backend not in BACKENDS:
        raise ValueError(f"model.backend: {backend!r} is not one of {BACKENDS}")
    usable = unsloth_usable()
    if backend == "auto":
        return "unsloth" if usable else "hf"
    if backend == "unsloth" and not usable:
        raise RuntimeError(
            "model.backend: unsloth needs a CUDA GPU and the unsloth package (envs/gpu.yaml); "
            f"cuda available={torch.cuda.is_available()}, unsloth installed="
            f"{importlib.util.find_spec('unsloth') is not None}. Use backend: auto or hf on this machine."
        )
    return backend


def import_backend_first(model: dict) -> str:
    """Resolve ``model["backend"]`` and, for unsloth, import it now (idempotent); returns the backend."""
    backend = resolve_backend(model["backend"])
    if backend == "unsloth" and "unsloth" not in sys.modules:
        early = [name for name in PATCHED_BY_UNSLOTH if name in sys.modules]
        if early:
            log.warning("unsloth imported after %s: call import_backend_first() first in the entry point "
                        "(TRL's trainers are still Unsloth's; some transformers patches may be missed)", early)
        importlib.import_module("unsloth")
    return backend
