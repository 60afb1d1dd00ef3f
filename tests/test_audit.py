"""The reward audit gate: shipped rewards pass it, the study's reward bugs fail it, nothing is written on failure."""
import json
from pathlib import Path

import pytest
import yaml
from rewards.commerce_fixture import build_commerce_db, eval_records

from commerce_grpo.audit import AuditGateError, load_human_scores, parser_audit, run_reward_audit
from commerce_grpo.prompts import TASKS
from commerce_grpo.rewards import extraction, score
from commerce_grpo.rewards.parsing import Parsed
from commerce_grpo.rewards.sql_sandbox import run_select

ROOT = Path(__file__).resolve().parents[1]
HUMAN_SCORES = ROOT / "data/audit/human_scores.jsonl"
REWARDS_CONFIG = yaml.safe_load((ROOT / "config/config.yaml").read_text())["rewards"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return str(build_commerce_db(tmp_path_factory.mktemp("audit") / "commerce.db"))


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def eval_path(tmp_path):
    return _write_jsonl(tmp_path / "eval.jsonl", eval_records())


@pytest.fixture
def outputs(tmp_path):
    return {"json": tmp_path / "out" / "reward_audit.json", "md": tmp_path / "out" / "reward_audit.md"}


def _run(db, eval_path, outputs, **kwargs):
    args = dict(human_scores=HUMAN_SCORES, eval=eval_path, db=db, outputs=outputs, min_spearman=0.6,
                rewards=REWARDS_CONFIG)
    return run_reward_audit(**{**args, **kwargs})


def test_shipped_rewards_pass_the_gate(db, eval_path, outputs):
    result = _run(db, eval_path, outputs)
    written = json.loads(outputs["json"].read_text())
    assert written["gate"]["passed"] and written == json.loads(json.dumps(result))
    for task in TASKS:
        assert written["spearman"][task]["rho"] >= 0.6 and written["spearman"][task]["n"] >= 20
    assert written["parser"]["total"]["ours_equal_gold"] == written["parser"]["total"]["n"]
    assert written["parser"]["total"]["json_loads"] < written["parser"]["total"]["ours"]
    assert written["classifier"]["eval"]["misrouted"] == []
    md = outputs["md"].read_text()
    assert "PASSED" in md and "Spearman" in md and "json.loads" in md


def _classifier_bug(record, completion, **kwargs):
    """Seed 003 §7: insights prompts scored as push notifications."""
    task = "push" if record["task"] == "insights" else record["task"]
    return score({**record, "task": task}, completion, **kwargs)


def test_the_studys_classifier_bug_fails_the_gate_and_writes_nothing(db, eval_path, outputs):
    with pytest.raises(AuditGateError, match=r"task insights: Spearman rho = -?0\.\d+ < 0\.6") as err:
        _run(db, eval_path, outputs, scorer=_classifier_bug)
    assert "extraction" not in str(err.value)
    assert not outputs["json"].exists() and not outputs["md"].exists()


def test_the_studys_json_loads_parser_fails_the_gate(db, eval_path, outputs, monkeypatch):
    def json_loads_only(text):  # the pre-V4 parser of seed 001
        try:
            value = json.loads(text)
        except ValueError:
            return Parsed(None, "none")
        return Parsed(value if isinstance(value, dict) else None, "json")

    monkeypatch.setattr(extraction, "parse_json", json_loads_only)
    with pytest.raises(AuditGateError, match=r"task extraction: Spearman rho = 0\.\d+ < 0\.6"):
        _run(db, eval_path, outputs)
    assert not outputs["json"].exists()


def test_a_misrouted_eval_prompt_fails_the_gate(db, tmp_path, outputs):
    records = eval_records()
    records[-1]["task"] = "insights"  # a push prompt labelled insights
    with pytest.raises(AuditGateError, match="classifier: 1 eval prompt"):
        _run(db, _write_jsonl(tmp_path / "eval.jsonl", records), outputs)


def test_a_reward_that_raises_fails_the_gate(db, eval_path, outputs, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(extraction, "components", boom)
    with pytest.raises(AuditGateError, match="rewards raised on 27 audit item"):
        _run(db, eval_path, outputs)


def test_parser_audit_counts_what_json_loads_misses():
    result = parser_audit(eval_records())
    assert result["references"] == 4
    assert result["variants"]["plain"]["json_loads"] == 4
    for name in ("fenced", "decimal_comma", "trailing_prose", "fenced_comma_with_prose", "trailing_comma"):
        assert result["variants"][name] == {"n": 4, "json_loads": 0, "ours": 4, "ours_equal_gold": 4}, name


def test_human_scores_file_covers_tasks_and_failure_modes():
    items = load_human_scores(HUMAN_SCORES)
    assert len(items) >= 80
    assert all(sum(i["task"] == t for i in items) >= 20 for t in TASKS)
    notes = " ".join(i["note"].lower() for i in items)
    for mode in ("string-echo", "float sentiment", "decimal comma", "fence", "long analytical", "formal e-mail",
                 "sql-looking prose", "reengajamento"):
        assert mode in notes, mode
    for task in TASKS:  # from good to bad
        scores = [i["human_score"] for i in items if i["task"] == task]
        assert min(scores) <= 0.1 and max(scores) == 1.0


def test_every_audit_gold_query_runs_on_the_schema(db):
    golds = {i["record"]["reference"]["sql"] for i in load_human_scores(HUMAN_SCORES) if i["task"] == "sql_qa"}
    for sql in golds:
        outcome = run_select(db, sql, timeout_s=5, max_rows=1000)
        assert outcome.status == "ok" and outcome.rows, sql


def test_rubric_is_written_and_independent_of_the_reward_code():
    rubric = (ROOT / "data/audit/RUBRIC.md").read_text()
    for task in TASKS:
        assert task in rubric
    for code_word in ("commerce_grpo", "components", "weight", "json_valid"):
        assert code_word not in rubric


@pytest.mark.parametrize("line,message", [
    ("not json", "not valid JSON"),
    ('{"id": "x"}', "missing key"),
    ('{"id": "x", "task": "chat", "record": {}, "completion": "", "human_score": 1, "note": ""}', "task 'chat'"),
    ('{"id": "x", "task": "push", "record": {"prompt": [], "reference": {}}, "completion": "", "human_score": 2, "note": ""}',
     "human_score must be a number in"),
    ('{"id": "x", "task": "push", "record": {"prompt": "p"}, "completion": "", "human_score": 1, "note": ""}', "record needs"),
])
def test_bad_human_scores_lines_are_named(tmp_path, line, message):
    path = tmp_path / "h.jsonl"
    path.write_text(HUMAN_SCORES.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message) as err:
        load_human_scores(path)
    assert f"{path}:98" in str(err.value)


def test_too_few_or_duplicate_items_are_refused(tmp_path):
    lines = HUMAN_SCORES.read_text(encoding="utf-8").splitlines()
    with pytest.raises(ValueError, match="needs >= 80 items"):
        load_human_scores(_write_text(tmp_path / "few.jsonl", lines[:60]))
    with pytest.raises(ValueError, match="duplicate id"):
        load_human_scores(_write_text(tmp_path / "dup.jsonl", lines + lines[:1]))


def _write_text(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
