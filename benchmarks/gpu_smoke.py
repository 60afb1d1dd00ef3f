"""GPU smoke test: every supported GPU code path once, and checks that would notice when one is wrong.

    python benchmarks/gpu_smoke.py --tiny --out results/gpu_smoke   # one H100, no model hub: ~6-8 min (estimate)
    python benchmarks/gpu_smoke.py --out results/gpu_smoke          # the 0.5B width
    python benchmarks/gpu_smoke.py --cpu --tiny                     # the hf phases on CPU (also --quick)

For a machine with one GPU and no model hub, in the GPU environment (envs/gpu.yaml). The base model
is built offline: the embedded tiny model's tokenizer and data (the fast test config), and, unless
``--tiny``, random weights at Tucano2-0.5B's width (hidden 896, 14/2 heads, MLP 4864, 24 layers),
saved to a folder that ``model.id`` names as a local path, as on a cluster without hub access.

Phases run in three processes, riskiest first (importing unsloth rewrites TRL for its whole
process, and a vLLM engine is started once per process); each phase writes one line to
``<out>/results.jsonl`` ({"phase", "status": ok | failed | skipped | timeout, "seconds", "detail"
or "reason"}). What each proves when it passes (docs/gpu.md):

- ``versions``: library versions and the device.
- process ``unsloth_vllm``: ``unsloth_vllm_nf4``: Unsloth, NF4, GRPO with rollouts on Unsloth's own
  vLLM engine (the recipe with ``grpo.vllm`` on). The trainer is Unsloth's; the LoRA weights
  changed; and the engine's log-probabilities of a fixed completion match the trainer's within
  ``TOLERANCE`` after the update, while the update moved them by more: the engine serves the
  trained weights, not the initial ones.
- process ``unsloth``: ``unsloth_grpo_nf4``: Unsloth, NF4, 4 GRPO steps with a validation after
  each: Unsloth's trainer, gradient checkpointing on after every validation, LoRA and norm
  (``lora.modules_to_save``) weights changed and in fp32. ``sft_then_grpo``: SFT on Unsloth's
  trainer, then GRPO from its adapter. ``eval_generation``: generation for the base and the SFT
  adapter.
- process ``hf``: ``hf_nf4_grpo_merge``: transformers + peft with bitsandbytes NF4, GRPO, then the
  fp32 merge, whose NF4 round trip must equal the weights the 4-bit load holds. ``hf_vllm``:
  16-bit GRPO on TRL's own engine (merge/unmerge sync): the same engine check, and how far the
  frozen base weights drifted. ``resume``: GRPO killed once its first checkpoint is written, then
  rerun: it must resume there.

``--tiny`` is estimated (no GPU has run it yet) from what starts and compiles: three processes
loading CUDA (~15 s each), two importing unsloth (~30 s each, plus its Triton kernels compiled on
first use, ~1 min), two vLLM engines (~1-1.5 min each, CUDA graphs and torch.compile), the resume
child (~30 s); the tiny model's steps take seconds. With ``--cpu`` the backend is hf in fp32 (NF4
needs a GPU) and the unsloth and vLLM phases are skipped with the reason. The exit status is 1
when a phase failed or timed out.
"""
from __future__ import annotations

import argparse
import functools
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _quick import TEST_CONFIG, load_config  # puts scripts/ on sys.path

# Processes in the order they run (riskiest first) and the phases each runs, in order.
GROUPS = {
    "unsloth_vllm": ["unsloth_vllm_nf4"],
    "unsloth": ["unsloth_grpo_nf4", "sft_then_grpo", "eval_generation"],
    "hf": ["hf_nf4_grpo_merge", "hf_vllm", "resume"],
}
PHASES = ["versions", *(phase for phases in GROUPS.values() for phase in phases)]
# Mean |engine - trainer| log-probability per completion token (nats) for "the engine holds the
# trained weights": bf16 kernels differ by ~1e-2 per token; a stale engine differs by the update.
TOLERANCE = 0.1
# Tucano2-0.5B's shape (Qwen2); vocabulary from the embedded tokenizer (no hub).
WIDE = {"hidden_size": 896, "num_attention_heads": 14, "num_key_value_heads": 2, "intermediate_size": 4864,
        "num_hidden_layers": 24}
VERSIONS = ["torch", "transformers", "trl", "peft", "accelerate", "datasets", "unsloth", "unsloth_zoo",
            "bitsandbytes", "vllm", "vllm_bnb_plugin", "xformers", "triton"]


class Skip(Exception):
    """A phase that cannot run here; its message is the reason."""


# ----------------------------------------------------------------------------- setup (child)

def prepare(work: Path, *, tiny: bool) -> dict:
    """Data, pairs and a base model named by local path under ``work`` (built once, reused)."""
    done = work / "inputs.json"
    if done.exists():
        return json.loads(done.read_text())
    from _quick import build_quick_inputs

    from commerce_grpo.modeling import build_base_model

    cfg = load_config(TEST_CONFIG)
    built = build_quick_inputs(cfg, work / "inputs", sft=False)
    model_dir = Path(built["base"]).resolve()
    if not tiny:
        model_dir = _wide_model(Path(built["base"]), work / "wide-model")
    # model.id as a local path: base.json records the folder, as for a pre-fetched hub model.
    local = work / "base-local"
    build_base_model(local, inputs={}, model={**cfg["model"], "id": str(model_dir)})
    inputs = {"db": str(built["db"]), "train": str(Path(built["pairs"]) / "train.jsonl"),
              "validation": str(Path(built["pairs"]) / "validation.jsonl"),
              "eval": str(Path(built["pairs"]) / "eval.jsonl"), "base": str(local)}
    done.write_text(json.dumps(inputs))
    return inputs


def _wide_model(embedded: Path, out: Path) -> Path:
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(embedded)
    small = Qwen2Config.from_pretrained(embedded)
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=small.vocab_size, tie_word_embeddings=True, max_position_embeddings=4096,
                         bos_token_id=small.bos_token_id, eos_token_id=small.eos_token_id,
                         pad_token_id=small.pad_token_id, **WIDE)
    Qwen2ForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out.resolve()


def sections(args, *, backend: str, four_bit: bool, vllm: bool = False) -> dict:
    """Config sections for a phase: the fast test config, this machine's backend, few steps, a
    learning rate large enough for one update to show in the log-probabilities."""
    cfg = load_config(TEST_CONFIG)
    model = {**cfg["model"], "backend": backend, "load_in_4bit": four_bit}
    grpo = {**cfg["grpo"], "init": "base", "max_steps": 4, "eval_steps": 1, "save_steps": 2, "patience": 10,
            "preflight_steps": 0, "preflight_probe_prompts": 0, "eval_subset": 4, "learning_rate": 5e-3,
            "max_completion_length": 16 if args.tiny else 64,
            "vllm": {**cfg["grpo"]["vllm"], "enabled": vllm, "mode": "colocate", "gpu_memory_utilization": 0.3}}
    lora = {**cfg["lora"], "modules_to_save": [] if vllm and backend == "unsloth" else cfg["lora"]["modules_to_save"]}
    return {"model": model, "lora": lora, "rewards": cfg["rewards"], "grpo": grpo,
            "sft": {**cfg["sft"], "epochs": 1, "max_length": 512}, "evaluate": cfg["evaluate"]}


def _backend(args) -> str:
    return "hf" if args.cpu else "unsloth"


def _grpo_outputs(root: Path) -> dict:
    return {"checkpoints": root / "checkpoints", "eval_history": root / "eval_history.csv",
            "metrics": root / "metrics.csv"}


def _train_grpo(inputs: dict, root: Path, cfg: dict, *, init_adapter=None) -> dict:
    from commerce_grpo.train.grpo import train_grpo

    return train_grpo(train=inputs["train"], validation=inputs["validation"], base=inputs["base"], audit=None,
                      db=inputs["db"], init_adapter=init_adapter, outputs=_grpo_outputs(root), seed=0,
                      work_dir=root / "work", model=cfg["model"], lora=cfg["lora"], rewards=cfg["rewards"],
                      grpo=cfg["grpo"])


def _build_trainer(inputs: dict, root: Path, cfg: dict):
    """Our GRPO trainer, with a first reward that varies with completion length: a random or tiny
    model's rollouts may all score alike, and a group without reward spread has no gradient."""
    from commerce_grpo.train.grpo import WorkDir, build_trainer

    trainer, _ = build_trainer(train=inputs["train"], validation=inputs["validation"], base=inputs["base"],
                               db=inputs["db"], init_adapter=None, seed=0, work=WorkDir(root), model=cfg["model"],
                               lora=cfg["lora"], rewards=cfg["rewards"], grpo=cfg["grpo"])
    first = trainer.reward_funcs[0]

    @functools.wraps(first)
    def by_length(prompts, completions, **kwargs):
        return [len(str(completion)) / 100 for completion in completions]

    trainer.reward_funcs[0] = by_length
    return trainer


# ----------------------------------------------------------------------------- checks

def trainer_class(trainer, *, backend: str) -> list[str]:
    """The trainer's classes; Unsloth's trainer must be among them on backend unsloth, TRL's alone on hf."""
    names = [cls.__name__ for cls in type(trainer).__mro__]
    unsloth = "UnslothGRPOTrainer" in names
    if unsloth != (backend == "unsloth"):
        raise AssertionError(f"backend {backend} but the trainer's classes are {names}")
    return names


def trainable_snapshot(model) -> dict:
    return {name: p.detach().float().cpu().clone() for name, p in model.named_parameters() if p.requires_grad}


def changed_weights(before: dict, model, *, norms: bool) -> dict:
    """Every LoRA B (and, with ``norms``, every trainable norm copy) must have moved; and every
    trainable weight must be fp32 (a bf16 norm copy cannot take the update)."""
    after = dict(model.named_parameters())
    kinds = {"lora_B": [n for n in before if "lora_B" in n]}
    if norms:
        kinds["modules_to_save"] = [n for n in before if ".modules_to_save." in n]
    summary = {}
    for kind, names in kinds.items():
        if not names:
            raise AssertionError(f"no trainable {kind} weights")
        still = [n for n in names if torch_equal(before[n], after[n])]
        if still:
            raise AssertionError(f"{len(still)} of {len(names)} {kind} weights did not change, e.g. {still[0]}")
        summary[kind] = len(names)
    not_fp32 = sorted({str(after[n].dtype) for n in before if str(after[n].dtype) != "torch.float32"})
    if not_fp32:
        raise AssertionError(f"trainable weights in {not_fp32}, not float32")
    return summary


def torch_equal(before, parameter) -> bool:
    import torch

    return torch.equal(before, parameter.detach().float().cpu())


def fixed_completion(tokenizer, inputs: dict) -> tuple[list[int], int]:
    """(token ids, start of the completion): the first validation prompt and a fixed answer."""
    from commerce_grpo.data.pairs import read_pairs

    prompt = read_pairs(inputs["validation"])[0]["prompt"]
    text = tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
    prompt_ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    answer = tokenizer('{"sentiment": "negativo", "summary": "Produto chegou quebrado"}<|im_end|>',
                       add_special_tokens=False)["input_ids"]
    return prompt_ids + answer, len(prompt_ids)


def trainer_logprobs(model, ids: list[int], start: int) -> list[float]:
    import torch

    device = next(model.parameters()).device
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids], device=device)).logits[0, :-1].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    return [logprobs[i - 1, ids[i]].item() for i in range(start, len(ids))]


def engine_logprobs(trainer, ids: list[int], start: int) -> list[float]:
    """The log-probabilities the rollout engine assigns the same tokens: Unsloth's engine with the
    live LoRA (as its rollouts get it), or TRL's engine after a weight sync (as at each step)."""
    from vllm import SamplingParams
    from vllm.inputs import TokensPrompt

    generation = trainer.vllm_generation
    lora_request = None
    if getattr(generation.llm, "shared_weights", False):
        lora_request = trainer.model.load_lora("gpu_smoke_lora", load_tensors=True)
    else:
        generation.sync_weights()
    params = SamplingParams(max_tokens=1, temperature=1.0, prompt_logprobs=0)
    output = generation.llm.generate([TokensPrompt(prompt_token_ids=ids)], params, lora_request=lora_request,
                                     use_tqdm=False)[0]
    return [output.prompt_logprobs[i][ids[i]].logprob for i in range(start, len(ids))]


def _mean_gap(a: list[float], b: list[float]) -> float:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def engine_follows_trainer(trainer, tokenizer, inputs: dict, train) -> dict:
    """Train, then: engine and trainer agree within TOLERANCE on a fixed completion, and the
    update moved the trainer's log-probabilities by more than that gap (else the check proves
    nothing: a stale engine would pass too)."""
    ids, start = fixed_completion(tokenizer, inputs)
    before = trainer_logprobs(trainer.model, ids, start)
    train()
    after = trainer_logprobs(trainer.model, ids, start)
    engine = engine_logprobs(trainer, ids, start)
    gap, moved = _mean_gap(engine, after), _mean_gap(after, before)
    row = {"tokens": len(ids) - start, "engine_vs_trainer": round(gap, 4), "update_moved": round(moved, 4),
           "stale_engine_would_differ_by": round(_mean_gap(engine, before), 4)}
    if gap > TOLERANCE or moved <= 2 * gap:
        raise AssertionError(f"the engine does not hold the trained weights: {row} (tolerance {TOLERANCE})")
    return row


# ----------------------------------------------------------------------------- phases (child)

def phase_versions(args, work: Path) -> dict:
    import torch

    found = {}
    for name in VERSIONS:
        try:
            found[name] = importlib.metadata.version(name.replace("_", "-"))
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return {"versions": found, "device": device, "cuda": torch.version.cuda}


def phase_unsloth_vllm_nf4(args, work: Path) -> dict:
    _needs_gpu(args, "unsloth", "vllm")
    inputs = prepare(work, tiny=args.tiny)
    cfg = sections(args, backend="unsloth", four_bit=True, vllm=True)
    cfg["grpo"] = {**cfg["grpo"], "max_steps": 2, "eval_steps": 100, "save_steps": 100}
    trainer = _build_trainer(inputs, work / "unsloth_vllm", cfg)
    classes = trainer_class(trainer, backend="unsloth")
    before = trainable_snapshot(trainer.model)
    engine = engine_follows_trainer(trainer, trainer.processing_class, inputs, trainer.train)
    return {"trainer": classes[:3], "engine": engine, "changed": changed_weights(before, trainer.model, norms=False)}


def phase_unsloth_grpo_nf4(args, work: Path) -> dict:
    _needs_gpu(args, "unsloth")
    from transformers import TrainerCallback

    inputs = prepare(work, tiny=args.tiny)
    cfg = sections(args, backend="unsloth", four_bit=True)
    cfg["model"] = {**cfg["model"], "gradient_checkpointing": True}
    states = []

    class CheckpointingState(TrainerCallback):  # runs after ValidationCallback (added later)
        def on_step_end(self, targs, state, control, model=None, **kwargs):
            flags = [m.gradient_checkpointing for m in model.modules() if hasattr(m, "gradient_checkpointing")]
            states.append({"step": state.global_step, "on": sum(map(bool, flags)), "of": len(flags),
                           "training": model.training})

    trainer = _build_trainer(inputs, work / "unsloth", cfg)
    classes = trainer_class(trainer, backend="unsloth")
    trainer.add_callback(CheckpointingState())
    before = trainable_snapshot(trainer.model)
    trainer.train()
    bad = [s for s in states if not s["of"] or s["on"] != s["of"] or not s["training"]]
    if bad:
        raise AssertionError(f"gradient checkpointing not fully on after validation: {bad}")
    return {"trainer": classes[:3], "changed": changed_weights(before, trainer.model, norms=True),
            "after_each_validation": states}


def phase_sft_then_grpo(args, work: Path) -> dict:
    import trl

    from commerce_grpo.train.sft import train_sft

    inputs = prepare(work, tiny=args.tiny)
    cfg = sections(args, backend=_backend(args), four_bit=not args.cpu)
    adapter = work / "sft" / "adapter"
    sft = train_sft(train=inputs["train"], validation=inputs["validation"], base=inputs["base"], audit=None,
                    outputs={"adapter": adapter, "metrics": work / "sft" / "metrics.csv"},
                    model=cfg["model"], lora=cfg["lora"], sft=cfg["sft"])
    if (trl.SFTTrainer.__name__ == "UnslothSFTTrainer") != (cfg["model"]["backend"] == "unsloth"):
        raise AssertionError(f"backend {cfg['model']['backend']} but SFT ran on {trl.SFTTrainer.__name__}")
    cfg["grpo"] = {**cfg["grpo"], "init": "sft", "max_steps": 2}
    best = _train_grpo(inputs, work / "grpo_from_sft", cfg, init_adapter=adapter)
    return {"sft_trainer": trl.SFTTrainer.__name__, "sft": sft, "grpo_best": best}


def phase_eval_generation(args, work: Path) -> dict:
    from commerce_grpo.data.pairs import read_pairs
    from commerce_grpo.generation import generate
    from commerce_grpo.modeling import load_model

    inputs = prepare(work, tiny=args.tiny)
    cfg = sections(args, backend=_backend(args), four_bit=not args.cpu)
    adapter = work / "sft" / "adapter"
    if not adapter.exists():
        raise AssertionError("needs the sft_then_grpo phase's adapter")
    prompts = [p["prompt"] for p in read_pairs(inputs["eval"])][:16]
    decoding = {k: cfg["evaluate"][k] for k in ("temperature", "top_p", "top_k", "seed", "batch_size")}
    rates = {}
    for arm, path in (("base", None), ("sft", adapter)):
        model, tokenizer = load_model(inputs["base"], adapter=path, model=cfg["model"])
        started = time.perf_counter()
        texts = generate(model, tokenizer, prompts, max_new_tokens=32, **decoding)
        rates[arm] = {"prompts_per_second": round(len(texts) / (time.perf_counter() - started), 2),
                      "training_after": model.training}
    return rates


def phase_hf_nf4_grpo_merge(args, work: Path) -> dict:
    if not args.cpu:
        _needs_gpu(args, "bitsandbytes")
    import torch
    from transformers import AutoModelForCausalLM

    from commerce_grpo.modeling.merge import merge_adapter

    inputs = prepare(work, tiny=args.tiny)
    cfg = sections(args, backend="hf", four_bit=not args.cpu)
    cfg["grpo"] = {**cfg["grpo"], "max_steps": 2}
    root = work / "hf"
    trainer = _build_trainer(inputs, root / "trainer", cfg)
    classes = trainer_class(trainer, backend="hf")
    before = trainable_snapshot(trainer.model)
    trainer.train()
    changed = changed_weights(before, trainer.model, norms=bool(cfg["lora"]["modules_to_save"]))
    adapter = root / "adapter"
    trainer.model.save_pretrained(adapter)
    merged = merge_adapter(base=inputs["base"], adapter=adapter, output=root / "merged", model=cfg["model"])
    model = AutoModelForCausalLM.from_pretrained(merged)
    if {p.dtype for p in model.parameters()} != {torch.float32}:
        raise AssertionError("the merged model is not float32")
    with torch.no_grad():
        logits = model(torch.tensor([[1, 2, 3]])).logits
    if not torch.isfinite(logits).all():
        raise AssertionError("merged model produced non-finite logits")
    detail = {"nf4": not args.cpu, "trainer": classes[:3], "changed": changed, "merged": str(merged)}
    if not args.cpu:
        detail["nf4_round_trip_equals_the_load"] = _round_trip_matches_the_load(inputs, cfg)
    return detail


def _round_trip_matches_the_load(inputs: dict, cfg: dict) -> int:
    """The merge's NF4 weights (modeling.merge.nf4_round_trip) against what a 4-bit load holds."""
    import torch
    from bitsandbytes.functional import dequantize_4bit
    from transformers import AutoModelForCausalLM

    from commerce_grpo.modeling import load_model, read_base
    from commerce_grpo.modeling.merge import nf4_round_trip

    loaded, _ = load_model(inputs["base"], model=cfg["model"])
    reference = AutoModelForCausalLM.from_pretrained(read_base(inputs["base"])[1], dtype=torch.float32)
    nf4_round_trip(reference)
    expected = dict(reference.named_modules())
    compared = 0
    for name, module in loaded.named_modules():
        quant_state = getattr(getattr(module, "weight", None), "quant_state", None)
        if quant_state is None:
            continue
        held = dequantize_4bit(module.weight.data, quant_state).float().cpu()
        if not torch.equal(held, expected[name].weight):
            raise AssertionError(f"{name}: the merge's NF4 round trip differs from the loaded 4-bit weight")
        compared += 1
    if not compared:
        raise AssertionError("the 4-bit load holds no quantised layer")
    return compared


def phase_hf_vllm(args, work: Path) -> dict:
    _needs_gpu(args, "vllm")
    inputs = prepare(work, tiny=args.tiny)
    cfg = sections(args, backend="hf", four_bit=False, vllm=True)
    cfg["grpo"] = {**cfg["grpo"], "max_steps": 2, "eval_steps": 100, "save_steps": 100}
    trainer = _build_trainer(inputs, work / "hf_vllm", cfg)
    classes = trainer_class(trainer, backend="hf")
    frozen = {name: p.detach().clone() for name, p in trainer.model.named_parameters()
              if "base_layer.weight" in name}
    before = trainable_snapshot(trainer.model)
    engine = engine_follows_trainer(trainer, trainer.processing_class, inputs, trainer.train)
    after = dict(trainer.model.named_parameters())
    # TRL syncs by merge_adapter/unmerge_adapter on the live bf16 weights every step (docs/gpu.md)
    drift = max((after[name].detach() - weight).abs().max().item() for name, weight in frozen.items())
    return {"trainer": classes[:3], "engine": engine, "base_weight_drift_max": drift,
            "changed": changed_weights(before, trainer.model, norms=bool(cfg["lora"]["modules_to_save"]))}


def phase_resume(args, work: Path) -> dict:
    inputs = prepare(work, tiny=args.tiny)
    root = work / "resume"
    checkpoint = root / "work" / "trainer" / "checkpoint-2" / "trainer_state.json"
    child = subprocess.Popen([sys.executable, __file__, "--group", "_grpo_child", "--work", str(work),
                              *(["--cpu"] if args.cpu else []), *(["--tiny"] if args.tiny else [])],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 0.5 * args.timeout
    while not checkpoint.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    child.kill()
    child.wait()
    if not checkpoint.exists():
        raise AssertionError(f"no checkpoint-2 before the kill (child exit {child.returncode})")
    from commerce_grpo.train.grpo import WorkDir

    resumed_from = WorkDir(root / "work").last_checkpoint()
    best = _train_grpo(inputs, root, sections(args, backend="hf", four_bit=False))
    state = json.loads((root / "checkpoints" / "trainer_state.json").read_text())
    if state["global_step"] != 4 or not resumed_from:
        raise AssertionError(f"resume: from {resumed_from}, ended at step {state['global_step']}")
    return {"resumed_from": Path(resumed_from).name, "final_step": state["global_step"], "best": best}


def _grpo_child(args, work: Path) -> dict:
    return _train_grpo(prepare(work, tiny=args.tiny), work / "resume", sections(args, backend="hf", four_bit=False))


def _needs_gpu(args, *packages: str) -> None:
    import torch

    if args.cpu or not torch.cuda.is_available():
        raise Skip(f"{packages[0]} needs a CUDA GPU (this run: {'--cpu' if args.cpu else 'no CUDA device'})")
    for package in packages:
        if importlib.util.find_spec(package) is None:
            raise Skip(f"{package} is not installed (envs/gpu.yaml)")


# ----------------------------------------------------------------------------- driver

def run_group(args) -> int:
    """Child: run the group's phases in order in this process, each writing <work>/<phase>.json."""
    work = Path(args.work)
    if args.group == "_grpo_child":
        _grpo_child(args, work)
        return 0
    if args.group.startswith("unsloth") and not args.cpu:
        from commerce_grpo.unsloth_first import import_backend_first, unsloth_usable

        if unsloth_usable():
            import_backend_first({"backend": "unsloth"})  # before trl/transformers: the rule (unsloth_first)
    for phase in args.phases.split(","):
        started = time.perf_counter()
        try:
            result = {"status": "ok", "detail": globals()[f"phase_{phase}"](args, work)}
        except Skip as skip:
            result = {"status": "skipped", "reason": str(skip)}
        except Exception as error:  # noqa: BLE001  (recorded; the next phase still runs)
            import traceback

            result = {"status": "failed", "reason": "".join(traceback.format_exception(error))[-3000:]}
        result["seconds"] = round(time.perf_counter() - started, 1)
        (work / f"{phase}.json").write_text(json.dumps(result, default=str))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="folder for results.jsonl and the work files (default: a temporary one "
                        "with --tiny, else results/gpu_smoke)")
    parser.add_argument("--cpu", action="store_true", help="hf phases on CPU; unsloth and vLLM phases skip")
    parser.add_argument("--tiny", action="store_true", help="the embedded tiny model instead of the 0.5B width")
    parser.add_argument("--quick", action="store_true", help="same as --cpu --tiny")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per process (group of phases)")
    parser.add_argument("--only", nargs="*", choices=PHASES, help="run only these phases")
    parser.add_argument("--group", help=argparse.SUPPRESS)
    parser.add_argument("--phases", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.cpu = args.tiny = True
    if args.group:
        return run_group(args)
    wanted = set(args.only or PHASES)
    with tempfile.TemporaryDirectory(prefix="gpu-smoke-") as tmp:
        out = Path(args.out or (tmp if args.tiny else "results/gpu_smoke"))
        out.mkdir(parents=True, exist_ok=True)
        work = out / "work"
        work.mkdir(exist_ok=True)
        results = out / "results.jsonl"
        results.write_text("")
        rows = []
        if "versions" in wanted:
            started = time.perf_counter()
            rows.append({"phase": "versions", "status": "ok", "detail": phase_versions(args, work),
                         "seconds": round(time.perf_counter() - started, 1)})
            _report(rows[-1], results)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        for group, phases in GROUPS.items():
            phases = [phase for phase in phases if phase in wanted]
            if not phases:
                continue
            command = [sys.executable, __file__, "--group", group, "--phases", ",".join(phases), "--work", str(work),
                       "--timeout", str(args.timeout), *(["--cpu"] if args.cpu else []),
                       *(["--tiny"] if args.tiny else [])]
            started = time.perf_counter()
            try:
                proc = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout, env=env)
                lost = {"status": "failed", "reason": (proc.stderr or proc.stdout)[-3000:]}
            except subprocess.TimeoutExpired:
                lost = {"status": "timeout", "reason": f"process {group} ran over {args.timeout} s"}
            for phase in phases:
                written = work / f"{phase}.json"
                row = json.loads(written.read_text()) if written.exists() else \
                    {**lost, "seconds": round(time.perf_counter() - started, 1)}
                rows.append({"phase": phase, **row})
                _report(rows[-1], results)
        print(f"results: {results}" + ("" if args.out or not args.tiny else " (temporary, removed)"))
    return 1 if any(row["status"] in ("failed", "timeout") for row in rows) else 0


def _report(row: dict, results: Path) -> None:
    with results.open("a") as handle:
        handle.write(json.dumps(row, default=str) + "\n")
    print(f"{row['phase']:20s} {row['status']:8s} {row['seconds']:7.1f} s  "
          f"{row.get('reason', '')[-300:] if row['status'] != 'ok' else ''}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
