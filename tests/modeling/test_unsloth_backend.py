"""The unsloth backend on CPU, with unsloth faked only where it needs CUDA (tests/fakes/unsloth).

Each test here failed before the rule in commerce_grpo.unsloth_first: trainers made from TRL's
classes bound at import (GRPO ran as plain TRL beside Unsloth's SFT), eval()/train() around
validation generation (Unsloth's checkpointing off for the rest of the run), adapters loaded with
plain peft (no Unsloth LoRA setup), NF4 without double quantization on the hf path.
"""
import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from peft import PeftModel

from commerce_grpo.data.pairs import read_pairs
from commerce_grpo.modeling import attach_lora, load_model
from commerce_grpo.modeling import backends
from commerce_grpo.train.grpo import WorkDir, build_trainer, grpo_config
from commerce_grpo.train.runtime import trainable_policy
from commerce_grpo.train.sft import sft_config, train_sft
from commerce_grpo.train.validation import ValidationEvaluator
from modeling.tiny_fixtures import TINY_MODEL, perturbed_adapter
from modeling.unsloth_fixtures import FAKES, fake_unsloth  # noqa: F401  (fixture)
from train.train_fixtures import LORA, SFT, grpo_section

REPO = Path(__file__).resolve().parents[2]
UNSLOTH = {**TINY_MODEL, "backend": "unsloth"}


def _checkpointing(model) -> list[bool]:
    return [m.gradient_checkpointing for m in model.modules() if hasattr(m, "gradient_checkpointing")]


def test_grpo_and_sft_both_run_on_unsloths_trainers(fake_unsloth, tiny_base, tiny_inputs, tmp_path):
    """commerce_grpo.train.grpo/sft were imported (with trl) before unsloth, at the top of this file."""
    trainer, _ = build_trainer(train=tiny_inputs["train"], validation=tiny_inputs["validation"], base=tiny_base,
                               db=tiny_inputs["db"], init_adapter=None, seed=0, work=WorkDir(tmp_path / "grpo"),
                               model=UNSLOTH, lora=LORA, rewards=None, grpo=grpo_section())
    fake = fake_unsloth()
    assert isinstance(trainer, fake.UnslothGRPOTrainer)
    assert type(trainer).__name__ == "CommerceGRPOTrainer" and hasattr(trainer, "_task_rewards")
    assert isinstance(trainer.args, fake.UnslothGRPOConfig)
    assert isinstance(sft_config(SFT, str(tmp_path / "cfg")), fake.UnslothSFTConfig)
    train_sft(train=tiny_inputs["train"], validation=tiny_inputs["validation"], base=tiny_base, audit=None,
              outputs={"adapter": tmp_path / "sft", "metrics": tmp_path / "sft.csv"}, model=UNSLOTH, lora=LORA,
              sft={**SFT, "tasks": ["extraction"], "epochs": 1})
    assert fake.trainers == [type(trainer), fake.UnslothSFTTrainer]
    assert [name for name, _ in fake.calls].count("get_peft_model") == 2
    lora_call = dict(fake.calls)["get_peft_model"]
    assert lora_call["use_gradient_checkpointing"] is False  # model.gradient_checkpointing
    assert lora_call["target_modules"] == backends.QWEN_LINEAR_MODULES


def test_hf_backend_keeps_plain_trl(tiny_base, tiny_inputs, tmp_path):
    import trl

    trainer, _ = build_trainer(train=tiny_inputs["train"], validation=tiny_inputs["validation"], base=tiny_base,
                               db=tiny_inputs["db"], init_adapter=None, seed=0, work=WorkDir(tmp_path),
                               model=TINY_MODEL, lora=LORA, rewards=None, grpo=grpo_section())
    assert type(trainer).__mro__[2] is trl.GRPOTrainer and "unsloth" not in sys.modules


def test_validation_restores_unsloths_gradient_checkpointing(fake_unsloth, tiny_base, tiny_inputs):
    policy, tokenizer = trainable_policy(tiny_base, model={**UNSLOTH, "gradient_checkpointing": True}, lora=LORA,
                                         seed=0)
    policy.train()
    assert _checkpointing(policy) and all(_checkpointing(policy))
    evaluator = ValidationEvaluator(read_pairs(tiny_inputs["validation"])[:4], tokenizer=tokenizer,
                                    db=tiny_inputs["db"], rewards=None, seed=0,
                                    decoding={"temperature": 0.0, "top_p": 1.0, "top_k": 0, "max_new_tokens": 4,
                                              "batch_size": 4})
    fake = fake_unsloth()
    fake.calls.clear()
    evaluator(policy, step=1)
    assert policy.training and all(_checkpointing(policy)), "validation left gradient checkpointing off"
    names = [name for name, _ in fake.calls]
    assert names[0] == "for_inference" and names[-1] == "for_training", names
    assert fake.calls[-1][1]["use_gradient_checkpointing"] == "unsloth"


def test_generation_leaves_a_frozen_model_in_inference(fake_unsloth, tiny_base):
    from commerce_grpo.generation import generate

    model, tokenizer = load_model(tiny_base, model=UNSLOTH)
    generate(model, tokenizer, [[{"role": "user", "content": "Oi"}]], max_new_tokens=2, temperature=0.0, top_p=1.0,
             top_k=0, seed=0, batch_size=1)
    assert not model.training
    assert "for_training" not in [name for name, _ in fake_unsloth().calls]


@pytest.mark.parametrize("trainable", [True, False])
def test_adapters_load_through_unsloths_lora_setup(fake_unsloth, tiny_base, tmp_path, trainable):
    adapter = perturbed_adapter(tiny_base, tmp_path / "adapter", LORA)
    plain, tokenizer = load_model(tiny_base, adapter=adapter, model=TINY_MODEL)
    model, _ = load_model(tiny_base, adapter=adapter, model=UNSLOTH, trainable=trainable)
    names = [name for name, _ in fake_unsloth().calls]
    assert names[:2] == ["from_pretrained", "patch_peft_model"], names
    # checkpointing as model.gradient_checkpointing says when training, off for inference
    assert dict(fake_unsloth().calls)["patch_peft_model"]["use_gradient_checkpointing"] is False
    assert isinstance(model, PeftModel)
    trainable_names = [name for name, p in model.named_parameters() if p.requires_grad]
    # LoRA weights and, with lora.modules_to_save, the norms' trainable copies
    assert all("lora_" in name or ".modules_to_save." in name for name in trainable_names)
    assert bool(trainable_names) == trainable
    assert ("for_inference" in names) == (not trainable)
    ids = tokenizer("Produto chegou", return_tensors="pt")["input_ids"]
    model.eval()
    with torch.no_grad():
        assert torch.allclose(model(ids).logits, plain(ids).logits, atol=1e-5)


def test_unsloth_load_passes_the_config(fake_unsloth, tiny_base):
    load_model(tiny_base, model={**UNSLOTH, "max_seq_length": 333})
    call = dict(fake_unsloth().calls)["from_pretrained"]
    assert call["max_seq_length"] == 333 and call["load_in_4bit"] is False
    assert call["dtype"] == torch.float32  # compute_dtype() on CPU: both backends load alike
    assert "fast_inference" not in call


def test_hf_4bit_uses_double_quantization_as_unsloth_does(monkeypatch, tiny_base):
    """CUDA faked for the check only; from_pretrained captured before it would need bitsandbytes."""
    seen = {}

    def capture(source, **kwargs):
        seen.update(kwargs)
        raise RuntimeError("captured")

    monkeypatch.setattr(backends.torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(backends.AutoModelForCausalLM, "from_pretrained", capture)
    with pytest.raises(RuntimeError, match="captured"):
        backends._load_hf(str(tiny_base), {"load_in_4bit": True})
    config = seen["quantization_config"]
    assert config.load_in_4bit and config.bnb_4bit_quant_type == "nf4"
    assert config.bnb_4bit_use_double_quant is True and config.bnb_4bit_compute_dtype == torch.bfloat16


def test_unsloth_is_imported_before_trl_by_the_entry_point_rule(tmp_path):
    """import_backend_first imports only torch, so unsloth (the fake, CUDA faked) comes first."""
    code = (
        "import commerce_grpo.unsloth_first as first; first.unsloth_usable = lambda: True\n"
        "first.import_backend_first({'backend': 'unsloth'})\n"
        "import sys, unsloth; print(unsloth.imported_after)\n"
        "import trl, commerce_grpo.train.grpo; print(trl.GRPOTrainer.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env={"PYTHONPATH": f"scripts:{FAKES}", "PATH": ""}, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["[]", "UnslothGRPOTrainer"]


@pytest.mark.parametrize("script", ["train_sft.py", "train_grpo.py", "evaluate.py"])
def test_model_loading_rule_scripts_settle_the_backend_first(script):
    """The rule: import_backend_first(model) before the module that imports trl/transformers."""
    tree = ast.parse((REPO / "scripts" / script).read_text())
    order = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("commerce_grpo."):
            order.append(node.module)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and \
                getattr(node.value.func, "id", "") == "import_backend_first":
            order.append("import_backend_first()")
    assert "import_backend_first()" in order
    heavy = [i for i, name in enumerate(order) if name not in ("commerce_grpo.rule_logging",
                                                                 "commerce_grpo.unsloth_first",
                                                                 "import_backend_first()")]
    assert heavy and order.index("import_backend_first()") < min(heavy), order


def _real_parameters(source: Path, class_name: str, method: str) -> list[str]:
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == method:
                    args = item.args
                    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    raise AssertionError(f"{class_name}.{method} not found in {source}")


def _fake_signatures() -> dict:
    """SIGNATURES of the fake, read without importing it (importing it rebinds TRL)."""
    for node in ast.parse((FAKES / "unsloth" / "__init__.py").read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SIGNATURES":
            return ast.literal_eval(node.value)
    raise AssertionError("no SIGNATURES in the fake")


_REAL = importlib.util.find_spec("unsloth")


@pytest.mark.skipif(_REAL is None, reason="unsloth not installed here (CI's GPU-pins environment .venv-gpu has it)")
def test_the_fake_matches_the_installed_unsloth():
    """Parameter names of the real methods, read from the installed source (importing needs a GPU)."""
    root = Path(_REAL.submodule_search_locations[0]) / "models"
    where = {"from_pretrained": ("loader.py", "FastLanguageModel"), "get_peft_model": ("llama.py", "FastLlamaModel"),
             "patch_peft_model": ("llama.py", "FastLlamaModel"), "for_inference": ("loader.py", "FastLanguageModel"),
             "for_training": ("loader.py", "FastLanguageModel")}
    for method, names in _fake_signatures().items():
        source, cls = where[method]
        assert _real_parameters(root / source, cls, method) == names, method


def _fake_constant(name: str):
    for node in ast.parse((FAKES / "unsloth" / "__init__.py").read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"no {name} in the fake")


@pytest.mark.skipif(_REAL is None, reason="unsloth not installed here (CI's GPU-pins environment .venv-gpu has it)")
def test_the_fakes_config_defaults_are_unsloths():
    """The keyword defaults unsloth/models/rl.py writes into its generated config classes: every
    Unsloth*Config, then GRPO's and SFT's own, and transformers 5's warmup (read from the source)."""
    tree = ast.parse((Path(_REAL.submodule_search_locations[0]) / "models" / "rl.py").read_text())
    literal = sorted((node for node in ast.walk(tree) if isinstance(node, ast.Assign)
                      and getattr(node.targets[0], "id", "") == "replacements" and isinstance(node.value, ast.Dict)),
                     key=lambda node: node.lineno)
    assert [ast.literal_eval(node.value) for node in literal] == [
        _fake_constant("CONFIG_DEFAULTS"), _fake_constant("GRPO_CONFIG_DEFAULTS"), _fake_constant("SFT_CONFIG_DEFAULTS")]
    transformers_5 = [node for node in ast.walk(tree) if isinstance(node, ast.If)
                      and "5.0.0" in ast.unparse(node.test) and "replacements" in ast.unparse(node.body[0])]
    assert len(transformers_5) == 1
    body = transformers_5[0].body[0]
    assert {body.targets[0].slice.value: ast.literal_eval(body.value)} == _fake_constant("TRANSFORMERS_5_DEFAULTS")


@pytest.mark.skipif(_REAL is None, reason="unsloth not installed here (CI's GPU-pins environment .venv-gpu has it)")
def test_the_fakes_rules_are_in_the_installed_source():
    """The strings the fake runs or raises, found verbatim where the fake cites them."""
    models = Path(_REAL.submodule_search_locations[0]) / "models"
    replacements = (models / "rl_replacements.py").read_text()
    assert f"return {_fake_constant('VLLM_TOP_K_RULE')!r}" in replacements.replace('"', "'")
    llama = (models / "llama.py").read_text()
    assert "Only 'lm_head', 'embed_tokens' and \"\n" in llama  # the modules_to_save whitelist
    assert "Currently fast inference does not work with training embeddings or lm_head." in llama
    assert "dtype = torch.float16 if not SUPPORTS_BFLOAT16 else torch.bfloat16" in llama
    assert "if any(p.dtype == torch.float16 for p in trainable.parameters()):" in llama  # _unfreeze_modules_to_save
    embedding = 'EMBEDDING_MODULES = frozenset(("embed_tokens", "lm_head"))'
    assert embedding in (models / "_utils.py").read_text() and embedding in (FAKES / "unsloth" / "__init__.py").read_text()


@pytest.mark.parametrize("modules", [["mlp"], ["q_proj"]])
def test_the_fake_refuses_what_unsloth_refuses_in_modules_to_save(fake_unsloth, tiny_base, modules):
    """unsloth/models/llama.py: only lm_head, embed_tokens and norms; peft itself takes any module."""
    model, _ = load_model(tiny_base, model=UNSLOTH, trainable=True)
    with pytest.raises(TypeError, match="is not allowed"):
        attach_lora(model, lora={**LORA, "modules_to_save": modules}, model=UNSLOTH, seed=0)
    plain, _ = load_model(tiny_base, model=TINY_MODEL, trainable=True)
    attach_lora(plain, lora={**LORA, "modules_to_save": modules}, model=TINY_MODEL, seed=0)


def test_unsloths_own_engine_is_started_at_load_for_vllm_rollouts(fake_unsloth, tiny_base):
    """grpo.vllm on backend unsloth: fast_inference at load, sized from grpo.vllm and lora.r."""
    from commerce_grpo.train.grpo import rollout_engine

    vllm = {**grpo_section()["vllm"], "enabled": True, "gpu_memory_utilization": 0.4}
    lora = {**LORA, "modules_to_save": []}
    engine = rollout_engine(vllm, model=UNSLOTH, lora=lora)
    assert rollout_engine(vllm, model=TINY_MODEL, lora=lora) is None  # hf: TRL's own engine
    assert rollout_engine({**vllm, "enabled": False}, model=UNSLOTH, lora=lora) is None
    policy, _ = trainable_policy(tiny_base, model=UNSLOTH, lora=lora, seed=0, vllm_engine=engine)
    call = dict(fake_unsloth().calls)["from_pretrained"]
    assert (call["fast_inference"], call["gpu_memory_utilization"], call["max_lora_rank"]) == (True, 0.4, LORA["r"])
    assert policy.vllm_engine.shared_weights
    with pytest.raises(NotImplementedError, match="fast inference"):  # config_checks refuses this first
        trainable_policy(tiny_base, model=UNSLOTH, lora=LORA, seed=0, vllm_engine=engine)
    with pytest.raises(ValueError, match="fast_inference"):
        load_model(tiny_base, model=TINY_MODEL, vllm_engine=engine)
