"""The report names what scored the run: its tasks, the reward preset with each task's components and
weights, and the LLM judge (model, endpoint, weight, calls that failed) or that the judge was off."""
import json
import math
from pathlib import Path

import pytest
import yaml
from rewards.fixed_judge import fixed_judge

from commerce_grpo.audit import judge_audit
from commerce_grpo.report import scoring
from commerce_grpo.report.build import build_report
from commerce_grpo.tasklib import errors
from commerce_grpo.tasks import ALL
from commerce_grpo.train.metrics import write_log_history

FOUR = ("extraction", "sql_qa", "insights", "push")
JUDGE = {"enabled": True, "model": "tiny-judge", "weight": 0.3, "timeout_s": 5, "retries": 0}


@pytest.fixture(autouse=True)
def fresh_errors():
    """The judge's failed calls go to the process-wide reward error counter: leave it as found (empty)."""
    errors.reset()
    yield
    errors.reset()


def _build(inputs) -> tuple[dict, str]:
    build_report(**inputs)
    return (json.loads(Path(inputs["outputs"]["json"]).read_text()),
            Path(inputs["outputs"]["md"]).read_text())


def _section(md: str) -> str:
    return md.split("## Tasks and rewards")[1].split("\n## ")[0]


def _row(section: str, task: str) -> str:
    return next(line for line in section.splitlines() if line.startswith(f"| {task} |"))


def test_tasks_counts_and_weighted_components_are_named(report_inputs):
    report, md = _build(report_inputs)
    assert report["tasks"] == list(FOUR)
    section = _section(md)
    assert f"Tasks of this run: {', '.join(FOUR)}." in section and "preset `correctness`" in section
    # The correctness preset's weights, as scored (conftest: eval 20/15/15/15, train 100×, validation 2).
    expected = {
        "extraction": ("2000 | 2 | 20", "sentiment 0.1, sentiment_score 0.1, issues 0.25, would_recommend 0.1, "
                                        "complaint_category 0.15, churn_band 0.1, summary 0.1, format 0.1"),
        "sql_qa": ("1500 | 2 | 15", "result_match 0.7, executes 0.1, explanation 0.1, numbers 0.1"),
        "insights": ("1500 | 2 | 15", "facts 0.35, actions 0.2, grounded 0.15, direction 0.15, structure 0.15"),
        "push": ("1500 | 2 | 15", "intent 0.3, content 0.3, length 0.15, call_to_action 0.15, tone 0.1"),
    }
    for task, (counts, components) in expected.items():
        assert _row(section, task) == f"| {task} | {counts} | {components} |"
        assert report["rewards"]["tasks"][task]["eval"] == int(counts.split(" | ")[2])
    assert report["rewards"]["tasks"]["sql_qa"]["components"] == {
        "result_match": 0.7, "executes": 0.1, "explanation": 0.1, "numbers": 0.1}
    assert report["rewards"]["judge"] == {"enabled": False}
    assert "LLM judge: off (`rewards.judge.enabled: false`)." in section
    assert "LLM judge" not in md.split("## Run")[0]  # the banner names a judge only when one scored


def test_resolved_weights_overrides_and_negative_penalties(tmp_path, make_report_inputs):
    """The weights are the ones that scored: the config's overrides, the study preset's penalties negative."""
    rewards = {"preset": "study", "sql_qa": {"result_match": 0.5, "executes": 0.15}}
    report, md = _build(make_report_inputs(tmp_path, rewards=rewards))
    components = report["rewards"]["tasks"]
    assert components["sql_qa"]["components"]["result_match"] == 0.5
    assert components["extraction"]["components"]["sentiment_mismatch"] == -0.2
    assert components["push"]["components"]["formal"] == -0.2
    section = _section(md)
    assert "result_match 0.5, executes 0.15, sql_structure 0.105" in _row(section, "sql_qa")
    assert "sentiment_mismatch -0.2" in _row(section, "extraction")
    assert "preset `study`" in section and "formal -0.2" in _row(section, "push")


def test_every_registered_task_is_reported_in_registry_order(tmp_path, make_report_inputs):
    """Eval records of every registered task (five once listing_repair is registered), written in
    reverse order: the report lists them all, in registry order, with counts and components."""
    counts = {task: 12 for task in reversed(ALL)}
    report, md = _build(make_report_inputs(tmp_path, counts=counts))
    assert report["tasks"] == list(ALL)
    assert list(report["rewards"]["tasks"]) == list(ALL)
    section = _section(md)
    assert f"Tasks of this run: {', '.join(ALL)}." in section
    for task in ALL:
        row = _row(section, task)
        assert row.startswith(f"| {task} | 1200 | 2 | 12 | ")
        assert report["rewards"]["tasks"][task]["components"]
        for name, weight in report["rewards"]["tasks"][task]["components"].items():
            assert f"{name} {weight:g}" in row
    assert {d["task"] for d in report["diagnosis"]} == set(ALL)


def test_tasks_follow_the_registry_and_unknown_names_are_errors():
    assert scoring.ordered_tasks(["push", "extraction", "sql_qa"]) == ["extraction", "sql_qa", "push"]
    with pytest.raises(ValueError, match="unknown task 'returns_triage'.*extraction"):
        scoring.ordered_tasks(["push", "returns_triage"])


def _metrics_with_judge(path: Path) -> None:
    """GRPO metrics.csv through the trainer's own writer: the judge's mean (NaN at step 2, where every
    call failed), the call and failure counters, which restart at 0 when the run resumes at step 4."""
    write_log_history([
        {"step": 1, "loss": 0.1, "entropy": 1.2, "rewards/judge/rubric/mean": 0.5, "judge_calls": 16},
        {"step": 2, "loss": 0.1, "entropy": 1.1, "rewards/judge/rubric/mean": math.nan, "reward_errors/judge": 3,
         "judge_calls": 32},
        {"step": 3, "loss": 0.1, "entropy": 1.0, "rewards/judge/rubric/mean": 0.7, "reward_errors/judge": 4,
         "judge_calls": 48},
        {"step": 4, "loss": 0.1, "entropy": 0.9, "rewards/judge/rubric/mean": 0.6, "reward_errors/judge": 2,
         "judge_calls": 16},
        {"step": 4, "train_runtime": 9.5, "reward_errors/judge": 2, "judge_calls": 16},
    ], path)


def _judged_audit(tmp_path, answer) -> tuple[dict, dict]:
    """(rewards config, the audit's judge entry) from the audit's own writer, ``audit.judge_audit``,
    scoring three honest push answers through a real HTTP judge on 127.0.0.1 that answers ``answer``."""
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(yaml.safe_dump({"tasks": {"push": {"positive": ["curta"], "negative": ["formal"]}}}))
    items = [{"task": "push", "origin": {"kind": "gold"}, "completion": f"Oi Ana! Oferta {k}",
              "record": {"prompt": [{"role": "user", "content": f"Cliente Ana, pedido {k}"}]}} for k in range(3)]
    with fixed_judge(answer) as (_, url):
        rewards = {"preset": "correctness", "judge": {**JUDGE, "base_url": url, "rubric_file": str(rubric)}}
        return rewards, judge_audit(items, rewards)


def _one_malformed(body):
    """Scores every request but the one about "pedido 2", which gets an answer without scores."""
    text = body["messages"][-1]["content"]
    return 200, "não sei" if "pedido 2" in text else '{"P1": 8, "N1": 2}'


def test_judge_named_with_model_endpoint_weight_and_failed_calls(tmp_path, make_report_inputs):
    metrics = tmp_path / "metrics.csv"
    _metrics_with_judge(metrics)
    rewards, audited = _judged_audit(tmp_path, _one_malformed)
    url = rewards["judge"]["base_url"]
    inputs = make_report_inputs(tmp_path / "run", rewards=rewards, audit_judge=audited,
                                grpo_metrics=metrics.read_text())
    report, md = _build(inputs)
    judge = report["rewards"]["judge"]
    assert judge["model"] == "tiny-judge" and judge["weight"] == 0.3 and judge["function"] == "judge/rubric"
    assert judge["endpoint"] == {"kind": "OpenAI-compatible /v1/chat/completions", "base_url": url,
                                 "host": "127.0.0.1", "local": True}
    assert judge["audit"] == {"items": 3, "scored": 2, "errors": 1, "mean": pytest.approx(0.8)}
    for arm in inputs["grpo_arms"]:
        assert judge["training"][arm] == {"steps": 4, "steps_scored": 3, "mean": pytest.approx(0.6), "calls": 64,
                                     "errors": 6}
    section = _section(md)
    assert (f"LLM judge: model `tiny-judge` behind an OpenAI-compatible /v1/chat/completions endpoint at {url} "
            "(local host 127.0.0.1), reward function `judge/rubric` with weight 0.3") in section
    assert "| reward audit | honest audit answers | 2/3 | 1 | 0.800 |" in section
    assert "| `grpo_seed42` | GRPO training (metrics.csv) | 3/4 logged steps, 64 calls | 6 | 0.600 |" in section
    assert "judge: off" not in md.lower()
    assert ("GRPO also trained on the LLM judge `tiny-judge` (weight 0.3), which eval and validation rewards "
            "leave out") in md.splitlines()[1]


@pytest.mark.parametrize(("url", "host", "local"), [
    ("http://localhost:8000/v1", "localhost", True),
    ("http://[::1]:8000/v1", "::1", True),
    ("http://10.0.3.7:8000/v1", "10.0.3.7", False),
    ("https://gpu-node-3.cluster:8443/v1", "gpu-node-3.cluster", False),
])
def test_endpoint_host_local_or_remote(url, host, local):
    assert scoring.endpoint(url) == {"kind": scoring.ENDPOINT_KIND, "base_url": url, "host": host, "local": local}


def test_judge_on_without_its_evidence_stops_the_report(tmp_path, make_report_inputs):
    rewards, audited = _judged_audit(tmp_path, _one_malformed)
    # Training without the judge's reward column: the judge was configured but did not take part.
    inputs = make_report_inputs(tmp_path / "a", rewards=rewards, audit_judge=audited)
    with pytest.raises(ValueError, match=r"metrics.csv: GRPO metrics need step and 'rewards/judge/rubric/mean'"):
        build_report(**inputs)
    # An audit run with the judge off, a report with it on: the audit is stale.
    inputs = make_report_inputs(tmp_path / "b", rewards=rewards)
    with pytest.raises(ValueError, match=r"reward_audit.json: the audit ran with the judge off.*rerun"):
        build_report(**inputs)


def test_an_audit_without_its_judge_entry_is_an_error(report_inputs):
    path = Path(report_inputs["audit"])
    data = json.loads(path.read_text())
    del data["judge"]
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"reward_audit.json: missing key 'judge'"):
        build_report(**report_inputs)
