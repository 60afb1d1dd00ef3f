"""Does an arm read its input? Input sensitivity, verbatim repeats, and the data-blind-gain rule.

The evaluate rule scores every output twice: against its own prompt and against another eval prompt
of the same kind (``commerce_grpo.swaps``: push the same intent, extraction the same star rating,
the other tasks the same template), a fixed derangement shared by every arm. The pairing keeps what a
template may legitimately read fixed, so what is left measures whether the specifics are read:

- input sensitivity = mean r(out_i, prompt_i) − mean r(out_i, prompt_j), over the prompts with a
  partner (an answer that reads its prompt loses on another one; a template loses nothing);
- repeated share = the share of outputs (all k samples) whose text is also an output for another
  prompt of the task (a template repeats itself; SFT answers almost never do).

A gain is **data-blind** when most of it carries over to the mismatched prompt: of a significant
gain Δ = Δown, the part that reads the input is Δown − Δswapped (the rise in input sensitivity), and
the gain is data-blind when that part is below ``INPUT_READ_SHARE`` of Δ. Under a reward that reads
its input (the audit's swap ratio ≤ 0.4), moving towards honest answers raises sensitivity by at least
0.6 of the gain; a per-kind template raises both scores alike and reads ~0 %.
"""
from __future__ import annotations

import math
import numpy as np

from commerce_grpo import stats
from commerce_grpo.report.scores import OVERALL

INPUT_READ_SHARE = 0.5


def input_sensitivity(records: dict[str, dict[str, dict]], tasks: list[str]) -> dict[str, dict[str, dict]]:
    """{arm: {task|overall: {"pairs", "own", "swapped", "sensitivity", "outputs", "repeated_share"}}}.

    ``own``/``swapped``: mean reward of the outputs against their own prompt and against the partner
    (prompts with a partner only, ``pairs`` of them); ``sensitivity`` = own − swapped (None without a
    pair). The repeated share counts repeats within one task, OVERALL pools the tasks' outputs.
    """
    result = {}
    for arm, by_id in records.items():
        result[arm] = {}
        for part in [*tasks, OVERALL]:
            chosen = [r for r in by_id.values() if part in (OVERALL, r["task"])]
            swapped = [r for r in chosen if r["swap"] is not None]
            own = float(np.mean([r["reward"] for r in swapped])) if swapped else None
            other = float(np.mean([np.mean(r["swap"]["rewards"]) for r in swapped])) if swapped else None
            outputs = sum(len(r["completions"]) for r in chosen)
            result[arm][part] = {
                "pairs": len(swapped), "own": own, "swapped": other,
                "sensitivity": own - other if swapped else None, "outputs": outputs,
                "repeated_share": _repeated(chosen) / outputs if outputs else None,
            }
    return result


def _repeated(records: list[dict]) -> int:
    """Outputs whose exact text is also an output for another prompt of the same task."""
    owners: dict[tuple[str, str], set[str]] = {}
    for record in records:
        for text in set(record["completions"]):
            owners.setdefault((record["task"], text), set()).add(record["id"])
    return sum(len(owners[(r["task"], text)]) > 1 for r in records for text in r["completions"])


def pooled(per_seed: list[dict[str, dict]]) -> dict[str, dict]:
    """A pooled arm's figures: each value's mean over its seed arms (same prompts, same partners)."""
    parts = per_seed[0]
    return {part: {key: (None if any(s[part][key] is None for s in per_seed)
                         else float(np.mean([s[part][key] for s in per_seed])))
                   if key not in ("pairs", "outputs") else per_seed[0][part][key]
                   for key in parts[part]}
            for part in parts}


def data_blind(arm_records: list[dict[str, dict]], base_records: dict[str, dict], task: str, *,
               samples: int, seed: int) -> dict | None:
    """How much of the arm's gain over the baseline on ``task`` reads the input.

    ``arm_records`` are the seed arms' records (one for a single arm), ``base_records`` the
    baseline's. Per prompt with a partner: Δown = own score gain, Δswapped = the gain of the same
    outputs scored against the partner; ``read_share`` = (Δown − Δswapped) / Δown on the means, with
    a percentile interval over prompts resampled (seeded). None without a partnered prompt or
    without a positive gain.
    """
    ids = sorted(i for i, r in base_records.items() if r["task"] == task and r["swap"] is not None)
    if not ids:
        return None
    own = np.array([[arm[i]["reward"] for i in ids] for arm in arm_records]).mean(axis=0)
    swapped = np.array([[np.mean(arm[i]["swap"]["rewards"]) for i in ids] for arm in arm_records]).mean(axis=0)
    gain = own - np.array([base_records[i]["reward"] for i in ids])
    carried = swapped - np.array([np.mean(base_records[i]["swap"]["rewards"]) for i in ids])
    if gain.mean() <= 0:
        return None
    share = float(1 - carried.mean() / gain.mean())
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(ids), size=(samples, len(ids)))
    gains, carries = gain[index].mean(axis=1), carried[index].mean(axis=1)
    shares = 1 - carries[gains > 0] / gains[gains > 0]
    interval = stats.percentile_interval(shares) if shares.size else (math.nan, math.nan)
    return {
        "prompts": len(ids), "gain": float(gain.mean()), "gain_swapped": float(carried.mean()),
        "sensitivity_gain": float(gain.mean() - carried.mean()), "read_share": share,
        "read_share_ci95": interval, "cutoff": INPUT_READ_SHARE, "data_blind": share < INPUT_READ_SHARE,
        "borderline": bool(interval[0] <= INPUT_READ_SHARE <= interval[1]),
    }
