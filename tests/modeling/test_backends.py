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
NORMS = {**LORA, "modules_to_save": ["norm"]}


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


def _front_matter(card: str) -> dict:
    import yaml

    return yaml.safe_load(card.split("---")[1])


def test_merge_is_fp32_where_training_loads_bf16(tiny_base, tmp_path, monkeypatch):
    """It loaded through the training load before, bf16 whenever CUDA was present; the card says
    which base weights were merged."""
    from transformers import AutoModelForCausalLM

    from commerce_grpo.modeling import backends

    adapter = perturbed_adapter(tiny_base, tmp_path / "adapter", LORA)
    monkeypatch.setattr(backends, "compute_dtype", lambda: torch.bfloat16)  # what a GPU machine loads in
    merged_dir = merge_adapter(base=tiny_base, adapter=adapter, output=tmp_path / "merged", model=TINY_MODEL)
    assert {p.dtype for p in AutoModelForCausalLM.from_pretrained(merged_dir).parameters()} == {torch.float32}
    card = _front_matter((merged_dir / "README.md").read_text())
    assert card["base_weights"] == "original" and card["merge_dtype"] == "float32"


@pytest.mark.skipif(importlib.util.find_spec("bitsandbytes") is None,
                    reason="bitsandbytes is the `gpu` extra (installed in CI's GPU-pins environment .venv-gpu)")
def test_an_nf4_trained_adapter_is_merged_into_the_nf4_weights(tiny_base, tmp_path):
    """The merged model is base-as-evaluated (NF4 round trip of every quantised linear) + adapter."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from commerce_grpo.modeling.merge import nf4_round_trip, quantised_linear_names

    adapter = perturbed_adapter(tiny_base, tmp_path / "adapter", NORMS)
    nf4 = merge_adapter(base=tiny_base, adapter=adapter, output=tmp_path / "nf4",
                        model={**TINY_MODEL, "load_in_4bit": True})
    original = merge_adapter(base=tiny_base, adapter=adapter, output=tmp_path / "original", model=TINY_MODEL)
    assert _front_matter((nf4 / "README.md").read_text())["base_weights"] == "nf4-dequantized"
    evaluated = AutoModelForCausalLM.from_pretrained(tiny_base, dtype=torch.float32)
    quantised = quantised_linear_names(evaluated)
    assert quantised and "lm_head" not in quantised and all("proj" in name for name in quantised)
    nf4_round_trip(evaluated)
    expected = PeftModel.from_pretrained(evaluated, str(adapter)).merge_and_unload().state_dict()
    merged = AutoModelForCausalLM.from_pretrained(nf4).state_dict()
    plain = AutoModelForCausalLM.from_pretrained(original).state_dict()
    assert all(torch.equal(merged[name], expected[name]) for name in expected)
    assert not torch.equal(merged[f"{quantised[0]}.weight"], plain[f"{quantised[0]}.weight"])
    assert torch.equal(merged["model.embed_tokens.weight"], plain["model.embed_tokens.weight"])


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
