"""Insights reward: the facts the summary gave, advice that acts on them in the right direction,
structure; the study preset keeps the published components."""
import pytest

from commerce_grpo.rewards import score
from commerce_grpo.rewards.insights import directions, length_factor
from commerce_grpo.rewards.numbers import close_to_any, numbers_in
from commerce_grpo.rewards.study.insights import length_score
from commerce_grpo.rewards.vocab import fold

STUDY = {"preset": "study"}

REF = {"facts": {"taxa_atraso_geral": 0.08, "estado_mais_atrasos": "BA", "nota_media_atrasados": 2.1,
                 "pedidos": 1830}, "topic": "atrasos"}
GOOD = """## Diagnóstico
- A taxa de atraso geral é de 8%, e a BA concentra os atrasos.
- Pedidos atrasados têm nota média 2,1; são 1.830 pedidos no período.

## Recomendações
1. Priorizar a renegociação com transportadoras na BA para reduzir os atrasos.
2. Monitorar o prazo semanalmente e ajustar a data estimada.
3. Criar aviso proativo de atraso com cupom para proteger a avaliação do cliente."""


@pytest.fixture
def rec(record):
    return record("insights", "Resumo: reengajamento e notificações push.", REF)


@pytest.mark.parametrize("config", [STUDY, None])
def test_structured_analysis_with_facts_scores_one(rec, config):
    assert score(rec, GOOD, config=config).total == 1.0


@pytest.mark.parametrize("config", [STUDY, None])
def test_structure_actions_and_facts_each_matter(rec, config):
    flat = GOOD.replace("\n- ", " ").replace("\n1. ", " ").replace("\n2. ", " ").replace("\n3. ", " ").replace("## ", "")
    no_facts = GOOD.replace("8%", "alta").replace("2,1", "baixa").replace("1.830", "muitos").replace("BA", "região")
    no_actions = "## Diagnóstico\n- Taxa de atraso 8% na BA\n- Nota 2,1 nos atrasados\n- 1.830 pedidos"
    best = score(rec, GOOD, config=config).total
    for worse in (flat, no_facts, no_actions):
        assert score(rec, worse, config=config).total < best


def test_a_push_or_json_is_not_an_analysis(rec):
    assert score(rec, "Seu pedido atrasou? Já estamos resolvendo! 🚚", config=STUDY).total < 0.2
    assert score(rec, '{"estado": "BA", "taxa": 0.08}', config=STUDY).total < 0.3
    assert score(rec, "Seu pedido atrasou? Já estamos resolvendo! 🚚").total == 0.0
    assert score(rec, '{"estado": "BA", "taxa": 0.08}').total == 0.0
    assert score(rec, "```json\n" + '{"estado": "BA", "taxa": 0.08, "texto": "' + "análise " * 40 + '"}\n```').total == 0.0


@pytest.mark.parametrize("text,good,bad", [
    ("recomendamos reduzir o frete no PR", 1, 0),
    ("aumentar o frete nos estados do sul", 0, 1),
    ("ampliar o frete gratis para pedidos acima de R$ 100", 0, 0),
    ("aumentar a recompra com cupons", 1, 0),
    ("reduzir o ticket medio das campanhas", 0, 1),
    ("a elevada taxa de atraso preocupa; houve aumento dos atrasos", 0, 0),  # a description, not advice
    ("nao aumentar o frete agora", 0, 0),
    ("reduzir as notas baixas dos vendedores", 1, 0),
])
def test_direction_of_advice(text, good, bad):
    assert directions(fold(text)) == (good, bad)


def test_wrong_way_advice_with_the_right_numbers_scores_low(rec):
    wrong = GOOD.replace("Priorizar a renegociação com transportadoras na BA",
                         "Aumentar os atrasos na BA para reduzir custos") \
        .replace("Monitorar o prazo semanalmente", "Reduzir a satisfação do cliente e aumentar o frete")
    assert score(rec, wrong).total < 0.3 < score(rec, GOOD).total


def test_copying_the_prompt_earns_nothing(record):
    user = ("Resumo de dados — região Sul (74 pedidos):\n- RS: frete = 17,1% do valor dos itens, frete médio R$ 21,19\n"
            "- PR: frete = 20,4% do valor dos itens, frete médio R$ 20,22\n"
            "- SC: frete = 16,1% do valor dos itens, frete médio R$ 20,43\n\nSugira estratégias por estado.")
    rec = record("insights", user, {"facts": {"pct_frete_geral": 17.8, "estado_frete_mais_caro": "PR",
                                              "pct_frete_mais_caro": 20.4}, "topic": "frete"})
    copied = "\n".join(line for line in user.splitlines() if line.startswith("- ")) + "\n- Recomendar, priorizar."
    honest = ("## Diagnóstico\n- O frete pesa 17,8% do valor dos itens na região, e o PR é o mais caro (20,4%).\n\n"
              "## Recomendações\n1. Reduzir o frete no PR negociando com novas transportadoras.\n"
              "2. Oferecer frete grátis acima de um valor mínimo para elevar o ticket.\n"
              "3. Monitorar a conversão por estado toda semana.")
    assert score(rec, copied).total < 0.1 < 0.9 < score(rec, honest).total


def test_length_window():
    assert length_factor(19) == 0 and length_factor(20) == 0.5
    assert length_factor(40) == length_factor(350) == 1.0 and length_factor(600) == 0.0
    assert length_score(0) == 0 and length_score(20) == 0.5
    assert length_score(40) == length_score(250) == 1.0
    assert length_score(500) == 0.0 and 0 < length_score(400) < 1


@pytest.mark.parametrize("text,value", [
    ("8%", 0.08), ("R$ 1.234,56", 1234.56), ("nota 4,5", 4.5), ("1.830 clientes", 1830), ("2.1", 2.1),
    ("ticket de R$ 152,40.", 152.4), ("-3 dias", -3),
])
def test_numbers_as_brazilians_write_them(text, value):
    assert close_to_any(value, numbers_in(text))


def test_numbers_do_not_match_other_values():
    assert not close_to_any(0.08, numbers_in("18%"))
    assert not close_to_any(1830, numbers_in("183"))
