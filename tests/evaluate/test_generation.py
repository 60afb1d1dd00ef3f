"""Batched generation: same greedy text as one at a time, and decoding never from the checkpoint."""
import pytest
from transformers import GenerationConfig

from commerce_grpo.generation import decoding_config, generate

GREEDY = {"max_new_tokens": 24, "temperature": 0.0, "top_p": 1.0, "top_k": 0, "seed": 0}


def test_batched_greedy_equals_one_by_one(tiny_lm, chats):
    model, tokenizer = tiny_lm
    batched = generate(model, tokenizer, chats, batch_size=4, **GREEDY)
    single = [generate(model, tokenizer, [c], batch_size=1, **GREEDY)[0] for c in chats]
    assert batched == single
    assert len(set(batched)) > 1  # different prompts, different text: the test can fail


def test_sampling_is_seeded(tiny_lm, chats):
    model, tokenizer = tiny_lm
    sample = {**GREEDY, "temperature": 1.0}
    first = generate(model, tokenizer, chats, batch_size=3, **sample)
    assert first == generate(model, tokenizer, chats, batch_size=3, **sample)
    assert first != generate(model, tokenizer, chats, batch_size=3, **{**sample, "seed": 1})


def test_checkpoint_generation_config_never_decides(tiny_lm, chats):
    """L-gen-config: a checkpoint asking for near-greedy sampling must not change our greedy output."""
    model, tokenizer = tiny_lm
    expected = generate(model, tokenizer, chats, batch_size=6, **GREEDY)
    saved = model.generation_config
    model.generation_config = GenerationConfig(do_sample=True, temperature=5.0, top_k=3, min_p=0.5,
                                               repetition_penalty=3.0, max_new_tokens=2)
    try:
        assert generate(model, tokenizer, chats, batch_size=6, **GREEDY) == expected
        assert model.generation_config.temperature == 5.0  # restored after the call
    finally:
        model.generation_config = saved


def test_decoding_config_is_explicit():
    greedy = decoding_config(max_new_tokens=8, temperature=0, top_p=0.9, top_k=5, eos_token_id=[1], pad_token_id=0)
    assert greedy.do_sample is False
    sampled = decoding_config(max_new_tokens=8, temperature=0.1, top_p=0.9, top_k=0, eos_token_id=[1], pad_token_id=0)
    assert (sampled.do_sample, sampled.temperature, sampled.top_p, sampled.top_k) == (True, 0.1, 0.9, 0)
    with pytest.raises(ValueError, match="temperature"):
        decoding_config(max_new_tokens=8, temperature=-1, top_p=1, top_k=0, eos_token_id=[1], pad_token_id=0)
