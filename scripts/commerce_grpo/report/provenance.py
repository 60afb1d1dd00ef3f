"""Where a report came from: config hash, package versions, git commit, device, wall time, and the
command that rebuilds it."""
from __future__ import annotations

import hashlib
import json
import subprocess
from importlib import metadata

REBUILD = "snakemake --cores 1 --resources gpu=1"
PACKAGES = ("torch", "transformers", "trl", "peft", "accelerate", "datasets", "scipy", "duckdb", "snakemake")


def config_hash(config: dict) -> str:
    """sha256 of the config as canonical JSON; two runs with the same hash ran the same recipe."""
    canonical = json.dumps(config, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit() -> str | None:
    """HEAD of the working directory's repository; None outside git or before the first commit."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def stage_times(benchmarks: dict[str, float]) -> dict[str, float]:
    """Wall seconds per stage (first path part of the benchmark file: ``grpo/seed42`` → grpo)."""
    stages: dict[str, float] = {}
    for job, seconds in benchmarks.items():
        stage = job.split("/")[0]
        stages[stage] = stages.get(stage, 0.0) + seconds
    return stages


def header(*, run_name: str, model: dict, decoding: dict, config_hash: str, metas: dict[str, dict],
           benchmarks: dict[str, float]) -> dict:
    """The report header: what ran, on what, how long each stage took.

    ``model`` and ``decoding`` are the config's ``model`` and ``evaluate`` sections; ``config_hash``
    is :func:`config_hash` of the whole config, computed by the rule (the report gets no config).
    """
    return {
        "run_name": run_name,
        "model": model["id"],
        "backend_config": model["backend"],
        "backend": sorted({m["backend"] for m in metas.values()}) or None,
        "device": sorted({m["device"] for m in metas.values()}) or None,
        "load_in_4bit": model["load_in_4bit"],
        "config_hash": config_hash,
        "packages": package_versions(),
        "git_commit": git_commit(),
        "decoding": decoding,
        "stage_seconds": stage_times(benchmarks),
        "job_seconds": benchmarks,
    }


def rebuild_command(effective_config: str, seeds: list[int], configured_seeds: list[int]) -> str:
    """The command that rebuilds this report: the effective config it wrote, and the seeds it covers
    when ``--config seeds=...`` restricted the configured ones (the effective config keeps the
    configured seeds, so the rebuilt report lands where this one is, not over the full report)."""
    command = f"{REBUILD} --configfile {effective_config}"
    if list(seeds) != list(configured_seeds):
        command += f" --config 'seeds=[{','.join(map(str, seeds))}]'"
    return command
