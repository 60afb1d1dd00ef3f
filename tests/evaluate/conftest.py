"""A tiny random Qwen2 and its tokenizer, built in seconds from a few Portuguese sentences."""
import pytest
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM
from task_names import TASKS

from commerce_grpo.modeling.tiny_model import IM_END, train_tokenizer
from commerce_grpo.tasks import get as get_task

CORPUS = [
    "O pedido chegou atrasado e a embalagem estava danificada.",
    "Produto excelente, entrega rápida, recomendo a loja!",
    "SELECT customer_state, count(*) FROM orders_enriched GROUP BY 1 ORDER BY 2 DESC",
    "Notificação: seu pedido saiu para entrega hoje. Obrigado pela compra!",
    "Análise: a nota média caiu 0,5 ponto no trimestre; recomendamos revisar os prazos.",
] * 20


@pytest.fixture(scope="session")
def tiny_lm():
    """Random init, untied head and a wide init: varied, context-dependent greedy text (the
    embedded builder's tied small-init model echoes whitespace and ends at once)."""
    tokenizer = train_tokenizer(CORPUS, vocab_size=400)
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False,
                         initializer_range=0.2, bos_token_id=None, eos_token_id=tokenizer.convert_tokens_to_ids(IM_END),
                         pad_token_id=tokenizer.pad_token_id)
    return Qwen2ForCausalLM(config).eval(), tokenizer


def chat(task: str, user: str) -> list[dict]:
    return [{"role": "system", "content": get_task(task).system_prompt}, {"role": "user", "content": user}]


@pytest.fixture(scope="session")
def chats():
    """Prompts of very different lengths, so left padding matters."""
    users = ["Oi", "Avaliação do pedido (nota 1/5):\n" + "atrasou muito " * 12, "Quantos pedidos por estado?",
             "Resumo: " + "receita caiu, " * 25, "Cliente sumiu há 90 dias", "nota 5/5: ótimo"]
    return [chat(TASKS[i % len(TASKS)], user) for i, user in enumerate(users)]
