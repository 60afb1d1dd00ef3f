"""Routing: system prompt first, insights before push (L-classifier: the "reengajamento" bug)."""
import pytest

from commerce_grpo.rewards.classify import classify
from commerce_grpo.tasks import REGISTRY, get as get_task


@pytest.mark.parametrize("task", list(REGISTRY))
def test_system_prompt_decides(task):
    user = "Escreva uma notificação push de reengajamento com SQL e JSON da avaliação"  # every task's keywords
    assert classify([{"role": "system", "content": get_task(task).system_prompt}, {"role": "user", "content": user}]) == task


def test_insights_prompt_about_push_and_reengajamento_is_insights():
    prompt = [{"role": "system", "content": get_task("insights").system_prompt},
              {"role": "user", "content": "Analise a campanha de reengajamento por notificação push."}]
    assert classify(prompt) == "insights"


def test_keyword_fallback_checks_insights_before_push():
    assert classify("Faça uma análise estratégica da campanha de notificação push de reengajamento") == "insights"
    assert classify("Escreva uma notificação push para o cliente") == "push"
    assert classify([{"role": "user", "content": "Escreva a consulta SQL"}]) == "sql_qa"
    assert classify("Avaliação do pedido (nota 4/5):\nBom produto") == "extraction"


@pytest.mark.parametrize("prompt", [None, 3, [], [{"role": "user"}], "bom dia", [{"role": "system", "content": "Você é útil."}]])
def test_unknown_prompts_route_nowhere(prompt):
    assert classify(prompt) is None
