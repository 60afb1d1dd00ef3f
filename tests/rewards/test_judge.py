"""The optional LLM-judge reward: parsing, flipping, averaging, cache, concurrency and counted
errors against real HTTP servers on 127.0.0.1 — a fixed-answer one in-process, and the project's
own OpenAI-compatible server (``commerce_grpo.judge_server``) serving the embedded tiny model in a
subprocess. The tiny model's answers rarely parse as scores: those tests prove the plumbing
(requests arrive, answers are scored or counted as malformed, the cache saves calls, a killed
server is counted and fails the audit), not the judge's quality.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from judge_server_process import judge_server
from raw_http import drip, huge, raw_server
from rewards.fixed_judge import fixed_judge, free_port
from task_names import TASKS

from commerce_grpo.rewards.judge import (ERROR_KEY, FUNCTION_NAME, Judge, JudgeError, combine, load_rubric,
                                         parse_scores)
from commerce_grpo.rewards.trl import make_reward_functions, reward_weights
from commerce_grpo.tasklib import errors

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "data/judge/rubric.yaml"
CONFIG = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))
PROMPT = [{"role": "system", "content": "Tarefa: push"}, {"role": "user", "content": "Cliente Ana, pedido atrasado"}]


@pytest.fixture(autouse=True)
def fresh_errors():
    errors.reset()
    yield
    errors.reset()


@pytest.fixture
def rubric_file(tmp_path):
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump({"tasks": {"push": {"positive": ["curta", "calorosa"], "negative": ["formal"]}}}))
    return path


def judge_cfg(base_url, rubric_file, **overrides):
    return {"judge": {"enabled": True, "base_url": base_url, "model": "m", "rubric_file": str(rubric_file),
                      "weight": 0.3, "timeout_s": 5, "max_concurrency": 4, "cache": True, "retries": 1,
                      **overrides}}


# ------------------------------------------------------------------ parser, flip, average
def test_parser_reads_json_and_lines_and_rejects_incomplete_or_out_of_range():
    assert parse_scores('{"P1": 8, "P2": 6, "N1": 2}', ["P1", "P2", "N1"]) == {"P1": 8, "P2": 6, "N1": 2}
    assert parse_scores("Notas:\nP1: 8\nP2 = 6,5\nN1: 10\nN9: 3", ["P1", "P2", "N1"]) == {"P1": 8, "P2": 6.5, "N1": 10}
    with pytest.raises(JudgeError, match=r"does not score \['N1'\]"):
        parse_scores('{"P1": 8, "P2": 6}', ["P1", "P2", "N1"])
    with pytest.raises(JudgeError, match="outside 0-10"):
        parse_scores('{"P1": 11}', ["P1"])
    with pytest.raises(JudgeError):
        parse_scores("ótima resposta, nota alta", ["P1"])


def test_negative_items_are_flipped_and_averaged():
    items = [("P1", "a", False), ("P2", "b", False), ("N1", "c", True)]
    assert combine({"P1": 8, "P2": 6, "N1": 2}, items) == pytest.approx((0.8 + 0.6 + 0.8) / 3)
    assert combine({"P1": 0, "P2": 0, "N1": 10}, items) == 0.0
    assert combine({"P1": 10, "P2": 10, "N1": 0}, items) == 1.0


def test_the_shipped_rubric_covers_every_task(tmp_path):
    rubric = load_rubric(RUBRIC)
    assert set(rubric.tasks) == {"extraction", "sql_qa", "insights", "push"}
    assert all(pos and neg for pos, neg in rubric.tasks.values())
    bad = tmp_path / "bad.yaml"
    bad.write_text("tasks: {push: {positive: [ok], extra: [x]}}")
    with pytest.raises(ValueError, match="tasks.push takes"):
        load_rubric(bad)
    with pytest.raises(ValueError, match="cannot read"):
        load_rubric(tmp_path / "missing.yaml")


# ------------------------------------------------------------------ a fixed-answer HTTP server
def test_scores_through_http_with_cache(rubric_file):
    with fixed_judge(lambda body: (200, '{"P1": 8, "P2": 6, "N1": 2}')) as (server, url):
        judge = Judge(judge_cfg(url, rubric_file))
        scores = judge.score_batch(["push"] * 3, [PROMPT] * 3, ["Oi Ana!", "Oi Ana!", "Olá"])
        assert scores == pytest.approx([(0.8 + 0.6 + 0.8) / 3] * 3)
        assert len(server.requests) == judge.calls == 2  # the repeated answer came from the cache
        sent = server.requests[0]
        assert sent["model"] == "m" and sent["temperature"] == 0.0
        assert "P1: curta" in sent["messages"][-1]["content"] and "N1: formal" in sent["messages"][-1]["content"]
        assert judge.score_batch(["push"], [PROMPT], ["Olá"]) == pytest.approx([0.7333333])
        assert len(server.requests) == 2
        uncached = Judge(judge_cfg(url, rubric_file, cache=False))
        for _ in range(2):  # without the cache each batch asks again (within a batch, once)
            uncached.score_batch(["push"] * 2, [PROMPT] * 2, ["Olá", "Olá"])
        assert len(server.requests) == 4
    assert errors.count(ERROR_KEY) == 0


def test_malformed_answers_are_counted_not_zero_and_not_retried(rubric_file):
    answers = iter(['{"P1": 8, "P2": 6}', "RAW:not json", "RAW:{\"choices\": []}", '{"P1": 99, "P2": 1, "N1": 1}',
                    '{"P1": 10, "P2": 10, "N1": 0}'])
    with fixed_judge(lambda body: (200, next(answers))) as (server, url):
        judge = Judge(judge_cfg(url, rubric_file, max_concurrency=1))
        scores = judge.score_batch(["push"] * 4, [PROMPT] * 4, ["a", "b", "c", "d"])
        assert scores == [None] * 4 and errors.count(ERROR_KEY) == 4
        assert len(server.requests) == 4  # greedy judge: a malformed answer is not asked again
        # a failed item is not cached: the next batch asks again
        assert judge.score_batch(["push"], [PROMPT], ["a"]) == [1.0] and len(server.requests) == 5


def test_http_errors_are_retried_then_counted(rubric_file):
    with fixed_judge(lambda body: (500, '{"error": "busy"}')) as (server, url):
        judge = Judge(judge_cfg(url, rubric_file, retries=2))
        assert judge.score_batch(["push"], [PROMPT], ["a"]) == [None]
        assert len(server.requests) == 3 and errors.count(ERROR_KEY) == 1
    flaky = iter([(503, "{}"), (200, '{"P1": 5, "P2": 5, "N1": 5}')])
    with fixed_judge(lambda body: next(flaky)) as (server, url):
        assert Judge(judge_cfg(url, rubric_file, retries=1)).score_batch(["push"], [PROMPT], ["a"]) == [0.5]
        assert len(server.requests) == 2 and errors.count(ERROR_KEY) == 1


def test_timeouts_unreachable_and_unknown_tasks(rubric_file):
    with fixed_judge(lambda body: (200, '{"P1": 5, "P2": 5, "N1": 5}'), delay_s=1.0) as (server, url):
        start = time.monotonic()
        assert Judge(judge_cfg(url, rubric_file, timeout_s=0.2, retries=0)).score_batch(
            ["push"], [PROMPT], ["a"]) == [None]
        assert time.monotonic() - start < 1.0 and errors.count(ERROR_KEY) == 1
    dead = Judge(judge_cfg(f"http://127.0.0.1:{free_port()}/v1", rubric_file, retries=0))
    assert dead.score_batch(["push", "sql_qa"], [PROMPT] * 2, ["a", "b"]) == [None, None]
    assert errors.count(ERROR_KEY) == 2  # sql_qa has no rubric item here: None, but no call, no error


def test_concurrency_is_bounded(rubric_file):
    with fixed_judge(lambda body: (200, '{"P1": 5, "P2": 5, "N1": 5}'), delay_s=0.15) as (server, url):
        scores = Judge(judge_cfg(url, rubric_file, max_concurrency=2)).score_batch(
            ["push"] * 6, [PROMPT] * 6, [f"r{i}" for i in range(6)])
    assert scores == [0.5] * 6 and server.peak == 2


def test_judge_settings_reject_unknown_keys(rubric_file):
    with pytest.raises(ValueError, match="unknown key"):
        Judge({"judge": {"enabled": True, "rubric_file": str(rubric_file), "port": 1}})


# ------------------------------------------------------------------ hostile servers and completions
def test_a_dripping_judge_is_bounded_per_call(rubric_file):
    """A reply dripped one byte per 0.1 s (~15 s each): with timeout_s 1 a batch of 16 at
    concurrency 8 ends in two rounds of at most 1 s, every item counted (the old client, whose
    timeout bounded each read, returned scores after the whole drip)."""
    with raw_server(drip(0.1, '{"P1": 5, "P2": 5, "N1": 5}')) as (server, url):
        judge = Judge(judge_cfg(url, rubric_file, timeout_s=1, max_concurrency=8, retries=2))
        start = time.monotonic()
        scores = judge.score_batch(["push"] * 16, [PROMPT] * 16, [f"r{i}" for i in range(16)])
        elapsed = time.monotonic() - start
    assert scores == [None] * 16 and errors.count(ERROR_KEY) == 16
    assert elapsed < 2 * 1 + 1.0, elapsed


def test_an_oversized_judge_reply_is_refused(rubric_file):
    with raw_server(huge(declared=False)) as (server, url):
        judge = Judge(judge_cfg(url, rubric_file, max_response_bytes=1 << 20))
        start = time.monotonic()
        assert judge.score_batch(["push"], [PROMPT], ["a"]) == [None]
        assert time.monotonic() - start < 2.0
        time.sleep(0.2)
        assert server.sent < 64 << 20  # of 400 MB offered
    assert errors.count(ERROR_KEY) == 1


def test_a_lone_surrogate_is_scored_without_raising(rubric_file):
    """A model can emit a lone surrogate (and a prompt can carry one): the judge reward scores it,
    surrogate escaped, instead of raising UnicodeEncodeError into TRL."""
    prompt = [{"role": "user", "content": "Cliente \ud83d Ana"}]
    with fixed_judge(lambda body: (200, '{"P1": 10, "P2": 10, "N1": 0}')) as (server, url):
        functions = make_reward_functions(db=None, config={**CONFIG["rewards"], **judge_cfg(url, rubric_file)},
                                          tasks=("push",))
        out = functions[-1](prompts=[prompt, prompt], completions=["Oi Ana \udc80!", [{"role": "assistant",
                                                                   "content": "\ud800"}]], task=["push", "push"])
    assert out == [1.0, 1.0] and errors.count(ERROR_KEY) == 0
    # the batch's two calls run concurrently: either may have arrived first
    sent = [request["messages"][-1]["content"] for request in server.requests]
    assert all("Cliente \\ud83d Ana" in text for text in sent) and any("Oi Ana \\udc80!" in text for text in sent)


def test_the_completion_is_cut_before_sending(rubric_file):
    with fixed_judge(lambda body: (200, '{"P1": 5, "P2": 5, "N1": 5}')) as (server, url):
        judge = Judge(judge_cfg(url, rubric_file, max_completion_chars=50))
        assert judge.score_batch(["push"], [PROMPT], ["é" * 49 + "xyz" * 10_000]) == [0.5]
    sent = server.requests[0]["messages"][-1]["content"]
    assert "é" * 49 + "x" in sent and "xy" not in sent


# ------------------------------------------------------------------ wiring into GRPO
def test_trl_adds_the_judge_only_when_enabled(rubric_file):
    rewards = CONFIG["rewards"]
    assert rewards["judge"]["enabled"] is False
    names = [f.__name__ for f in make_reward_functions(db=None, config=rewards, tasks=TASKS)]
    assert FUNCTION_NAME not in names and len(names) == len(reward_weights(rewards, tasks=TASKS))
    with fixed_judge(lambda body: (200, '{"P1": 10, "P2": 10, "N1": 0}')) as (server, url):
        enabled = {**rewards, **judge_cfg(url, rubric_file, weight=0.25)}
        functions = make_reward_functions(db=None, config=enabled, tasks=TASKS)
        weights = reward_weights(enabled, tasks=TASKS)
        assert [f.__name__ for f in functions] == names + [FUNCTION_NAME]
        assert weights == reward_weights(rewards, tasks=TASKS) + [0.25]
        # TRL's call: dataset columns as keyword arguments; the other tasks' items get None
        out = functions[-1](prompts=[PROMPT, PROMPT], completions=[[{"role": "assistant", "content": "Oi"}], "x"],
                            task=["push", "extraction"], reference=[{}, {}], trainer_state=None)
        assert out == [1.0, None] and len(server.requests) == 1


# ------------------------------------------------------------------ the real local server
def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def live_server(tiny_judge_model, tmp_path):
    with judge_server(tiny_judge_model, "tiny-judge", tmp_path) as (proc, url):
        yield proc, url


def test_real_server_scores_a_batch_then_a_killed_server_fails_the_audit(live_server, tiny_judge_model):
    from commerce_grpo.audit import AuditGateError, judge_audit, load_items, run_reward_audit

    proc, root = live_server
    assert _get(f"{root}/health")["status"] == "ok"
    assert [m["id"] for m in _get(f"{root}/v1/models")["data"]] == ["tiny-judge"]
    body = json.dumps({"model": "tiny-judge", "messages": PROMPT, "max_tokens": 8, "temperature": 0}).encode()
    request = urllib.request.Request(f"{root}/v1/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert answer["object"] == "chat.completion" and isinstance(answer["choices"][0]["message"]["content"], str)
    bad = urllib.request.Request(f"{root}/v1/chat/completions", data=b'{"messages": []}',
                                 headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError, match="400"):
        urllib.request.urlopen(bad, timeout=10)
    rewards = {**CONFIG["rewards"], "judge": {"enabled": True, "base_url": f"{root}/v1", "model": "tiny-judge",
                                              "rubric_file": str(RUBRIC), "timeout_s": 30, "max_concurrency": 2,
                                              "retries": 0, "max_tokens": 12}}
    functions = make_reward_functions(db=None, config=rewards, tasks=("push",))
    judge_fn = functions[-1]
    assert judge_fn.__name__ == FUNCTION_NAME
    completions = ["Ana, seu pedido atrasou. Desculpe!", "Olá", "Ana, seu pedido atrasou. Desculpe!"]
    scores = judge_fn(prompts=[PROMPT] * 3, completions=completions, task=["push"] * 3)
    assert judge_fn.judge.calls == 2  # the third item is the first one again: cached or counted, never re-sent
    # each item either parsed to a score in [0, 1] or is a counted malformed answer, never a silent 0
    assert all(s is None or 0.0 <= s <= 1.0 for s in scores)
    assert scores[2] == scores[0] and errors.count(ERROR_KEY) == sum(s is None for s in scores[:2])

    proc.kill()
    proc.wait(timeout=10)
    before = errors.count(ERROR_KEY)
    assert judge_fn(prompts=[PROMPT] * 2, completions=["novo 1", "novo 2"], task=["push"] * 2) == [None, None]
    assert errors.count(ERROR_KEY) == before + 2
    items = [i for i in load_items(ROOT / "data/audit/items.jsonl") if i["origin"]["kind"] == "gold"][:8]
    report = judge_audit(items, rewards)
    assert report["enabled"] and report["errors"] == len(items) == 8 and report["scored"] == 0
    # the whole audit (the committed items and ratings; this test's small db and eval pairs) refuses to pass
    audit = CONFIG["audit"]
    outputs = {"json": tiny_judge_model.parent / "audit.json", "md": tiny_judge_model.parent / "audit.md"}
    with pytest.raises(AuditGateError, match=r"judge: (\d+) of \1 judge call\(s\) on the honest audit answers failed"):
        run_reward_audit(items=ROOT / audit["items"], ratings=str(ROOT / audit["ratings"]),
                         eval=tiny_judge_model.parent / "inputs" / "validation.jsonl",
                         train=tiny_judge_model.parent / "inputs" / "validation.jsonl",
                         db=tiny_judge_model.parent / "inputs" / "commerce.db", outputs=outputs, rewards=rewards,
                         min_raters=audit["min_raters"], min_spearman=audit["min_spearman"],
                         min_adversarial_accuracy=audit["min_adversarial_accuracy"], min_gold_sql=audit["min_gold_sql"],
                         max_swap_ratio=audit["max_swap_ratio"], tasks=CONFIG["tasks"])
    assert not outputs["json"].exists()
