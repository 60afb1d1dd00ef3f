"""Seconds per GRPO step at the recipe's shape: hf vs unsloth vs unsloth + vLLM colocate rollouts.

    python benchmarks/bench_gpu_step.py                 # one GPU, envs/gpu.yaml; goal <= 5 s/step on H100/H200
    python benchmarks/bench_gpu_step.py --quick         # tiny model on CPU, hf only: proves it runs

The recipe's shape (config/tucano2-0.5b.yaml): a model at Tucano2-0.5B's width (random weights,
built offline as in gpu_smoke.py), NF4, G = 16 completions of up to 512 tokens, 2 prompts per step.
A random model rarely ends a completion, so every rollout runs the full 512 tokens: the worst
case. Each variant runs in its own process (importing unsloth rewrites TRL for the whole process)
and reports the median of TRL's ``step_time`` after the first step; the summary prints each
variant's ratio to hf. unsloth_vllm rolls out on Unsloth's own vLLM engine (docs/gpu.md, "Rollout
paths"). The study paid ~54 s per step on one L4. Untested on GPU so far.
"""
from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from gpu_smoke import Skip, _needs_gpu, _train_grpo, prepare, sections  # puts scripts/ on sys.path

VARIANTS = {"hf": ("hf", False), "unsloth": ("unsloth", False), "unsloth_vllm": ("unsloth", True)}


def run_variant(args) -> dict:
    backend, vllm = VARIANTS[args.variant]
    if backend == "unsloth" or vllm:
        _needs_gpu(args, "vllm" if vllm else "unsloth")
        from commerce_grpo.unsloth_first import import_backend_first

        import_backend_first({"backend": "unsloth"})  # first, before trl (commerce_grpo.unsloth_first)
    work = Path(args.work)
    inputs = prepare(work, tiny=args.tiny)
    cfg = sections(args, backend=backend, four_bit=not args.cpu, vllm=vllm)
    cfg["lora"] = {**cfg["lora"], "modules_to_save": []}  # the recipe's (config/tucano2-0.5b.yaml)
    steps = args.steps + 1  # the first step (compilation, allocation) is left out of the median
    cfg["grpo"] = {**cfg["grpo"], "max_steps": steps, "eval_steps": steps, "save_steps": steps + 1,
                   "num_generations": 2 if args.tiny else 16, "prompts_per_step": 2,
                   "max_completion_length": 16 if args.tiny else 512}
    root = work / args.variant
    _train_grpo(inputs, root, cfg)
    with open(root / "metrics.csv", newline="") as handle:
        times = [float(r["step_time"]) for r in csv.DictReader(handle) if r.get("step_time") not in (None, "")]
    measured = times[1:] or times
    return {"variant": args.variant, "steps": len(measured), "seconds_per_step": statistics.median(measured),
            "step_times": times}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=5, help="measured steps per variant (after one warm-up)")
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--output", default="results/benchmarks/bench_gpu_step.json")
    parser.add_argument("--quick", action="store_true", help="tiny model on CPU, 2 steps; writes nothing")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per variant")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--cpu", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.cpu = args.tiny = True
        args.steps = 1
    if args.variant:
        try:
            result = {"status": "ok", **run_variant(args)}
        except Skip as skip:
            result = {"status": "skipped", "reason": str(skip)}
        Path(args.work, f"{args.variant}.result.json").write_text(json.dumps(result))
        return 0
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-gpu-step-") as work:
        for variant in args.variants:
            command = [sys.executable, __file__, "--variant", variant, "--work", work, "--steps", str(args.steps),
                       *(["--cpu"] if args.cpu else []), *(["--tiny"] if args.tiny else [])]
            try:
                proc = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
                path = Path(work, f"{variant}.result.json")
                results[variant] = json.loads(path.read_text()) if proc.returncode == 0 and path.exists() \
                    else {"status": "failed", "reason": (proc.stderr or proc.stdout)[-2000:]}
            except subprocess.TimeoutExpired:
                results[variant] = {"status": "timeout", "reason": f"over {args.timeout} s"}
            row = results[variant]
            print(f"{variant:14s} {row['status']:8s} "
                  + (f"{row['seconds_per_step']:.2f} s/step" if row["status"] == "ok" else row["reason"][-300:]),
                  flush=True)
    hf = results.get("hf", {}).get("seconds_per_step")
    for variant, row in results.items():
        if hf and row["status"] == "ok":
            row["ratio_to_hf"] = row["seconds_per_step"] / hf
            print(f"{variant:14s} {row['ratio_to_hf']:.2f} x hf")
    if not args.quick:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if any(row["status"] in ("failed", "timeout") for row in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
