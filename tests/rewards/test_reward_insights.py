"""Insights reward: structure, actions, and the facts the summary gave."""
import pytest

from commerce_grpo.rewards import score
from commerce_grpo.rewards.insights import length_score
from commerce_grpo.rewards.numbers import close_to_any, numbers_in

REF = {"facts": {"taxa_atraso_geral": 0.08, "estado_mais_atrasos": "BA", "nota_media_atrasados": 2.1,
                 "pedidos": 1830}, "topic": "atrasos"}
GOOD = """## Diagnóstico
- A taxa de atraso geral é de 8%, e a BA concentra os atrasos.
- Pedidos atrasados têm nota média 2,1; são 1.830 pedidos no período.

## Recomendações
1. Priorizar a renegociação com transportadoras na BA.
2. Monitorar o prazo semanalmente e ajustar a data estimada.
3. Criar aviso proativo de atraso com cupom para proteger a avaliação do cliente."""


@pytest.fixture
def rec(record):
    return record("insights", "Resumo: reengajamento e notificações push.", REF)


def test_structured_analysis_with_facts_scores_one(rec):
    assert score(rec, GOOD).total == 1.0


def test_structure_actions_and_facts_each_matter(rec):
    flat = GOOD.replace("\n- ", " ").replace("\n1. ", " ").replace("\n2. ", " ").replace("\n3. ", " ").replace("## ", "")
    no_facts = GOOD.replace("8%", "alta").replace("2,1", "baixa").replace("1.830", "muitos").replace("BA", "região")
    no_actions = "## Diagnóstico\n- Taxa de atraso 8% na BA\n- Nota 2,1 nos atrasados\n- 1.830 pedidos"
    best = score(rec, GOOD).total
    for worse in (flat, no_facts, no_actions):
        assert score(rec, worse).total < best


def test_a_push_or_json_is_not_an_analysis(rec):
    assert score(rec, "Seu pedido atrasou? Já estamos resolvendo! 🚚").total < 0.2
    assert score(rec, '{"estado": "BA", "taxa": 0.08}').total < 0.3


def test_length_window():
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
