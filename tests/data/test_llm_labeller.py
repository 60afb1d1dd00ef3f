"""The optional LLM labeller against real HTTP servers on 127.0.0.1: a fixed-answer one in-process
(the model's labels are used, a partial or invalid answer falls back to the rules per field, a
category that does not fit the flags is corrected, identical reviews are sent once, failed calls
are counted), and the project's own OpenAI-compatible server serving the embedded tiny model in a
subprocess, end to end through an Olist-mode build and the label audit (plumbing only: the tiny
model's answers are not labels)."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml
from judge_server_process import judge_server, tiny_server_base
from rewards.fixed_judge import fixed_judge

from commerce_grpo.data.db import build_commerce_db
from commerce_grpo.data.label_audit import LabelAuditError, run_label_audit
from commerce_grpo.data.labeller import LABEL_FIELDS, label_review
from commerce_grpo.data.llm_labeller import (FAILED_ORIGIN, FALLBACK_ORIGIN, LLM_ORIGIN, GUIDE_FROM, LlmLabeller,
                                             merge, parse_answer)

ROOT = Path(__file__).resolve().parents[2]
DATA = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))["data"]
NONE = {"delivery_issue": False, "product_quality_issue": False, "wrong_or_missing_item": False,
        "seller_service_issue": False, "price_issue": False, "complaint_category": "nenhuma", "would_recommend": True}


def settings(base_url: str, **overrides) -> dict:
    return {**DATA["labeller"]["llm"], "base_url": base_url, "timeout_s": 5, "retries": 0, **overrides}


def answering(answers: dict[str, str]):
    """A server answering by the review text in the request (the default: an empty JSON object)."""
    def answer(body):
        text = body["messages"][-1]["content"].split("Comentário:\n", 1)[1]
        return 200, answers.get(text, "{}")
    return answer


def test_the_model_sees_the_guide_and_only_score_and_message():
    with fixed_judge(answering({})) as (server, url):
        LlmLabeller(settings(url)).label_reviews([(4, "Chegou rápido")])
    system, user = server.requests[0]["messages"]
    assert GUIDE_FROM in system["content"] and "Decided cases" in system["content"]
    assert user == {"role": "user", "content": "Nota: 4/5\nComentário:\nChegou rápido"}


def test_model_labels_are_used_and_gaps_fall_back_to_the_rules_per_field():
    lukewarm = "Produto ok, nada demais"
    answers = {
        # the model reads a delivery problem the rules do not: its labels are kept whole
        lukewarm: json.dumps({**NONE, "delivery_issue": True, "complaint_category": "entrega",
                              "would_recommend": False}),
        # fences and prose around the object; one field missing, one of the wrong type
        "Veio quebrado": "```json\n" + json.dumps({**NONE, "product_quality_issue": True, "price_issue": "no",
                                                   "complaint_category": "qualidade", "would_recommend": False})
                         .replace('"delivery_issue": false, ', "") + "\n```",
        # a category that contradicts the model's own flags is the guide's rule over them
        "Atrasou e quebrou": json.dumps({**NONE, "delivery_issue": True, "product_quality_issue": True,
                                         "complaint_category": "qualidade", "would_recommend": False}),
        "nada aproveitável": "Desculpe, não sei responder.",
    }
    reviews = [(2, lukewarm), (1, "Veio quebrado"), (1, "Atrasou e quebrou"), (3, "nada aproveitável"),
               (5, None), (2, lukewarm)]
    with fixed_judge(answering(answers)) as (server, url):
        labeller = LlmLabeller(settings(url))
        read = labeller.label_reviews(reviews)
    assert len(server.requests) == 4  # no request for the empty comment; the repeated review sent once
    assert read[0] == (json.loads(answers[lukewarm]), LLM_ORIGIN) and read[5] == read[0]
    assert label_review(2, lukewarm)["delivery_issue"] is False
    labels, origin = read[1]
    assert origin == FALLBACK_ORIGIN and labels["product_quality_issue"] and labels["price_issue"] is False
    assert read[2][0]["complaint_category"] == "entrega"
    assert read[3] == (label_review(3, "nada aproveitável"), FALLBACK_ORIGIN)
    assert read[4] == (label_review(5, None), "heuristic")
    assert labeller.counts["invalid_answers"] == 1 and labeller.counts["failed_calls"] == 0
    assert labeller.counts["fallback:delivery_issue"] == 2 and labeller.counts["fallback:price_issue"] == 2
    assert labeller.counts["fallback:complaint_category"] == 2  # the invalid answer and the contradiction


def test_failed_calls_are_counted_and_marked():
    with fixed_judge(lambda body: (500, "overloaded")) as (_, url):
        labeller = LlmLabeller(settings(url, retries=1))
        read = labeller.label_reviews([(1, "Não chegou"), (5, "Adorei")])
    assert [origin for _, origin in read] == [FAILED_ORIGIN, FAILED_ORIGIN]
    assert read[0][0] == label_review(1, "Não chegou")
    assert labeller.counts["failed_calls"] == 2 == labeller.client.failures and labeller.client.calls == 4


@pytest.mark.parametrize("answer, parsed", [
    ('{"a": true}', {"a": True}), ('Claro! {"a": 1} Espero ter ajudado.', {"a": 1}),
    ("[1, 2]", None), ("{sem json}", None), ("", None), (None, None)])
def test_parse_answer(answer, parsed):
    assert parse_answer(answer) == parsed


def test_merge_keeps_no_flag_categories_of_the_model():
    labels, fallback = merge({**NONE, "complaint_category": "outro", "would_recommend": False}, 4, "Não gostei")
    assert labels["complaint_category"] == "outro" and fallback == []
    assert set(merge({}, 4, "Bom")[1]) == set(LABEL_FIELDS)


# ------------------------------------------------------------------ the project's local server
@pytest.fixture(scope="module")
def tiny_server_model(tmp_path_factory):
    """The judge server's tiny base with a context long enough for the labelling guide the
    labeller sends (the server answers 400 to a prompt longer than its model's context)."""
    return tiny_server_base(tmp_path_factory.mktemp("labeller_model"), max_seq_length=8192)


@pytest.fixture
def live_server(tiny_server_model, tmp_path):
    with judge_server(tiny_server_model, "tiny-labeller", tmp_path) as (proc, url):
        yield proc, url + "/v1"


def test_end_to_end_against_the_local_server_then_a_dead_one_fails_the_audit(live_server, olist_dir, tmp_path):
    proc, url = live_server
    llm = {"kind": "llm", "llm": settings(url, model="tiny-labeller", timeout_s=60, max_tokens=16)}
    labeller = LlmLabeller(llm["llm"])
    read = labeller.label_reviews([(1, "Não chegou até hoje"), (5, "Ótimo, recomendo"), (1, "Não chegou até hoje")])
    assert labeller.client.calls == 2 and labeller.counts["failed_calls"] == 0
    # each answer is used where it is a label and counted where it is not, never dropped
    assert all(origin in (LLM_ORIGIN, FALLBACK_ORIGIN) for _, origin in read) and read[2] == read[0]

    proc.kill()
    proc.wait(timeout=10)
    db = build_commerce_db(tmp_path / "commerce.db", source="olist", olist_dir=olist_dir, orders=0, seed=0,
                           labeller={**llm, "llm": {**llm["llm"], "timeout_s": 2}})
    with duckdb.connect(str(db), read_only=True) as con:
        origins = dict(con.execute("SELECT origin, COUNT(*) FROM review_facts GROUP BY origin").fetchall())
        commented = con.execute("SELECT COUNT(*) FROM order_reviews WHERE trim(review_comment_message) <> ''"
                                ).fetchone()[0]
        ids = [r for r, in con.execute("SELECT DISTINCT review_id FROM review_facts ORDER BY review_id LIMIT 40")
                                  .fetchall()]
        rows = con.execute(f"SELECT DISTINCT review_id, {', '.join(LABEL_FIELDS)} FROM review_facts "
                           f"WHERE review_id IN ({', '.join('?' * len(ids))})", ids).fetchall()
    assert origins[FAILED_ORIGIN] == commented and set(origins) == {FAILED_ORIGIN, "heuristic"}
    reference = tmp_path / "reference"
    reference.mkdir()
    lines = [{"review_id": rid, **dict(zip(LABEL_FIELDS, values))} for rid, *values in rows]
    (reference / "split.jsonl").write_text("".join(json.dumps({"review_id": r["review_id"], "split": "held_out"}) + "\n"
                                                   for r in lines))
    for name in ("pass1.jsonl", "pass2.jsonl"):
        (reference / name).write_text("".join(json.dumps(r) + "\n" for r in lines))
    (reference / "adjudicated.jsonl").write_text("")
    gate = {key: DATA["label_audit"][key] for key in ("min_agreement", "min_recall")}
    with pytest.raises(LabelAuditError, match=rf"{commented} review\(s\) carry the rules' labels because the LLM"):
        run_label_audit(db=db, output=tmp_path / "label_audit.json", source="olist", labeller="llm",
                        reference=reference, min_reviews=20, **gate)
