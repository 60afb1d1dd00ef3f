"""The final report: exact p-values that recompute, stages credited, links that exist, JSON ⊇ Markdown."""
import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

import yaml

from commerce_grpo.report import provenance
from commerce_grpo.report.build import build_report

TASKS = ("extraction", "sql_qa", "insights", "push")


@pytest.fixture
def built(report_inputs):
    build_report(**report_inputs)
    outputs = report_inputs["outputs"]
    return report_inputs, json.loads(Path(outputs["json"]).read_text()), Path(outputs["md"]).read_text()


def _rewards(path):
    records = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    return {r["id"]: (r["task"], r["reward"]) for r in records}


def _independent_p(x, y):
    """The exact one-sided p's (greater, less) without the package: every sign flip when few pairs
    are untied, scipy's exact test when the magnitudes do not tie; None when neither applies."""
    d = np.round(np.asarray(x) - np.asarray(y), 12)
    d = d[d != 0]
    if d.size == 0:
        return 1.0, 1.0
    if d.size <= 16:
        ranks = sps.rankdata(np.abs(d))
        signs = np.array(list(itertools.product((0, 1), repeat=d.size)), float)
        outcomes, observed = signs @ ranks, ranks[d > 0].sum()
        return float(np.mean(outcomes >= observed - 1e-9)), float(np.mean(outcomes <= observed + 1e-9))
    if np.unique(np.abs(d)).size == d.size:
        return (sps.wilcoxon(d, alternative="greater", method="exact").pvalue,
                sps.wilcoxon(d, alternative="less", method="exact").pvalue)
    return None


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # scipy on all-tied pairs
def test_every_p_value_recomputes_from_the_eval_jsonl(built):
    inputs, report, _ = built
    eval_dir = Path(inputs["evals"][0]).parent
    pooled = {g["pooled"]: list(g["arms"].values()) for g in report["arms"]["groups"].values()}

    def arm_scores(arm):
        if arm in pooled:
            per_seed = [_rewards(eval_dir / f"{a}.jsonl") for a in pooled[arm]]
            return {i: (t, np.mean([s[i][1] for s in per_seed])) for i, (t, _) in per_seed[0].items()}
        return _rewards(eval_dir / f"{arm}.jsonl")

    assert len(report["comparisons"]) == 3 * 5 * 2 + 5  # (pooled + 2 seeds) × 5 parts × {sft, base} + sft
    checked = 0
    for c in report["comparisons"]:
        arm, base = arm_scores(c["arm"]), arm_scores(c["baseline"])
        ids = sorted(i for i, (task, _) in base.items() if c["task"] in ("overall", task))
        x, y = [arm[i][1] for i in ids], [base[i][1] for i in ids]
        assert c["n"] == len(ids)
        assert c["mean_arm"] == pytest.approx(np.mean(x)) and c["mean_baseline"] == pytest.approx(np.mean(y))
        default = sps.wilcoxon(x, y, alternative="greater").pvalue
        assert c["p_value_scipy_default"] == (None if np.isnan(default) else pytest.approx(default, rel=1e-12))
        # Attainable: with m untied pairs every exact p is a multiple of 2^-m (never 0.034 from 4 pairs).
        m = c["n"] - c["tied"]
        for p in (c["p_value"], c["p_value_less"]):
            assert p * 2 ** m == pytest.approx(round(p * 2 ** m), abs=1e-6) and p >= 2.0 ** -m
        expected = _independent_p(x, y)
        if expected is not None:
            assert (c["p_value"], c["p_value_less"]) == pytest.approx(expected, rel=1e-9), c
            checked += 1
        else:  # many untied pairs with tied magnitudes: a seeded Monte Carlo sign-flip test agrees
            d = np.round(np.asarray(x) - np.asarray(y), 12)
            d = d[d != 0]
            ranks = sps.rankdata(np.abs(d))
            flips = np.random.default_rng(0).integers(0, 2, size=(40000, d.size)) @ ranks
            assert c["p_value"] == pytest.approx(np.mean(flips >= ranks[d > 0].sum() - 1e-9), abs=0.01), c
        for key in ("p_holm", "p_holm_less", "effect_size", "ci95", "baseline", "task", "stage", "outcome"):
            assert key in c
    assert checked >= 20


def test_each_comparison_names_the_stage_it_credits(built):
    _, report, md = built
    stages = {(c["arm"], c["baseline"]): c["stage"] for c in report["comparisons"]}
    assert stages == {
        ("sft", "base"): "sft",
        **{(arm, "sft"): "grpo" for arm in ("grpo_pooled", "grpo_seed42", "grpo_seed123")},
        **{(arm, "base"): "sft+grpo" for arm in ("grpo_pooled", "grpo_seed42", "grpo_seed123")},
    }
    assert set(report["stages"]) == {"sft", "grpo", "sft+grpo", "recipe"}
    assert "### grpo vs sft, the arm it started from — credits GRPO" in md
    assert "### SFT vs base — credits SFT" in md


def test_primary_family_holms_tasks_and_overall_together(built):
    _, report, _ = built
    rows = {c["task"]: c for c in report["comparisons"] if (c["arm"], c["baseline"]) == ("grpo_pooled", "sft")}
    assert {c["role"] for c in rows.values()} == {"primary"}
    assert {c["role"] for c in report["comparisons"] if (c["arm"], c["baseline"]) != ("grpo_pooled", "sft")} \
        == {"secondary"}
    # push ties on every prompt: it cannot reject and leaves m; the other four (OVERALL included) count.
    assert rows["push"]["tied"] == rows["push"]["n"] and rows["push"]["p_adjusted"] == 1.0
    counted = ["extraction", "sql_qa", "insights", "overall"]
    assert {rows[t]["family_size"] for t in counted} == {4}
    smallest = min(counted, key=lambda t: rows[t]["p_two_sided"])
    assert rows[smallest]["p_adjusted"] == pytest.approx(4 * rows[smallest]["p_two_sided"])
    assert rows["overall"]["p_adjusted"] >= rows["overall"]["p_two_sided"]
    assert [rows[t]["outcome"] for t in TASKS] == ["better", "no significant difference", "worse",
                                                    "no significant difference"]
    assert rows["insights"]["worse"] and not rows["insights"]["significant"]
    # Against base the same insights answers are better: the recipe gained, GRPO did not.
    versus_base = next(c for c in report["comparisons"]
                       if (c["arm"], c["baseline"], c["task"]) == ("grpo_pooled", "base", "insights"))
    assert versus_base["outcome"] == "better" and versus_base["stage"] == "sft+grpo"
    assert report["plan"]["primary_arm"] == "grpo_pooled" and report["plan"]["primary_baseline"] == "sft"


@pytest.mark.parametrize(("plan", "family"), [
    ({"primary": "recipe_vs_base", "overall": "in_family", "direction": "two-sided"}, ("grpo_pooled", "base")),
    ({"primary": "grpo_vs_init", "overall": "gatekeeper", "direction": "two-sided"}, ("grpo_pooled", "sft")),
    ({"primary": "grpo_vs_init", "overall": "in_family", "direction": "greater"}, ("grpo_pooled", "sft")),
])
def test_the_plan_decides_the_primary_family_its_gate_and_its_direction(tmp_path, make_report_inputs, plan, family):
    inputs = make_report_inputs(tmp_path, plan=plan)
    report = build_report(**inputs)
    primary = {c["task"]: c for c in report["comparisons"] if c["role"] == "primary"}
    assert {(c["arm"], c["baseline"]) for c in primary.values()} == {family}
    assert (report["summary"]["arm"], report["summary"]["baseline"]) == family
    if plan["overall"] == "gatekeeper":
        gate = primary["overall"]
        assert gate["p_adjusted"] == gate["p_plan"] and gate["family_size"] == 1
        assert all(c["p_adjusted"] >= gate["p_plan"] for c in primary.values())
    if plan["direction"] == "greater":
        assert all(c["p_plan"] == c["p_value"] for c in report["comparisons"])
        assert primary["insights"]["outcome"] == "no significant difference"  # a regression is not tested
    md = Path(inputs["outputs"]["md"]).read_text()
    assert f"## Answer: `{family[0]}`" in md and f"| Task | {family[1]} | {family[0]} |" in md


def test_a_plan_with_an_unknown_value_names_the_key(tmp_path, make_report_inputs):
    inputs = make_report_inputs(tmp_path)
    with pytest.raises(ValueError, match="report.plan.overall: 'first' is not one of"):
        build_report(**{**inputs, "plan": {**inputs["plan"], "overall": "first"}})
    with pytest.raises(ValueError, match=r"report.plan: keys .* \(missing \['direction'\]"):
        build_report(**{**inputs, "plan": {"primary": "grpo_vs_init", "overall": "in_family"}})


def test_diagnosis_reads_grpo_against_its_init_arm(built):
    _, report, md = built
    diagnosis = {d["task"]: d for d in report["diagnosis"]}
    assert {t: d["verdict"] for t, d in diagnosis.items()} == {
        "extraction": "improved", "insights": "worse",
        # push: GRPO's text differs from SFT's on every prompt but the reward ties → too coarse.
        "push": "reward problem",
        # sql_qa: 1500 prompts, audit passed, validation flat → capacity.
        "sql_qa": "capacity ceiling"}
    for d in report["diagnosis"]:
        assert d["evidence"]["init_arm"] == "sft"
        if d["verdict"] == "improved":
            assert d["evidence"]["delta"] > 0 and d["evidence"]["p_adjusted"] < 0.05
    assert diagnosis["extraction"]["evidence"]["trained"] == {"sft": True, "grpo": False}
    assert diagnosis["sql_qa"]["evidence"]["trained"] == {"sft": False, "grpo": False}
    assert "GRPO is below sft" in diagnosis["insights"]["reason"]
    assert "every seed moved up" in diagnosis["sql_qa"]["reason"]  # +0.007/+0.006, not significant
    assert "## Diagnosis per task" in md and "**worse**" in md


def test_a_planted_all_tied_task_reads_not_testable(tmp_path, make_report_inputs):
    inputs = make_report_inputs(tmp_path, floor_tasks=("sql_qa",))
    report = build_report(**inputs)
    row = next(r for r in report["summary"]["rows"] if r["task"] == "sql_qa")
    assert row["outcome"] == "not testable" and row["p_adjusted"] == 1.0
    assert next(d for d in report["diagnosis"] if d["task"] == "sql_qa")["verdict"] == "not testable"
    md = Path(inputs["outputs"]["md"]).read_text()
    assert "| sql_qa | 0.000 | 0.000 | +0.000 [-0.218, +0.218] | 1.0000 | 2/2 = | not testable |" in md


def test_a_planted_data_blind_arm_is_flagged(tmp_path, make_report_inputs):
    """GRPO's extraction gain made of one template for every prompt: scored against another prompt
    of the same kind it keeps every point, and repeats itself verbatim."""
    inputs = make_report_inputs(tmp_path, blind_tasks=("extraction",))
    report = build_report(**inputs)
    extraction = next(d for d in report["diagnosis"] if d["task"] == "extraction")
    assert extraction["verdict"] == "data-blind gain"
    row = next(r for r in report["summary"]["rows"] if r["task"] == "extraction")
    assert row["outcome"] == "better" and row["data_blind"] is True
    assert report["data_blind"]["primary"]["extraction"]["read_share"] < 0
    sensitivity = report["input_sensitivity"]
    assert sensitivity["grpo_seed42"]["extraction"]["sensitivity"] == pytest.approx(0.0)
    assert sensitivity["grpo_seed42"]["extraction"]["repeated_share"] == 1.0
    assert sensitivity["sft"]["extraction"]["repeated_share"] == 0.0
    assert sensitivity["sft"]["extraction"]["sensitivity"] > 0.1
    md = Path(inputs["outputs"]["md"]).read_text()
    assert "**better**, data-blind |" in md.split("## Test plan")[0]
    # The same fixture without the template reads its input: improved, not data-blind.
    clean = build_report(**make_report_inputs(tmp_path / "clean"))
    assert next(d for d in clean["diagnosis"] if d["task"] == "extraction")["verdict"] == "improved"
    assert clean["data_blind"]["primary"]["extraction"]["read_share"] == pytest.approx(0.7)


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


def test_banner_names_data_source_preset_demo_seeds_and_k(built, tmp_path, make_report_inputs):
    _, report, md = built
    assert report["data_source"] == "synthetic" and report["rewards"]["preset"] == "correctness"
    title, banner = md.splitlines()[:2]
    assert title == "# commerce-grpo final report — fixture" and banner.startswith("> **Demo run**")
    assert "**synthetic** commerce.db" in banner and "preset `correctness`" in banner
    assert "seeds 42, 123" in banner and "2 sample(s) per eval prompt" in banner and "subset" not in banner
    assert "snakemake --configfile config/tucano2-0.5b.yaml --cores 1 --resources gpu=1" in banner
    olist = make_report_inputs(tmp_path / "olist", source="olist")
    build_report(**{**olist, "demo": False, "rewards": {"preset": "study"}})
    banner = Path(olist["outputs"]["md"]).read_text().splitlines()[1]
    assert "**Olist** CSVs" in banner and "preset `study`" in banner and "synthetic" not in banner
    assert "Demo run" not in banner


def test_the_answer_comes_first_in_at_most_twelve_lines(built):
    _, report, md = built
    lines = md.splitlines()
    assert lines[2] == "" and lines[3].startswith("## Answer: `grpo_pooled` (seeds 42, 123 pooled) vs `sft`")
    answer = md.split("## Answer")[1].split("\n## ")[0].strip().splitlines()
    assert len(answer) <= 12, answer
    headings = [line for line in lines if line.startswith("## ")]
    assert [h.split(":")[0].split(" (")[0] for h in headings[:2]] == ["## Answer", "## Test plan"]
    plan = md.split("## Test plan")[1].split("\n## ")[0]
    assert "Primary family" in plan and "Direction: two-sided" in plan and "What it generalises over" in plan
    assert "not about the recipe" in plan


def test_a_subset_of_the_configured_seeds_says_so(tmp_path, make_report_inputs):
    inputs = make_report_inputs(tmp_path, seeds=(123,), configured_seeds=(42, 123, 456))
    report = build_report(**inputs)
    assert report["seeds"] == {"run": [123], "configured": [42, 123, 456], "subset": True}
    banner = Path(inputs["outputs"]["md"]).read_text().splitlines()[1]
    assert "**a subset of the configured seeds 42, 123, 456**" in banner
    assert report["rebuild_command"].endswith(f"--configfile {inputs['outputs']['config']} --config 'seeds=[123]'")
    # The effective config keeps the configured seeds: rebuilt with the command above it is this run again.
    written = yaml.safe_load(Path(inputs["outputs"]["config"]).read_text())
    assert written == {"run_name": "fixture", "seeds": [42, 123, 456]}


def test_effective_config_and_the_rebuild_command(built):
    inputs, report, md = built
    written = yaml.safe_load(Path(inputs["outputs"]["config"]).read_text())
    assert written == inputs["effective_config"]
    assert report["header"]["config_hash"] == provenance.config_hash(inputs["effective_config"])
    command = f"snakemake --cores 1 --resources gpu=1 --configfile {inputs['outputs']['config']}"
    assert report["rebuild_command"] == command and f"```bash\n{command}\n```" in md


def test_noise_and_input_sensitivity_for_every_arm_and_task(built):
    _, report, md = built
    arms = ["base", "sft", "grpo_seed42", "grpo_seed123"]
    for arm in arms:
        for part in [*TASKS, "overall"]:
            noise = report["noise"][arm][part]
            assert noise["k"] == 2 and noise["within_sd"] > 0 and noise["between_sd"] > 0
            sensitivity = report["input_sensitivity"][arm][part]
            assert sensitivity["pairs"] == sensitivity["outputs"] / 2 and sensitivity["repeated_share"] == 0.0
    assert set(report["input_sensitivity"]) == {*arms, "grpo_pooled"}
    assert "## Noise" in md and "## Does the gain read the input?" in md


def test_eval_files_of_another_k_are_stale(report_inputs):
    with pytest.raises(ValueError, match=r"another evaluate.samples_per_prompt .* than the config's 4"):
        build_report(**{**report_inputs, "decoding": {**report_inputs["decoding"], "samples_per_prompt": 4}})


def test_statistics_section_documents_the_test_and_the_intervals(built):
    _, report, md = built
    statistics = md.split("## Statistics")[1]
    assert "exact paired Wilcoxon" in statistics and "1/16" in statistics
    assert "scipy.stats.wilcoxon(arm, baseline, alternative=\"greater\")" in statistics
    assert "BCa" in statistics and "zero-spread bound" in statistics and "resamples seeds, then prompts" in statistics
    assert "Agarwal et al., 2021" in statistics and "Δ% only against a baseline mean ≥ 0.05" in statistics


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
            if token.endswith("%") and "." not in token:  # a share printed as a whole percent
                assert np.any(np.abs(numbers * 100 - value) <= 0.5), f"{token!r} in {row!r} is not in the JSON"
                continue
            decimals = len(token.split(".")[1].split("e")[0].rstrip("%")) if "." in token else 0
            tolerance = abs(value) * 0.01 if "e" in token else 0.5 * 10 ** -decimals + 1e-12
            assert np.any(np.abs(numbers - value) <= tolerance), f"{token!r} in {row!r} is not in the JSON"
            checked += 1
    assert checked > 100


def test_report_without_sft_grpo_from_base(tmp_path, make_report_inputs):
    inputs = make_report_inputs(tmp_path, seeds=(42,), sft=False, grpo_init="base")
    report = build_report(**inputs)
    assert {(c["arm"], c["baseline"], c["stage"]) for c in report["comparisons"]} == {
        ("grpo_pooled", "base", "grpo"), ("grpo_seed42", "base", "grpo")}
    assert report["seed_summary"][0]["sd"] is None
    assert {d["evidence"]["init_arm"] for d in report["diagnosis"]} == {"base"}
    md = Path(inputs["outputs"]["md"]).read_text()
    assert "### grpo vs base, the arm it started from — credits GRPO" in md
    assert "![SFT loss]" not in md


def test_grpo_from_base_arm_is_credited_against_base(tmp_path, make_report_inputs):
    inputs = make_report_inputs(tmp_path, seeds=(42,), from_base=True)
    report = build_report(**inputs)
    stages = {(c["arm"], c["baseline"]): c["stage"] for c in report["comparisons"]}
    assert stages[("grpo_from_base_pooled", "base")] == stages[("grpo_from_base_seed42", "base")] == "grpo"
    assert stages[("grpo_from_base_seed42", "sft")] == "recipe"
    assert stages[("grpo_seed42", "sft")] == "grpo"
    assert set(report["best"]) == set(report["entropy"]["arms"]) == {"grpo_seed42", "grpo_from_base_seed42"}
    # The diagnosis is the main run's (grpo, from SFT).
    assert {d["evidence"]["arm"] for d in report["diagnosis"]} == {"grpo_pooled"}


def test_report_with_base_only_still_builds(tmp_path, make_report_inputs):
    inputs = make_report_inputs(tmp_path, seeds=(), sft=False)
    report = build_report(**{**inputs, "demo": False})
    assert report["comparisons"] == []
    assert {d["verdict"] for d in report["diagnosis"]} == {"not evaluated"}
    assert "Demo run" not in Path(inputs["outputs"]["md"]).read_text()


def test_bad_eval_record_names_file_and_line(report_inputs):
    path = Path(report_inputs["evals"][1])
    path.write_text(path.read_text() + '{"id": "x", "task": "push", "completion": ""}\n')
    lacks = r"\['arm', 'reward', 'components', 'completions', 'rewards', 'swap'\]"
    with pytest.raises(ValueError, match=rf"{path.name}:66: eval record lacks {lacks}"):
        build_report(**report_inputs)


def test_missing_base_arm_is_an_error(report_inputs):
    with pytest.raises(ValueError, match="no base arm"):
        build_report(**{**report_inputs, "evals": report_inputs["evals"][1:], "metas": report_inputs["metas"][1:],
                        "arms": report_inputs["arms"][1:]})


def test_per_arm_inputs_must_follow_their_arm_list(report_inputs):
    with pytest.raises(ValueError, match=r"1 eval_histories files for 2 arms \['grpo_seed42', 'grpo_seed123'\]"):
        build_report(**{**report_inputs, "eval_histories": report_inputs["eval_histories"][:1]})
    swapped = {**report_inputs, "evals": report_inputs["evals"][::-1]}
    with pytest.raises(ValueError, match="record of arm 'grpo_seed123' in the file of arm 'base'"):
        build_report(**swapped)
