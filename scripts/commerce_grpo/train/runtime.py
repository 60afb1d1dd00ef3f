"""What the SFT and GRPO trainers share: the trainable policy and the device half of their TRL config."""
from __future__ import annotations

import torch

from commerce_grpo.modeling import attach_lora, load_model


def trainable_policy(base, *, model: dict, lora: dict, seed: int, adapter=None):
    """(policy, tokenizer): ``adapter`` loaded trainable, to train further (GRPO from the SFT
    warm-up), else a fresh LoRA from the ``lora`` section on the base model."""
    if adapter:
        return load_model(base, adapter=adapter, model=model, trainable=True)
    policy, tokenizer = load_model(base, model=model, trainable=True)
    return attach_lora(policy, lora=lora, model=model, seed=seed), tokenizer


def runtime_options(seed: int) -> dict:
    """Options both TRL configs set alike: the seeds, a log row per step, and the device (bf16 on a
    GPU; on CPU fp32 and no gradient checkpointing, since TRL's configs default to bf16 and
    checkpointing, and ``use_cpu`` alone leaves bf16 on)."""
    on_gpu = torch.cuda.is_available()
    return dict(seed=seed, data_seed=seed, logging_steps=1, use_cpu=not on_gpu, bf16=on_gpu,
                gradient_checkpointing=False, disable_tqdm=True)
