"""The final report: recomputable p-values, links that exist, missing seeds named, JSON ⊇ Markdown."""
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from commerce_grpo.report import build_report


@pytest.fixture
def built(report_inputs):
    build_report(**report_inputs)
    outputs = report_inputs["outputs"]
    return report_inputs, json.loads(Path(outputs["json"]).read_text()), Path(outputs["md"]).read_text()


def _rewards(path):
    records = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    return {r["id"]: (r["task"], r["reward"]) for r in records}


def test_every_p_value_recomputes_from_the_eval_jsonl(built):
    inputs, report, _ = built
    eval_dir = Path(inputs["evals"][0]).parent
    pooled = {g["pooled"]: list(g["arms"].values()) for g in report["arms"]["groups"].values()}

    def arm_scores(arm):
        if arm in pooled:
            per_seed = [_rewards(eval_dir / f"{a}.jsonl") for a in pooled[arm]]
            return {i: (t, np.mean([s[i][1] for s in per_seed])) for i, (t, _) in per_seed[0].items()}
        return _rewards(eval_dir / f"{arm}.jsonl")

    assert len(report["comparisons"]) == 3 * 5 * 2 + 5  # (pooled + 2 seeds) × 5 parts × {base, sft} + sft
    for c in report["comparisons"]:
        arm, base = arm_scores(c["arm"]), arm_scores(c["baseline"])
        ids = sorted(i for i, (task, _) in base.items() if c["task"] in ("overall", task))
        x, y = [arm[i][1] for i in ids], [base[i][1] for i in ids]
        expected = sps.wilcoxon(x, y, alternative="greater").pvalue
        assert c["n"] == len(ids)
        assert c["mean_arm"] == pytest.approx(np.mean(x)) and c["mean_baseline"] == pytest.approx(np.mean(y))
        if math.isnan(expected):
            assert c["p_value"] is None and c["tied"] == c["n"]
        else:
            assert c["p_value"] == pytest.approx(expected, rel=1e-12), c
        for key in ("p_holm", "effect_size", "ci95", "baseline", "task"):
            assert key in c


def test_holm_and_significance(built):
    _, report, _ = built
    rows = {c["task"]: c for c in report["comparisons"] if (c["arm"], c["baseline"]) == ("grpo_pooled", "base")}
    per_task = [rows[t]["p_value"] if rows[t]["p_value"] is not None else 1.0 for t in ("extraction", "sql_qa", "insights", "push")]
    smallest = min(per_task)
    assert min(rows[t]["p_holm"] for t in ("extraction", "sql_qa", "insights", "push")) == pytest.approx(4 * smallest)
    assert rows["overall"]["p_holm"] == rows["overall"]["p_value"]
    assert rows["extraction"]["significant"] and rows["insights"]["significant"]
    assert not rows["sql_qa"]["significant"] and not rows["push"]["significant"]
    assert rows["push"]["p_value"] is None  # 15 tied pairs: scipy's NaN, written as null


def test_every_link_and_figure_exists(built):
    inputs, report, md = built
    md_dir = Path(inputs["outputs"]["md"]).parent
    links = re.findall(r"\]\(([^)]+)\)", md)
    assert len(links) == 3
    for link in links:
        assert (md_dir / link).is_file(), link
        assert (md_dir / link).stat().st_size > 1000
    assert sorted(p.name for p in Path(inputs["outputs"]["figures"]).iterdir()) == [
        "eval_means.png", "grpo_validation.png", "sft_loss.png"]


def test_missing_seed_is_named_and_demo_banner_shown(built):
    _, report, md = built
    assert report["seeds"]["missing"]["GRPO arm not evaluated"] == [456]
    assert "seeds 456" in md and "grpo_seed456" in md
    assert md.splitlines()[2].startswith("> **Demo run.**")
    assert "snakemake --configfile config/tucano2-0.5b.yaml --cores 1 --resources gpu=1" in md


def test_diagnosis_follows_the_decision_tree(built):
    _, report, md = built
    verdicts = {d["task"]: d["verdict"] for d in report["diagnosis"]}
    assert verdicts["extraction"] == verdicts["insights"] == "improved"
    # push: tuned text differs from base's on every prompt but the reward ties → too coarse.
    assert verdicts["push"] == "reward problem"
    # sql_qa: 1500 prompts, audit passed, validation flat → capacity.
    assert verdicts["sql_qa"] == "capacity ceiling"
    assert "## Diagnosis per task" in md


def _numbers(value, out):
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        out["numbers"].append(float(value))
    elif isinstance(value, str):
        out["strings"].append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            out["strings"].append(str(k))
            _numbers(v, out)
    else:
        for v in value:
            _numbers(v, out)


def test_every_number_in_the_markdown_tables_is_in_the_json(built):
    _, report, md = built
    found = {"numbers": [], "strings": []}
    _numbers(report, found)
    numbers = np.array(found["numbers"])
    strings = "\n".join(found["strings"])
    table_rows = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| Task")
                  and "---" not in line]
    checked = 0
    for row in table_rows:
        for token in re.findall(r"[+-]?\d+(?:\.\d+)?(?:e[+-]\d+)?%?", row):
            if token.lstrip("+-").rstrip("%") in strings or token in strings:
                continue
            value = float(token.rstrip("%"))
            decimals = len(token.split(".")[1].split("e")[0].rstrip("%")) if "." in token else 0
            tolerance = abs(value) * 0.01 if "e" in token else 0.5 * 10 ** -decimals + 1e-12
            assert np.any(np.abs(numbers - value) <= tolerance), f"{token!r} in {row!r} is not in the JSON"
            checked += 1
    assert checked > 100


def test_report_without_sft_and_with_one_seed(tmp_path, make_report_inputs):
    inputs = make_report_inputs(tmp_path, seeds=(42,), configured=(42,), sft=False)
    report = build_report(**inputs)
    assert {(c["arm"], c["baseline"]) for c in report["comparisons"]} == {("grpo_pooled", "base"), ("grpo_seed42", "base")}
    assert report["seed_summary"][0]["sd"] is None
    md = Path(inputs["outputs"]["md"]).read_text()
    assert "None: every configured seed (42) finished." in md
    assert "![SFT loss]" not in md


def test_report_with_base_only_still_builds(tmp_path, make_report_inputs):
    inputs = make_report_inputs(tmp_path, seeds=(), configured=(42,), sft=False)
    report = build_report(**{**inputs, "config": {**inputs["config"], "demo": False}})
    assert report["comparisons"] == []
    assert {d["verdict"] for d in report["diagnosis"]} == {"not evaluated"}
    md = Path(inputs["outputs"]["md"]).read_text()
    assert "Demo run" not in md and "GRPO arm not evaluated: seeds 42" in md


def test_bad_eval_record_names_file_and_line(report_inputs):
    path = Path(report_inputs["evals"][1])
    path.write_text(path.read_text() + '{"id": "x", "task": "push", "completion": ""}\n')
    with pytest.raises(ValueError, match=rf"{path.name}:66: eval record lacks \['reward'\]"):
        build_report(**report_inputs)


def test_missing_base_arm_is_an_error(report_inputs):
    with pytest.raises(ValueError, match="no base arm"):
        build_report(**{**report_inputs, "evals": report_inputs["evals"][1:]})
