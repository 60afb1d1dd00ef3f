"""One recipe on both backends: the SFT and GRPO trainer arguments built from one config are the
same field by field on backend hf (TRL's configs) and unsloth (Unsloth's, which default
optimizer, weight decay, accumulation, warmup and importance sampling otherwise).

The unsloth side is tests/fakes/unsloth, whose config defaults are checked against the installed
unsloth's source in test_unsloth_backend.py (CI's GPU-pins environment); the real classes are
generated when unsloth is imported, which needs a GPU.
"""
import pytest

from commerce_grpo.train.grpo import grpo_config
from commerce_grpo.train.sft import sft_config
from commerce_grpo.unsloth_first import import_backend_first
from modeling.tiny_fixtures import TINY_MODEL
from modeling.unsloth_fixtures import fake_unsloth  # noqa: F401  (fixture)
from train.train_fixtures import GRPO, SFT, grpo_section

UNSLOTH = {**TINY_MODEL, "backend": "unsloth"}
VLLM = {**GRPO["vllm"], "enabled": True}


def _fields(args) -> dict:
    return args.to_dict()


def _differences(plain, unsloth) -> dict:
    """Every TRL field whose value differs (Unsloth's own extra fields left out)."""
    mine, theirs = _fields(plain), _fields(unsloth)
    return {key: (value, theirs[key]) for key, value in mine.items() if theirs[key] != value}


def _both(build, fake_unsloth):
    plain = build()
    import_backend_first(UNSLOTH)  # the fake rebinds trl.SFTConfig/GRPOConfig, as the real one does
    unsloth = build()
    assert type(unsloth).__name__.startswith("Unsloth") and not type(plain).__name__.startswith("Unsloth")
    return plain, unsloth


def test_sft_arguments_are_the_same_on_both_backends(fake_unsloth, tmp_path):
    plain, unsloth = _both(lambda: sft_config(SFT, str(tmp_path)), fake_unsloth)
    assert _differences(plain, unsloth) == {}


@pytest.mark.parametrize("vllm", [GRPO["vllm"], VLLM], ids=["generate", "vllm"])
def test_grpo_arguments_are_the_same_on_both_backends(fake_unsloth, tmp_path, vllm):
    grpo = grpo_section(vllm=vllm, loss_type="dapo", scale_rewards="none", mask_truncated_completions=False)
    plain, unsloth = _both(lambda: grpo_config(grpo, seed=3, output_dir=tmp_path, weights=[1.0]), fake_unsloth)
    assert _differences(plain, unsloth) == {}


def test_without_explicit_arguments_the_backends_train_different_recipes(fake_unsloth, tmp_path):
    """What the parity tests guard against: bare configs differ in exactly Unsloth's defaults."""
    import trl

    device = {"output_dir": str(tmp_path), "use_cpu": True, "bf16": False}
    plain_sft, unsloth_sft = _both(lambda: trl.SFTConfig(**device), fake_unsloth)
    assert {"optim", "weight_decay", "gradient_accumulation_steps", "warmup_steps", "padding_free",
            "per_device_train_batch_size", "seed"} <= set(_differences(plain_sft, unsloth_sft))
    unsloth_grpo = trl.GRPOConfig(**device, use_vllm=True)
    trl_grpo = type(unsloth_grpo).__mro__[1](**device, use_vllm=True)
    differences = _differences(trl_grpo, unsloth_grpo)
    assert {"optim", "weight_decay", "vllm_importance_sampling_correction", "top_k"} <= set(differences)
    assert differences["vllm_importance_sampling_correction"] == (True, False)
