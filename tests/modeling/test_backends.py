"""Backend selection, lazy GPU imports, adapters and merging."""
import importlib.util
import subprocess
import sys

import pytest
import torch
from peft import PeftModel

from commerce_grpo.modeling import attach_lora, load_model, resolve_backend
from commerce_grpo.modeling.merge import merge_adapter
from modeling.tiny_fixtures import TINY_MODEL, perturbed_adapter

LORA = {"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "all-linear", "modules_to_save": []}


def test_auto_is_hf_without_cuda():
    assert not torch.cuda.is_available()
    assert resolve_backend("auto") == "hf"
    assert resolve_backend("hf") == "hf"


def test_unsloth_without_gpu_says_why():
    with pytest.raises(RuntimeError, match="CUDA"):
        resolve_backend("unsloth")


def test_unknown_backend_names_the_key():
    with pytest.raises(ValueError, match="model.backend"):
        resolve_backend("vllm")


def _imported_with_the_package(module: str) -> bool:
    code = ("import sys, commerce_grpo.modeling, commerce_grpo.train.grpo, commerce_grpo.train.sft, "
            f"commerce_grpo.evaluate; print({module!r} in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": "scripts", "PATH": ""}, cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    return out.stdout.strip() == "True"


def test_unsloth_is_not_imported_with_the_package():
    """It refuses to import without a GPU; only import_backend_first imports it (unsloth_first)."""
    assert not _imported_with_the_package("unsloth")


@pytest.mark.skipif(importlib.util.find_spec("bitsandbytes") is not None,
                    reason="bitsandbytes is installed, and peft imports it whenever it is (GPU-pins env)")
def test_bitsandbytes_is_not_imported_with_the_package():
    assert not _imported_with_the_package("bitsandbytes")


def test_4bit_on_cpu_fails_with_the_reason(tiny_base):
    with pytest.raises(RuntimeError, match="load_in_4bit"):
        load_model(tiny_base, model={**TINY_MODEL, "load_in_4bit": True})


def test_adapter_round_trip_and_merge(tiny_base, tmp_path):
    adapter = perturbed_adapter(tiny_base, tmp_path / "adapter", LORA)
    with_adapter, tokenizer = load_model(tiny_base, adapter=adapter, model=TINY_MODEL)
    bare, _ = load_model(tiny_base, model=TINY_MODEL)
    assert isinstance(with_adapter, PeftModel)
    ids = tokenizer("Produto chegou", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        adapted = with_adapter(ids).logits
        assert not torch.allclose(adapted, bare(ids).logits)
        merged_dir = merge_adapter(base=tiny_base, adapter=adapter, output=tmp_path / "merged", model=TINY_MODEL)
        from transformers import AutoModelForCausalLM
        merged = AutoModelForCausalLM.from_pretrained(merged_dir)
        assert torch.allclose(merged(ids).logits, adapted, atol=1e-4)


def test_trainable_adapter_has_trainable_lora_only(tiny_base, tmp_path):
    adapter = perturbed_adapter(tiny_base, tmp_path / "adapter", LORA)
    model, _ = load_model(tiny_base, adapter=adapter, model=TINY_MODEL, trainable=True)
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in name for name in trainable)


def test_modules_to_save_train_the_norms_and_survive_save_load_merge(tiny_base, tmp_path):
    """lora.modules_to_save: [norm] trains every RMSNorm beside the LoRA (the embedded model's logits
    cannot sharpen otherwise); the norms are saved with the adapter, loaded back and merged."""
    model, tokenizer = load_model(tiny_base, model=TINY_MODEL, trainable=True)
    peft_model = attach_lora(model, lora={**LORA, "modules_to_save": ["norm"]}, model=TINY_MODEL, seed=0)
    trainable = [name for name, p in peft_model.named_parameters() if p.requires_grad]
    norms = [name for name in trainable if "modules_to_save" in name]
    assert {n.split(".modules_to_save")[0].rsplit(".", 1)[-1] for n in norms} == {
        "input_layernorm", "post_attention_layernorm", "norm"}
    assert all("lora_" in name or name in norms for name in trainable)
    ids = tokenizer("Produto chegou", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        before = torch.softmax(peft_model(ids).logits, -1).max(-1).values.mean()
        for name, param in peft_model.named_parameters():
            if name in norms and name.endswith("model.norm.modules_to_save.default.weight"):
                param.mul_(4.0)  # a larger final gain: sharper next-token distributions
        after_logits = peft_model(ids).logits
    assert torch.softmax(after_logits, -1).max(-1).values.mean() > before
    peft_model.save_pretrained(tmp_path / "adapter")
    loaded, _ = load_model(tiny_base, adapter=tmp_path / "adapter", model=TINY_MODEL)
    retrained, _ = load_model(tiny_base, adapter=tmp_path / "adapter", model=TINY_MODEL, trainable=True)
    assert any("modules_to_save" in n for n, p in retrained.named_parameters() if p.requires_grad)
    assert not any(p.requires_grad for p in loaded.parameters())
    with torch.no_grad():
        assert torch.allclose(loaded(ids).logits, after_logits, atol=1e-5)
        merged_dir = merge_adapter(base=tiny_base, adapter=tmp_path / "adapter", output=tmp_path / "merged",
                                   model=TINY_MODEL)
        from transformers import AutoModelForCausalLM
        assert torch.allclose(AutoModelForCausalLM.from_pretrained(merged_dir)(ids).logits, after_logits, atol=1e-4)
