"""Trainable parameters are fp32 on every backend, under a bf16-loaded model as on a GPU.

A bf16 copy of a norm (``lora.modules_to_save: [norm]``) cannot take an update of ~2e-4 near
1.0 (bf16 resolves 2^-7 there): the demo's norms would not train on a GPU. CUDA is not needed to
show it: the model is loaded in bf16 on CPU through the same code (``compute_dtype``).
"""
import pytest
import torch

from commerce_grpo.modeling import backends
from commerce_grpo.train.runtime import trainable_policy
from modeling.tiny_fixtures import TINY_MODEL, perturbed_adapter
from modeling.unsloth_fixtures import fake_unsloth  # noqa: F401  (fixture)
from train.train_fixtures import LORA

LEARNING_RATE = 2.0e-4  # the demo's GRPO learning rate


@pytest.fixture(params=["hf", "unsloth"])
def backend(request, monkeypatch):
    if request.param == "unsloth":
        request.getfixturevalue("fake_unsloth")
    monkeypatch.setattr(backends, "compute_dtype", lambda: torch.bfloat16)
    return request.param


def _one_adamw_step(policy, tokenizer) -> dict:
    """Trainable weights before and after one AdamW step at the demo's learning rate."""
    ids = tokenizer("Produto chegou antes do prazo", return_tensors="pt")["input_ids"]
    trainable = {name: p for name, p in policy.named_parameters() if p.requires_grad}
    before = {name: p.detach().clone() for name, p in trainable.items()}
    optimizer = torch.optim.AdamW(trainable.values(), lr=LEARNING_RATE)
    policy.train()
    output = policy(input_ids=ids, labels=ids)
    assert output.logits.dtype == torch.bfloat16  # the model computes in bf16, as on a GPU
    output.loss.backward()
    optimizer.step()
    return {name: not torch.equal(before[name], p) for name, p in trainable.items()}


def _check(policy, tokenizer):
    assert {p.dtype for n, p in policy.named_parameters() if "embed_tokens" in n} == {torch.bfloat16}
    trainable = {name: p.dtype for name, p in policy.named_parameters() if p.requires_grad}
    assert any(".modules_to_save." in name for name in trainable)
    assert {name for name, dtype in trainable.items() if dtype != torch.float32} == set()
    moved = _one_adamw_step(policy, tokenizer)
    norms = {name: changed for name, changed in moved.items() if ".modules_to_save." in name}
    assert norms and all(norms.values()), [name for name, changed in norms.items() if not changed]


def test_fresh_lora_trains_lora_and_norms_in_fp32(backend, tiny_base):
    policy, tokenizer = trainable_policy(tiny_base, model={**TINY_MODEL, "backend": backend}, lora=LORA, seed=0)
    _check(policy, tokenizer)


def test_a_loaded_adapter_trains_in_fp32(backend, tiny_base, tmp_path):
    """GRPO from the SFT adapter: the saved norms load into the bf16 model, then train in fp32."""
    adapter = perturbed_adapter(tiny_base, tmp_path / "adapter", LORA)
    policy, tokenizer = trainable_policy(tiny_base, model={**TINY_MODEL, "backend": backend}, lora=LORA, seed=0,
                                         adapter=adapter)
    _check(policy, tokenizer)
