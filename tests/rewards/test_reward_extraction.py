"""Extraction reward: agreement with gold carries it; JSON types and format gate it (L-reward-spec).

The study preset keeps the published reward's behaviour (tests marked "study").
"""
import json

import pytest

from commerce_grpo.rewards import score

STUDY = {"preset": "study"}

GOLD = {"sentiment": "negativo", "sentiment_score": 1, "delivery_issue": True, "product_quality_issue": False,
        "wrong_or_missing_item": False, "seller_service_issue": True, "complaint_category": "entrega",
        "would_recommend": False, "churn_risk": 0.9, "summary": "Pedido não entregue e loja sem resposta"}


@pytest.fixture
def rec(record):
    return record("extraction", "Avaliação do pedido (nota 1/5):\nNão chegou e ninguém responde.", GOLD, review_score=1)


def total(rec, obj_or_text, config=STUDY):
    text = obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text, ensure_ascii=False)
    return score(rec, text, config=config)


def correct(rec, obj_or_text):
    return total(rec, obj_or_text, config=None)


def test_perfect_answer_scores_one(rec):
    reward = total(rec, GOLD)
    assert reward.total == 1.0
    assert dict(reward.components) == {"json_valid": 1.0, "schema_complete": 1.0, "value_valid": 1.0,
                                       "reference_match": 1.0, "sentiment_mismatch": 0.0}
    reward = correct(rec, GOLD)
    assert reward.total == 1.0
    assert dict(reward.components) == dict.fromkeys(
        ("sentiment", "sentiment_score", "issues", "complaint_category", "would_recommend", "churn_band", "format"), 1.0)


def test_each_wrong_field_costs_its_weight(rec):
    assert correct(rec, {**GOLD, "sentiment": "neutro"}).total == pytest.approx(0.85 - 0.10 / 6)
    assert correct(rec, {**GOLD, "sentiment_score": 2}).total == pytest.approx(1 - 0.15 * 0.75 - 0.1 * 0.75 / 6)
    assert correct(rec, {**GOLD, "complaint_category": "qualidade"}).components["complaint_category"] == 0.0
    assert correct(rec, {**GOLD, "churn_risk": 0.7}).components["churn_band"] == 1.0  # same band (high)
    assert correct(rec, {**GOLD, "churn_risk": 0.5}).components["churn_band"] == 0.0


def test_issues_are_the_set_of_problems_flagged(rec):
    assert correct(rec, {**GOLD, "seller_service_issue": False}).components["issues"] == pytest.approx(0.5)
    assert correct(rec, {**GOLD, "product_quality_issue": True}).components["issues"] == pytest.approx(2 / 3)
    no_issue = {k: False for k in ("delivery_issue", "product_quality_issue", "wrong_or_missing_item",
                                   "seller_service_issue")}
    assert correct(rec, {**GOLD, **no_issue}).components["issues"] == 0.0


def test_string_echo_booleans_score_low_in_correctness(rec):
    echo = {k: (k if isinstance(v, bool) else v) for k, v in GOLD.items()}
    assert correct(rec, echo).total == 0.0
    one_echo = {**GOLD, "delivery_issue": "delivery_issue"}
    assert correct(rec, one_echo).total < 0.8 * correct(rec, GOLD).total


def test_extra_text_around_the_object_costs(rec):
    gold = json.dumps(GOLD, ensure_ascii=False)
    assert correct(rec, "Aqui está:\n```json\n" + gold + "\n```\nEspero ter ajudado!").total == 1.0
    sentence = gold + "\nO cliente está muito insatisfeito com a entrega e com o atendimento da loja, que não respondeu."
    assert 0.5 < correct(rec, sentence).total < 1.0
    assert correct(rec, gold + "\n" + "lixo " * 400).total == 0.0


def test_format_never_pays_a_wrong_answer(rec):
    wrong = {**GOLD, "sentiment": "positivo", "sentiment_score": 5, "delivery_issue": False, "seller_service_issue": False,
             "complaint_category": "nenhuma", "would_recommend": True, "churn_risk": 0.1}
    assert correct(rec, wrong).total == 0.0
    repaired_right = "{'sentiment': 'negativo', " + json.dumps(GOLD, ensure_ascii=False)[len('{"sentiment": "negativo", '):]
    assert correct(rec, repaired_right).total > correct(rec, wrong).total


@pytest.mark.parametrize("text", ["", "O cliente está insatisfeito.", "[]", "null", '{"sentiment": "negativo"}',
                                  '{"mensagem": "Seu pedido chegou!"}'])
def test_not_an_extraction_answer_scores_zero_in_correctness(rec, text):
    assert correct(rec, text).total == 0.0


def test_correct_types_beat_string_echo(rec):
    echo = {k: (k if isinstance(v, bool) else v) for k, v in GOLD.items()}
    assert total(rec, GOLD).total > total(rec, echo).total
    assert total(rec, echo).components["value_valid"] == pytest.approx(0.5)


def test_decimal_comma_parses_and_scores(rec):
    text = json.dumps(GOLD, ensure_ascii=False).replace('"churn_risk": 0.9', '"churn_risk": 0,9')
    assert total(rec, text).total == 1.0
    assert correct(rec, text).total == 1.0  # L-parser: PT-BR 0,9 is a right answer


def test_sentiment_score_must_be_int_not_bool_nor_float(rec):
    for bad in (True, 4.5, 1.0, "1", 0, 6):
        reward = total(rec, {**GOLD, "sentiment_score": bad})
        assert reward.components["value_valid"] == pytest.approx(0.9), bad
    comma = json.dumps(GOLD).replace('"sentiment_score": 1', '"sentiment_score": 4,5')
    assert total(rec, comma).components["json_valid"] == 1.0  # parses (4.5) but is not a valid score
    assert total(rec, comma).components["value_valid"] == pytest.approx(0.9)


def test_sentiment_contradicting_the_nota_is_penalised(rec):
    positive = {**GOLD, "sentiment": "positivo"}
    reward = total(rec, positive)
    assert reward.components["sentiment_mismatch"] == 1.0
    assert total(rec, GOLD).total - reward.total == pytest.approx(0.2 + 0.2 / 10)
    assert total(rec, {**GOLD, "sentiment_score": 4}).components["sentiment_mismatch"] == 1.0


def test_nota_read_from_the_prompt_when_source_lacks_it(record):
    rec = record("extraction", "Avaliação do pedido (nota 5/5):\nÓtimo", GOLD)
    assert score(rec, json.dumps(GOLD), config=STUDY).components["sentiment_mismatch"] == 1.0


def test_reference_match_is_field_agreement(rec):
    wrong_two = {**GOLD, "complaint_category": "qualidade", "delivery_issue": False}
    assert total(rec, wrong_two).components["reference_match"] == pytest.approx(0.8)
    assert total(rec, {**GOLD, "churn_risk": 0.65}).components["reference_match"] == pytest.approx(0.95)


def test_repaired_json_gets_half_validity(rec):
    truncated = json.dumps(GOLD)[:80]
    reward = total(rec, truncated)
    assert reward.components["json_valid"] == 0.5
    assert 0 < reward.total < total(rec, GOLD).total


@pytest.mark.parametrize("text", ["", "O cliente está insatisfeito.", "[]", "null"])
def test_no_object_scores_zero_study(rec, text):
    assert total(rec, text).total == 0.0


@pytest.mark.parametrize("config", [STUDY, None])
def test_more_fields_score_more(rec, config):
    scores = [total(rec, dict(list(GOLD.items())[:n]), config=config).total for n in range(1, 11)]
    assert scores == sorted(scores) and scores[0] < scores[-1]
