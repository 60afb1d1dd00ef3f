"""What scored the run: its tasks, the reward preset with each task's components and weights, the judge.

A reward is only comparable with a reward made of the same parts, so the report names them: the
tasks of the eval records (registry order), their pair counts, the resolved weights of each task's
components (``rewards.config.settings``: the preset with the config's overrides, penalties
negative) and, when ``rewards.judge.enabled``, the LLM judge (model, endpoint, weight) with what its
calls did in the reward audit and in GRPO training. When the judge is off the report says so.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from commerce_grpo import tasks as registry
from commerce_grpo.report.inputs import read_grpo_judge
from commerce_grpo.rewards import judge
from commerce_grpo.rewards.config import settings

ENDPOINT_KIND = "OpenAI-compatible /v1/chat/completions"
LOCAL_NAMES = {"localhost"}
# What audit.judge_audit writes about the judge's calls on the honest audit answers.
AUDIT_KEYS = ("items", "scored", "errors", "mean")


def ordered_tasks(present: Iterable[str]) -> list[str]:
    """The tasks among ``present`` in registry order; a name the registry does not know is an error."""
    present = set(present)
    for name in present:
        registry.get(name)  # ValueError naming the known tasks
    return [name for name in registry.ALL if name in present]


def reward_setup(rewards: Mapping[str, Any], tasks: list[str], counts: Mapping[str, Mapping[str, int]]) -> dict:
    """The preset and, per task, its pair counts (``read_stats``'s ``counts``) and component weights as
    GRPO and eval used them."""
    resolved = settings(rewards)
    missing = [task for task in tasks if task not in resolved.weights]
    if missing:
        raise ValueError(f"report: the rewards config has no weights for the evaluated task(s) {missing}")
    # A task without prompts in a split is absent from that split's counter (data/pairs.py).
    return {"preset": resolved.preset,
            "tasks": {task: {**{split: int(counts[split].get(task, 0)) for split in registry.SPLITS},
                             "components": dict(resolved.weights[task])} for task in tasks}}


def endpoint(base_url: str) -> dict:
    """What the judge is reached at: the URL, the API kind, and whether the host is this machine."""
    host = urlsplit(base_url).hostname or ""
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = host in LOCAL_NAMES
    return {"kind": ENDPOINT_KIND, "base_url": base_url, "host": host, "local": local}


def judge_setup(rewards: Mapping[str, Any], audit: Mapping[str, Any], audit_path: str,
                grpo_metrics: Mapping[str, str]) -> dict:
    """``{"enabled": False}``, or the judge's model, endpoint and weight with its audit and training counts.

    ``audit`` is the reward audit (its ``judge`` entry, written by ``audit.judge_audit``);
    ``grpo_metrics`` is {GRPO arm: metrics.csv}, where training logs the judge's calls, failed
    calls (``reward_errors/judge``) and mean reward per step.
    """
    cfg = judge.judge_settings(rewards)
    if "judge" not in audit:
        raise ValueError(f"{audit_path}: missing key 'judge'")
    audited = audit["judge"]
    if not isinstance(audited, Mapping) or "enabled" not in audited:
        raise ValueError(f"{audit_path}: missing key 'judge.enabled'")
    if bool(audited["enabled"]) != bool(cfg["enabled"]):
        raise ValueError(f"{audit_path}: the audit ran with the judge {'on' if audited['enabled'] else 'off'}, "
                         f"this config has rewards.judge.enabled: {cfg['enabled']}; rerun the reward audit")
    if not cfg["enabled"]:
        return {"enabled": False}
    missing = [key for key in AUDIT_KEYS if key not in audited]
    if missing:
        raise ValueError(f"{audit_path}: missing key 'judge.{missing[0]}'")
    return {
        "enabled": True,
        "model": cfg["model"],
        "endpoint": endpoint(cfg["base_url"]),
        "weight": float(cfg["weight"]),
        "function": judge.FUNCTION_NAME,
        "rubric_file": cfg["rubric_file"],
        "audit": {key: audited[key] for key in AUDIT_KEYS},
        "training": {arm: read_grpo_judge(path) for arm, path in grpo_metrics.items()},
    }
