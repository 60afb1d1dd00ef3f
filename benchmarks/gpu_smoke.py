"""GPU smoke test: every GPU code path once, each phase in its own process with a timeout.

    python benchmarks/gpu_smoke.py --out results/gpu_smoke        # one GPU, no model hub: < 10 min
    python benchmarks/gpu_smoke.py --cpu --tiny                    # the hf phases on CPU (also --quick)

For a machine with one GPU and no model hub, in the GPU environment (envs/gpu.yaml). The base model
is built offline: the embedded tiny model's tokenizer and data (the fast test config), and, unless
``--tiny``, random weights at Tucano2-0.5B's width (hidden 896, 14/2 heads, MLP 4864, 24 layers),
saved to a folder that ``model.id`` names as a local path, as on a cluster without hub access.

Phases, in order, one line each in ``<out>/results.jsonl`` ({"phase", "status": ok | failed |
skipped | timeout, "seconds", "detail" or "reason"}):

- ``versions``: library versions and the device.
- ``unsloth_grpo_nf4``: Unsloth, NF4, 4 GRPO steps with a validation after each; gradient
  checkpointing must be on after every one (it was switched off by the first validation).
- ``resume``: GRPO killed once its first checkpoint is written, then rerun: it must resume there.
- ``sft_then_grpo``: SFT warm-up, then GRPO from its adapter.
- ``eval_generation``: evaluation generation for the base model and with the SFT adapter.
- ``hf_nf4_grpo_merge``: transformers + peft with bitsandbytes NF4 (double quant), GRPO, merge.
- ``vllm_colocate``: GRPO with ``grpo.vllm`` enabled, colocated vLLM rollouts.

With ``--cpu`` the backend is hf in fp32 (NF4 needs a GPU); the unsloth and vLLM phases are skipped
with the reason. The exit status is 1 when a phase failed or timed out.
"""
from __future__ import annotations

import argparse
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

PHASES = ["versions", "unsloth_grpo_nf4", "resume", "sft_then_grpo", "eval_generation", "hf_nf4_grpo_merge",
          "vllm_colocate"]
# Phases on the unsloth backend when on a GPU (the others are hf: plain TRL, no unsloth import).
UNSLOTH_PHASES = {"unsloth_grpo_nf4", "resume", "_grpo_child", "sft_then_grpo", "eval_generation"}
# Tucano2-0.5B's shape (Qwen2); vocabulary from the embedded tokenizer (no hub).
WIDE = {"hidden_size": 896, "num_attention_heads": 14, "num_key_value_heads": 2, "intermediate_size": 4864,
        "num_hidden_layers": 24}
VERSIONS = ["torch", "transformers", "trl", "peft", "accelerate", "datasets", "unsloth", "unsloth_zoo",
            "bitsandbytes", "vllm", "xformers", "triton"]


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


def sections(args, *, backend: str, four_bit: bool) -> dict:
    """Config sections for a phase: the fast test config, this machine's backend, few steps."""
    cfg = load_config(TEST_CONFIG)
    model = {**cfg["model"], "backend": backend, "load_in_4bit": four_bit}
    grpo = {**cfg["grpo"], "init": "base", "max_steps": 4, "eval_steps": 1, "save_steps": 2, "patience": 10,
            "preflight_steps": 0, "preflight_probe_prompts": 0, "eval_subset": 4,
            "max_completion_length": 16 if args.tiny else 64}
    return {"model": model, "lora": cfg["lora"], "rewards": cfg["rewards"], "grpo": grpo,
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


def phase_unsloth_grpo_nf4(args, work: Path) -> dict:
    _needs_gpu(args, "unsloth")
    from transformers import TrainerCallback

    from commerce_grpo.train.grpo import WorkDir, build_trainer

    inputs = prepare(work, tiny=args.tiny)
    cfg = sections(args, backend="unsloth", four_bit=True)
    states = []

    class CheckpointingState(TrainerCallback):  # runs after ValidationCallback (added later)
        def on_step_end(self, targs, state, control, model=None, **kwargs):
            flags = [m.gradient_checkpointing for m in model.modules() if hasattr(m, "gradient_checkpointing")]
            states.append({"step": state.global_step, "on": sum(map(bool, flags)), "of": len(flags),
                           "training": model.training})

    trainer, _ = build_trainer(train=inputs["train"], validation=inputs["validation"], base=inputs["base"],
                               db=inputs["db"], init_adapter=None, seed=0, work=WorkDir(work / "unsloth"),
                               model=cfg["model"], lora=cfg["lora"], rewards=cfg["rewards"], grpo=cfg["grpo"])
    trainer.add_callback(CheckpointingState())
    trainer.train()
    bad = [s for s in states if not s["of"] or s["on"] != s["of"] or not s["training"]]
    if bad:
        raise AssertionError(f"gradient checkpointing not fully on after validation: {bad}")
    return {"trainer": type(trainer).__mro__[1].__name__, "after_each_validation": states}


def phase_resume(args, work: Path) -> dict:
    inputs = prepare(work, tiny=args.tiny)
    root = work / "resume"
    checkpoint = root / "work" / "trainer" / "checkpoint-2" / "trainer_state.json"
    child = subprocess.Popen([sys.executable, __file__, "--phase", "_grpo_child", "--work", str(work),
                              *(["--cpu"] if args.cpu else []), *(["--tiny"] if args.tiny else [])],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 0.7 * args.phase_timeout
    while not checkpoint.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    child.kill()
    child.wait()
    if not checkpoint.exists():
        raise AssertionError(f"no checkpoint-2 before the kill (child exit {child.returncode})")
    from commerce_grpo.train.grpo import WorkDir

    resumed_from = WorkDir(root / "work").last_checkpoint()
    best = _train_grpo(inputs, root, sections(args, backend=_backend(args), four_bit=not args.cpu))
    state = json.loads((root / "checkpoints" / "trainer_state.json").read_text())
    if state["global_step"] != 4 or not resumed_from:
        raise AssertionError(f"resume: from {resumed_from}, ended at step {state['global_step']}")
    return {"resumed_from": Path(resumed_from).name, "final_step": state["global_step"], "best": best}


def _grpo_child(args, work: Path) -> dict:
    return _train_grpo(prepare(work, tiny=args.tiny), work / "resume",
                       sections(args, backend=_backend(args), four_bit=not args.cpu))


def phase_sft_then_grpo(args, work: Path) -> dict:
    from commerce_grpo.train.sft import train_sft

    inputs = prepare(work, tiny=args.tiny)
    cfg = sections(args, backend=_backend(args), four_bit=not args.cpu)
    adapter = work / "sft" / "adapter"
    sft = train_sft(train=inputs["train"], validation=inputs["validation"], base=inputs["base"], audit=None,
                    outputs={"adapter": adapter, "metrics": work / "sft" / "metrics.csv"},
                    model=cfg["model"], lora=cfg["lora"], sft=cfg["sft"])
    cfg["grpo"] = {**cfg["grpo"], "init": "sft", "max_steps": 2}
    best = _train_grpo(inputs, work / "grpo_from_sft", cfg, init_adapter=adapter)
    return {"sft": sft, "grpo_best": best}


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
    best = _train_grpo(inputs, root, cfg)
    merged = merge_adapter(base=inputs["base"], adapter=root / "checkpoints" / "final", output=root / "merged",
                           model=cfg["model"])
    model = AutoModelForCausalLM.from_pretrained(merged)
    with torch.no_grad():
        logits = model(torch.tensor([[1, 2, 3]])).logits
    if not torch.isfinite(logits).all():
        raise AssertionError("merged model produced non-finite logits")
    return {"nf4": not args.cpu, "best": best, "merged": str(merged)}


def phase_vllm_colocate(args, work: Path) -> dict:
    _needs_gpu(args, "vllm")
    inputs = prepare(work, tiny=args.tiny)
    cfg = sections(args, backend="hf", four_bit=False)
    cfg["grpo"] = {**cfg["grpo"], "max_steps": 2, "vllm": {"enabled": True, "mode": "colocate",
                   "gpu_memory_utilization": 0.3, "server_base_url": None, "enable_sleep_mode": False}}
    return {"best": _train_grpo(inputs, work / "vllm", cfg)}


def _needs_gpu(args, package: str) -> None:
    import torch

    if args.cpu or not torch.cuda.is_available():
        raise Skip(f"{package} needs a CUDA GPU (this run: {'--cpu' if args.cpu else 'no CUDA device'})")
    if importlib.util.find_spec(package) is None:
        raise Skip(f"{package} is not installed (envs/gpu.yaml)")


# ----------------------------------------------------------------------------- driver

def run_phase(args) -> int:
    """Child: run one phase, write <work>/<phase>.json."""
    work = Path(args.work)
    if args.phase in UNSLOTH_PHASES and not args.cpu:
        from commerce_grpo.unsloth_first import import_backend_first

        import_backend_first({"backend": "unsloth"})  # before trl/transformers: the rule (unsloth_first)
    result_path = work / f"{args.phase}.json"
    try:
        detail = globals()[f"phase_{args.phase}" if not args.phase.startswith("_") else args.phase](args, work)
        result = {"status": "ok", "detail": detail}
    except Skip as skip:
        result = {"status": "skipped", "reason": str(skip)}
    result_path.write_text(json.dumps(result, default=str))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="folder for results.jsonl and the work files (default: a temporary one "
                        "with --tiny, else results/gpu_smoke)")
    parser.add_argument("--cpu", action="store_true", help="hf phases on CPU; unsloth and vLLM phases skip")
    parser.add_argument("--tiny", action="store_true", help="the embedded tiny model instead of the 0.5B width")
    parser.add_argument("--quick", action="store_true", help="same as --cpu --tiny")
    parser.add_argument("--phase-timeout", type=int, default=600, help="seconds per phase")
    parser.add_argument("--only", nargs="*", choices=PHASES, help="run only these phases")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.cpu = args.tiny = True
    if args.phase:
        return run_phase(args)
    with tempfile.TemporaryDirectory(prefix="gpu-smoke-") as tmp:
        out = Path(args.out or (tmp if args.tiny else "results/gpu_smoke"))
        out.mkdir(parents=True, exist_ok=True)
        work = out / "work"
        work.mkdir(exist_ok=True)
        results = out / "results.jsonl"
        results.write_text("")
        failed = 0
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        for phase in args.only or PHASES:
            started = time.perf_counter()
            command = [sys.executable, __file__, "--phase", phase, "--work", str(work),
                       "--phase-timeout", str(args.phase_timeout),
                       *(["--cpu"] if args.cpu else []), *(["--tiny"] if args.tiny else [])]
            try:
                proc = subprocess.run(command, capture_output=True, text=True, timeout=args.phase_timeout, env=env)
                written = work / f"{phase}.json"
                if proc.returncode == 0 and written.exists():
                    row = json.loads(written.read_text())
                else:
                    row = {"status": "failed", "reason": (proc.stderr or proc.stdout)[-3000:]}
            except subprocess.TimeoutExpired:
                row = {"status": "timeout", "reason": f"over {args.phase_timeout} s"}
            row = {"phase": phase, **row, "seconds": round(time.perf_counter() - started, 1)}
            failed += row["status"] in ("failed", "timeout")
            with results.open("a") as handle:
                handle.write(json.dumps(row, default=str) + "\n")
            print(f"{phase:20s} {row['status']:8s} {row['seconds']:7.1f} s  "
                  f"{row.get('reason', '')[-300:] if row['status'] != 'ok' else ''}", flush=True)
        print(f"results: {results}" + ("" if args.out or not args.tiny else " (temporary, removed)"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
