"""Every figure of the report's answer recomputes from the eval JSONL files alone.

The check below reads `eval/*.jsonl` and nothing of the package: per-prompt scores (each record's
mean over its samples), pooled per prompt over the seeds, the exact two-sided signed-rank p (its
null distribution as a product of polynomials), Holm over the primary family without the tests that have no
untied pair, the seeds agreeing, the outcome word and the two-level bootstrap interval by the recipe
docs/statistics.md gives (one generator: seed indices, then prompt indices).
"""
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from commerce_grpo.report.build import build_report


def _scores(path: Path) -> dict[str, tuple[str, float]]:
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for r in records:
        assert r["reward"] == pytest.approx(np.mean(r["rewards"]))
    return {r["id"]: (r["task"], float(np.mean(r["rewards"]))) for r in records}


def _two_sided(d: np.ndarray) -> float:
    """The exact null of 2·R+ as the polynomial prod(1 + x^(2·rank)) / 2^m (mid-ranks), two tails."""
    d = d[d != 0]
    if d.size == 0:
        return 1.0
    twice = np.rint(2 * sps.rankdata(np.abs(d))).astype(int)
    null = np.array([1.0])
    for r in twice:
        null = np.convolve(null, np.r_[1.0, np.zeros(r - 1), 1.0]) / 2
    observed, centre = twice[d > 0].sum(), twice.sum() / 2
    values = np.arange(null.size)
    return float(null[np.abs(values - centre) >= abs(observed - centre) - 1e-9].sum())


def _holm(p: dict[str, float]) -> dict[str, float]:
    order = sorted(p, key=p.get)
    adjusted, running = {}, 0.0
    for rank, key in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p[key]))
        adjusted[key] = running
    return adjusted


def _two_level(arm: np.ndarray, base: np.ndarray, samples: int, seed: int) -> tuple[float, float]:
    cells = np.round(arm - base[None, :], 12)
    if np.all(cells == cells.flat[0]):  # the zero-spread bound
        c, q = cells.flat[0], 1 - 0.025 ** (1 / base.size)
        return c - q * (c + 1), c + q * (1 - c)
    rng = np.random.default_rng(seed)
    seed_index = rng.integers(0, arm.shape[0], size=(samples, arm.shape[0]))
    prompt_index = rng.integers(0, base.size, size=(samples, base.size))
    deltas = (arm[seed_index[:, :, None], prompt_index[:, None, :]].mean(axis=(1, 2))
              - base[prompt_index].mean(axis=1))
    return tuple(np.quantile(deltas, [0.025, 0.975]))


@pytest.mark.parametrize("seeds", [(42, 123, 456), (42,)])
def test_the_answer_recomputes_from_the_eval_jsonl(tmp_path, make_report_inputs, seeds):
    inputs = make_report_inputs(tmp_path, seeds=seeds, floor_tasks=("sql_qa",))
    report = build_report(**inputs)
    eval_dir = Path(inputs["evals"][0]).parent
    init = _scores(eval_dir / "sft.jsonl")
    per_seed = [_scores(eval_dir / f"grpo_seed{s}.jsonl") for s in seeds]
    parts = ["extraction", "sql_qa", "insights", "push", "overall"]
    rows = {row["task"]: row for row in report["summary"]["rows"]}
    assert list(rows) == parts and report["summary"]["arm"] == "grpo_pooled"

    raw, deltas, expected = {}, {}, {}
    for part in parts:
        ids = sorted(i for i, (task, _) in init.items() if part in ("overall", task))
        base = np.array([init[i][1] for i in ids])
        arm = np.array([[s[i][1] for i in ids] for s in per_seed])
        pooled = arm.mean(axis=0)
        d = np.round(pooled - base, 12)
        raw[part], deltas[part] = _two_sided(d), pooled.mean() - base.mean()
        seed_deltas = arm.mean(axis=1) - base.mean()
        expected[part] = {
            "mean_baseline": base.mean(), "mean_arm": pooled.mean(), "delta": deltas[part],
            "seeds_agreeing": int(np.sum(np.sign(np.round(seed_deltas, 12)) == np.sign(np.round(deltas[part], 12)))),
            "testable": np.unique(np.concatenate([arm.ravel(), base])).size > 1, "untied": int(np.count_nonzero(d)),
            "interval": _two_level(arm, base, inputs["bootstrap_samples"], inputs["seed"]) if len(seeds) > 1
            else None,
        }
    adjusted = _holm({p: raw[p] for p in parts if expected[p]["untied"]})
    for part in parts:
        row, want = rows[part], expected[part]
        for key in ("mean_baseline", "mean_arm", "delta"):
            assert row[key] == pytest.approx(want[key], abs=1e-12), (part, key)
        assert row["p_adjusted"] == pytest.approx(adjusted.get(part, 1.0), rel=1e-9), part
        assert row["seeds_agreeing"] == want["seeds_agreeing"] and row["seeds"] == len(seeds)
        word = ("not testable" if not want["testable"]
                else "better" if adjusted.get(part, 1) < 0.05 and want["delta"] > 0
                else "worse" if adjusted.get(part, 1) < 0.05 and want["delta"] < 0
                else "no significant difference")
        assert row["outcome"] == word, part
        if want["interval"] is not None:
            assert row["interval"] == pytest.approx(list(want["interval"]), abs=1e-9), part
    assert rows["sql_qa"]["outcome"] == "not testable" and rows["extraction"]["outcome"] == "better"
    # The Markdown's answer prints exactly these rows.
    answer = Path(inputs["outputs"]["md"]).read_text().split("## Test plan")[0]
    for part in parts:
        row = rows[part]
        cells = f"| {row['mean_baseline']:.3f} | {row['mean_arm']:.3f} | {row['delta']:+.3f}"
        assert cells in answer, (part, cells)
