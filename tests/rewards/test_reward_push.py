"""Push reward: one short friendly Portuguese notification (L-push-length) that does its intent
with the context's concrete content; the study preset keeps the published components."""
import pytest

from commerce_grpo.rewards import score
from commerce_grpo.rewards.push import length_score

STUDY = {"preset": "study"}

REF = {"intent": "delay_apology", "facts": {"first_name": "Ana", "product_category": "cama_mesa_banho"}, "max_chars": 120}
GOOD_90 = "Ana, seu pedido atrasou um pouquinho. Desculpa! Já está a caminho e chega em breve 💙"


@pytest.fixture
def rec(record):
    return record("push", "Cliente: Ana. Pedido atrasado.", REF)


@pytest.mark.parametrize("config", [STUDY, None])
def test_good_push_is_90_chars_and_scores_high(rec, config):
    assert 80 <= len(GOOD_90) <= 95
    assert score(rec, GOOD_90, config=config).total == 1.0


@pytest.mark.parametrize("config", [STUDY, None])
def test_90_char_push_beats_250_char_one_and_formal_email(rec, config):
    long = (GOOD_90 + " ") * 3
    assert len(long) > 250
    formal = "Prezada Ana, informamos que seu pedido sofreu atraso. Pedimos desculpas. Atenciosamente, Equipe."
    good = score(rec, GOOD_90, config=config).total
    assert good > score(rec, long[:250], config=config).total
    assert good > score(rec, formal, config=config).total
    assert score(rec, formal, config=STUDY).components["formal"] == 1.0
    assert score(rec, formal).components["tone"] == 0.0 and score(rec, formal).total < 0.5


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


def test_formal_penalty_is_exactly_020_in_the_study_preset(rec):
    plain = "Ana, seu pedido atrasou um pouquinho. Desculpa! Já está a caminho."
    formal = plain + " Atenciosamente"
    diff = score(rec, plain, config=STUDY).total - score(rec, formal, config=STUDY).total
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


@pytest.mark.parametrize("config", [STUDY, None])
def test_intent_and_personalisation_count(rec, config):
    generic = score(rec, "Seu pedido atrasou. Pedimos desculpas pelo transtorno.", config=config).total
    wrong_intent = score(rec, "Ana, aproveite 20% de desconto em cama, mesa e banho só hoje!", config=config).total
    assert score(rec, GOOD_90, config=config).total > generic
    assert score(rec, GOOD_90, config=config).total > wrong_intent


CART = {"intent": "cart_reminder", "facts": {"cidade": "belo horizonte", "uf": "MG", "categoria": "cool stuff",
                                             "preco": "R$ 47,72"}, "max_chars": 120}


def test_content_is_the_contexts_product_and_price(record):
    rec = record("push", "Carrinho abandonado: cool stuff por R$ 47,72. Cliente de belo horizonte/MG.", CART)
    both = score(rec, "Seu cool stuff de R$47,72 ainda está no carrinho! Finalize a compra agora 🛒")
    product = score(rec, "Seu cool stuff ainda está no carrinho! Finalize a compra agora 🛒")
    neither = score(rec, "Você esqueceu algo no carrinho! Finalize a compra agora 🛒")
    assert both.components["content"] == 1.0 and product.components["content"] == 0.75
    assert neither.components["content"] == 0.0
    assert both.total > product.total > neither.total


def test_discount_must_be_the_offer_in_the_context(record):
    ref = {"intent": "reengagement", "facts": {"categoria": "esporte lazer", "desconto_pct": 15}, "max_chars": 120}
    rec = record("push", "Reengaje com cupom de 15%.", ref)
    right = score(rec, "Que saudade! Volte e use 15% de desconto em esporte lazer 💙")
    wrong = score(rec, "Que saudade! Volte e use 50% de desconto em esporte lazer 💙")
    assert right.components["content"] == 1.0 and wrong.components["content"] == 0.5
