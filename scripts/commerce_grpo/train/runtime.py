"""What the SFT and GRPO trainers share: the trainable policy and the device half of their TRL config."""
from __future__ import annotations

import torch

from commerce_grpo.modeling import attach_lora, load_model


def trainable_policy(base, *, model: dict, lora: dict, seed: int, adapter=None, vllm_engine: dict | None = None):
    """(policy, tokenizer): ``adapter`` loaded trainable, to train further (GRPO from the SFT
    warm-up), else a fresh LoRA from the ``lora`` section on the base model. ``vllm_engine``: see
    ``modeling.backends.load_model`` (GRPO's rollouts on Unsloth's own engine)."""
    if adapter:
        return load_model(base, adapter=adapter, model=model, trainable=True, vllm_engine=vllm_engine)
    policy, tokenizer = load_model(base, model=model, trainable=True, vllm_engine=vllm_engine)
    return attach_lora(policy, lora=lora, model=model, seed=seed), tokenizer


def full_parameter_policy(base, *, model: dict):
    """(policy, tokenizer) with every weight of the base trainable, as a PEFT adapter.

    The adapter holds a trainable copy of each module that owns weights (PEFT ``modules_to_save``,
    no LoRA; the output head stays tied to the embedding copy), so it is saved, loaded and trained
    further by GRPO exactly like a LoRA adapter. For the embedded model only (sft.full_parameter):
    LoRA on its 128-wide layers learned the marginal extraction answer and never read the review.
    """
    from peft import LoraConfig, get_peft_model
    from peft.utils.constants import DUMMY_TARGET_MODULES

    policy, tokenizer = load_model(base, model=model, trainable=True)
    owners = sorted({name.rsplit(".", 1)[-1] for name, module in policy.named_modules()
                     if name and next(module.parameters(recurse=False), None) is not None})
    config = LoraConfig(target_modules=DUMMY_TARGET_MODULES, modules_to_save=owners, ensure_weight_tying=True,
                        task_type="CAUSAL_LM")
    return get_peft_model(policy, config), tokenizer


def runtime_options(seed: int) -> dict:
    """Options both TRL configs set alike: the seeds, a log row per step, and the device (bf16 on a
    GPU; on CPU fp32, since TRL's configs default to bf16 and ``use_cpu`` alone leaves it on).

    The rest are written out because Unsloth's config classes default them otherwise (its
    ``unsloth/models/rl.py``; docs/gpu.md), so both backends get the same values: checkpointing
    is set on the model at load (``model.gradient_checkpointing``, read there by Unsloth's
    trainers too), losses are logged as they are (inf/NaN included), and no cache emptying or
    accumulation of evaluation outputs is scheduled.
    """
    on_gpu = torch.cuda.is_available()
    return dict(seed=seed, data_seed=seed, logging_steps=1, use_cpu=not on_gpu, bf16=on_gpu, fp16=False,
                gradient_checkpointing=False, disable_tqdm=True, logging_nan_inf_filter=False,
                torch_empty_cache_steps=None, eval_accumulation_steps=None)


def optimizer_options(section: dict) -> dict:
    """A stage's optimizer as TRL options (``sft``/``grpo`` sections alike)."""
    return dict(optim=section["optimizer"], weight_decay=section["weight_decay"])
