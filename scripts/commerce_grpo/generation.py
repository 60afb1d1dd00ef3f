"""Batched chat generation with every decoding parameter explicit.

L-gen-config: the model's own ``generation_config.json`` (temperature 0.1) silently decided the
rollout temperature and killed learning. Here decoding comes only from the arguments: during the
call the model's generation_config is swapped for a neutral one, so transformers fills what we
leave unset with its global defaults, never with the checkpoint's choices.

Prompts are sorted by length and batched with left padding (decoder-only models continue from the
right edge), then returned in input order. The model is put in generation mode through its backend
(``modeling.backends.generation_mode``: Unsloth's for_inference/for_training) and left as it came.
"""
from __future__ import annotations

import contextlib
import logging
import time

import torch
from transformers import GenerationConfig

from commerce_grpo.modeling.backends import generation_mode

log = logging.getLogger(__name__)


def decoding_config(*, max_new_tokens: int, temperature: float, top_p: float, top_k: int, eos_token_id,
                    pad_token_id: int) -> GenerationConfig:
    """temperature 0 = greedy; otherwise sampling with exactly the given temperature, top_p, top_k (0 = off)."""
    if temperature < 0:
        raise ValueError(f"evaluate.temperature: {temperature} is negative")
    sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p, "top_k": top_k} if temperature > 0 \
        else {"do_sample": False}
    return GenerationConfig(max_new_tokens=max_new_tokens, eos_token_id=eos_token_id, pad_token_id=pad_token_id,
                            num_beams=1, repetition_penalty=1.0, **sampling)


@contextlib.contextmanager
def _neutral_generation_config(model):
    """Hide the checkpoint's generation_config (PEFT wrappers delegate to the inner model)."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    saved = inner.generation_config
    inner.generation_config = GenerationConfig()
    try:
        yield saved
    finally:
        inner.generation_config = saved


def _stop_tokens(tokenizer, saved: GenerationConfig) -> list[int]:
    """End-of-turn ids: the tokenizer's eos plus the checkpoint's (Qwen ends turns on <|im_end|>)."""
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    eos = saved.eos_token_id
    ids |= set(eos if isinstance(eos, (list, tuple)) else [eos] if eos is not None else [])
    return sorted(ids)


def generate(model, tokenizer, prompts: list[list[dict]], *, max_new_tokens: int, temperature: float, top_p: float,
             top_k: int, seed: int, batch_size: int) -> list[str]:
    """One completion per chat prompt (system/user messages), in the order of ``prompts``."""
    if batch_size < 1:
        raise ValueError(f"evaluate.batch_size: {batch_size} must be at least 1")
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts]
    lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
    order = sorted(range(len(texts)), key=lambda i: -lengths[i])
    completions: list[str | None] = [None] * len(texts)
    device = next(model.parameters()).device
    torch.manual_seed(seed)
    start = time.perf_counter()
    with generation_mode(model), _neutral_generation_config(model) as saved, torch.inference_mode():
        config = decoding_config(max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, top_k=top_k,
                                 eos_token_id=_stop_tokens(tokenizer, saved), pad_token_id=tokenizer.pad_token_id)
        for first in range(0, len(order), batch_size):
            batch = order[first : first + batch_size]
            inputs = tokenizer([texts[i] for i in batch], return_tensors="pt", padding=True,
                               add_special_tokens=False).to(device)
            output = model.generate(**inputs, generation_config=config)
            new_tokens = output[:, inputs["input_ids"].shape[1]:]
            for i, text in zip(batch, tokenizer.batch_decode(new_tokens, skip_special_tokens=True)):
                completions[i] = text.strip()
            done = first + len(batch)
            log.info("generated %d/%d prompts (%.1f prompts/s)", done, len(texts),
                     done / max(time.perf_counter() - start, 1e-9))
    return completions
