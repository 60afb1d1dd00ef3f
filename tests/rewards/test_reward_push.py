"""Push reward: one short friendly Portuguese notification (V4.2.1 hotfixes)."""
import pytest

from commerce_grpo.rewards import score
from commerce_grpo.rewards.push import length_score

REF = {"intent": "delay_apology", "facts": {"first_name": "Ana", "product_category": "cama_mesa_banho"}, "max_chars": 120}
GOOD_90 = "Ana, seu pedido atrasou um pouquinho. Desculpa! Já está a caminho e chega em breve 💙"


@pytest.fixture
def rec(record):
    return record("push", "Cliente: Ana. Pedido atrasado.", REF)


def test_good_push_is_90_chars_and_scores_high(rec):
    assert 80 <= len(GOOD_90) <= 95
    assert score(rec, GOOD_90).total == 1.0


def test_90_char_push_beats_250_char_one_and_formal_email(rec):
    long = (GOOD_90 + " ") * 3
    assert len(long) > 250
    formal = "Prezada Ana, informamos que seu pedido sofreu atraso. Pedimos desculpas. Atenciosamente, Equipe."
    good = score(rec, GOOD_90).total
    assert good > score(rec, long[:250]).total
    assert good > score(rec, formal).total
    assert score(rec, formal).components["formal"] == 1.0


def test_length_decays_steeply_and_is_zero_above_200():
    assert length_score(120) == 1.0
    assert length_score(160) == pytest.approx(0.25)
    assert length_score(200) == 0.0 and length_score(5000) == 0.0
    values = [length_score(n) for n in range(120, 201)]
    assert values == sorted(values, reverse=True)


def test_above_200_chars_the_whole_push_scores_zero(rec):
    analysis = ("Ana, uma boa notificação de atraso deve pedir desculpas, informar o novo prazo e oferecer "
                "um cupom de desconto para reduzir o risco de churn do cliente. Recomenda-se testar variações "
                "do texto com grupos de clientes.")
    assert len(analysis) > 200
    assert score(rec, analysis).total == 0.0


def test_formal_penalty_is_exactly_020(rec):
    plain = "Ana, seu pedido atrasou um pouquinho. Desculpa! Já está a caminho."
    formal = plain + " Atenciosamente"
    diff = score(rec, plain).total - score(rec, formal).total
    assert diff == pytest.approx(0.2)


@pytest.mark.parametrize("text", [
    "Opção 1: Ana, desculpa o atraso!\nOpção 2: Seu pedido já está a caminho!",
    "- Ana, desculpa!\n- Seu pedido atrasou\n- Chega logo",
    '{"mensagem": "Ana, desculpa o atraso!"}',
    "Ana, your order is late. Sorry!",
    "",
])
def test_not_one_portuguese_message_scores_zero(rec, text):
    assert score(rec, text).total == 0.0


def test_intent_and_personalisation_count(rec):
    generic = score(rec, "Seu pedido atrasou. Pedimos desculpas pelo transtorno.").total
    wrong_intent = score(rec, "Ana, aproveite 20% de desconto em cama, mesa e banho só hoje!").total
    assert score(rec, GOOD_90).total > generic
    assert score(rec, GOOD_90).total > wrong_intent
