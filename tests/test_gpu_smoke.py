"""benchmarks/gpu_smoke.py --cpu --tiny: every phase reported, results.jsonl complete.

On CPU the hf phases run (SFT then GRPO, evaluation generation, GRPO + fp32 merge, kill + resume)
with their checks (trainer class, weights changed and fp32) and the phases that need CUDA
(unsloth, vLLM) are skipped with the reason; on a GPU the same script runs them all (docs/gpu.md).
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CPU_PHASES = {"versions", "resume", "sft_then_grpo", "eval_generation", "hf_nf4_grpo_merge"}
GPU_PHASES = {"unsloth_vllm_nf4", "unsloth_grpo_nf4", "hf_vllm"}


@pytest.mark.slow  # four fresh processes, 2-7 minutes on 2 cores
def test_gpu_smoke_cpu_tiny(tmp_path):
    proc = subprocess.run([sys.executable, "benchmarks/gpu_smoke.py", "--cpu", "--tiny", "--out", str(tmp_path)],
                          cwd=REPO, text=True, capture_output=True, timeout=1800)
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    status = {row["phase"]: row["status"] for row in rows}
    assert proc.returncode == 0, f"{status}\n{proc.stdout[-3000:]}"
    assert status == {**{p: "ok" for p in CPU_PHASES}, **{p: "skipped" for p in GPU_PHASES}}
    by_phase = {row["phase"]: row for row in rows}
    assert all("CUDA" in by_phase[p]["reason"] for p in GPU_PHASES)
    assert by_phase["resume"]["detail"]["resumed_from"] == "checkpoint-2"
    assert by_phase["resume"]["detail"]["final_step"] == 4
    assert by_phase["eval_generation"]["detail"]["sft"]["training_after"] is False
    assert by_phase["versions"]["detail"]["device"] == "cpu"
    merge = by_phase["hf_nf4_grpo_merge"]["detail"]
    assert merge["trainer"][2] == "GRPOTrainer" and merge["changed"]["lora_B"] and merge["changed"]["modules_to_save"]
