"""Small training fixtures: a tiny commerce.db, hand-written pair records, a tiny base model.

The pairs follow the pair-record contract (docs/contracts.md) with references of every task; they stand in
for results/pairs/*.jsonl so training tests need no data pipeline run.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb
import pytest

from commerce_grpo.modeling import build_base_model
from commerce_grpo.tasks import get as get_task
from commerce_grpo.tasks.extraction.summary import compose

CITIES = ["sao paulo", "rio de janeiro", "belo horizonte", "curitiba", "salvador", "recife"]
CATEGORIES = ["beleza_saude", "cama_mesa_banho", "esporte_lazer", "informatica_acessorios", "moveis_decoracao"]
GOOD = ["Produto chegou antes do prazo, muito bom", "Adorei, recomendo a loja", "Tudo certo, entrega rápida",
        "Ótima qualidade, superou as expectativas"]
BAD = ["Produto não chegou até agora", "Veio quebrado e o vendedor não responde", "Recebi o item errado",
       "Entrega atrasou muito, péssimo atendimento", "Qualidade ruim, não recomendo"]
TINY_MODEL = {
    "id": "embedded-tiny", "cache_dir": "unused-hub-cache", "backend": "hf", "load_in_4bit": False, "max_seq_length": 512,
    "gradient_checkpointing": False,
    "tiny": {"vocab_size": 600, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 1,
             "num_attention_heads": 2, "num_key_value_heads": 1, "pretrain_steps": 20,
             "pretrain_learning_rate": 3.0e-3, "seed": 0},
}


def make_commerce_db(path: Path, *, orders: int = 300, seed: int = 0) -> Path:
    """order_reviews and an orders_enriched table with a few of the real view's columns."""
    rng = random.Random(seed)
    rows, reviews = [], []
    for i in range(orders):
        score = rng.randint(1, 5)
        comment = rng.choice(GOOD if score >= 4 else BAD)
        order_id = f"o{i:05d}"
        rows.append((order_id, f"c{i:05d}", rng.choice(CITIES), rng.choice(CATEGORIES),
                     round(rng.uniform(20, 900), 2), rng.randint(2, 30), score, comment))
        reviews.append((f"r{i:05d}", order_id, score, None, comment))
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE orders_enriched (order_id VARCHAR, customer_id VARCHAR, customer_city VARCHAR,"
                    " product_category VARCHAR, total_paid DOUBLE, delivery_days INTEGER, review_score INTEGER,"
                    " review_comment_message VARCHAR)")
        con.executemany("INSERT INTO orders_enriched VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("CREATE TABLE order_reviews (review_id VARCHAR, order_id VARCHAR, review_score INTEGER,"
                    " review_comment_title VARCHAR, review_comment_message VARCHAR)")
        con.executemany("INSERT INTO order_reviews VALUES (?, ?, ?, ?, ?)", reviews)
    return path


def _extraction(rng, i):
    score = rng.randint(1, 5)
    text = rng.choice(GOOD if score >= 4 else BAD)
    negative = score <= 2
    reference = {
        "sentiment": "positivo" if score >= 4 else "negativo" if negative else "neutro",
        "sentiment_score": score, "delivery_issue": "chegou" in text and negative,
        "product_quality_issue": "ruim" in text or "quebrado" in text, "wrong_or_missing_item": "errado" in text,
        "seller_service_issue": "vendedor" in text or "atendimento" in text,
        "complaint_category": "nenhuma" if not negative else "entrega",
        "would_recommend": score >= 4, "churn_risk": round(1 - score / 5, 2),
    }
    reference["summary"] = compose(reference["sentiment"], reference, reference["would_recommend"], text)
    user = f"Avaliação do pedido (nota {score}/5):\n{text}"
    return user, reference, {"order_id": f"o{i:05d}", "review_id": f"r{i:05d}", "review_score": score}


def _sql_qa(rng, i):
    city = rng.choice(CITIES)
    user = f"Quantos pedidos foram feitos por clientes de {city}?"
    sql = f"SELECT count(*) AS pedidos FROM orders_enriched WHERE customer_city = '{city}'"
    count = rng.randint(10, 90)
    reference = {"sql": sql, "columns": ["pedidos"], "rows": [[count]],
                 "explanation": f"Foram {count} pedidos de clientes de {city}."}
    return user, reference, {"template": "orders_by_city"}


def _insights(rng, i):
    category = rng.choice(CATEGORIES)
    late = rng.randint(5, 40)
    facts = {"category": category, "late_pct": late, "mean_score": round(rng.uniform(2.5, 4.8), 1)}
    user = f"Resumo de dados da categoria {category}: {late}% dos pedidos atrasaram; nota média {facts['mean_score']}."
    return user, {"facts": facts, "topic": "atrasos"}, {"template": "category_delays"}


def _push(rng, i):
    city = rng.choice(CITIES)
    facts = {"customer_city": city, "product_category": rng.choice(CATEGORIES)}
    user = f"Cliente de {city} com pedido atrasado de {facts['product_category']}. Escreva a notificação."
    return user, {"intent": "delay_apology", "facts": facts, "max_chars": 120}, {"order_id": f"o{i:05d}",
                                                                                  "template": "delay"}


BUILDERS = {"extraction": _extraction, "sql_qa": _sql_qa, "insights": _insights, "push": _push}


def make_pairs(path: Path, *, split: str, counts: dict, seed: int = 0) -> Path:
    rng = random.Random(f"{split}-{seed}")
    with open(path, "w", encoding="utf-8") as handle:
        for task, count in counts.items():
            for i in range(count):
                user, reference, source = BUILDERS[task](rng, i)
                record = {"id": f"{task}-{split}-{i:04d}", "task": task, "split": split,
                          "prompt": [{"role": "system", "content": get_task(task).system_prompt},
                                     {"role": "user", "content": user}],
                          "reference": reference, "source": source}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def make_inputs(root: Path, *, train_counts=None, validation_counts=None) -> dict:
    """commerce.db + train/validation pairs under ``root``; returns their paths."""
    root.mkdir(parents=True, exist_ok=True)
    train_counts = train_counts or {"extraction": 24, "sql_qa": 8, "insights": 8, "push": 8}
    validation_counts = validation_counts or {"extraction": 2, "sql_qa": 2, "insights": 2, "push": 2}
    return {
        "db": str(make_commerce_db(root / "commerce.db")),
        "train": str(make_pairs(root / "train.jsonl", split="train", counts=train_counts)),
        "validation": str(make_pairs(root / "validation.jsonl", split="validation", counts=validation_counts)),
    }


@pytest.fixture(scope="session")
def tiny_inputs(tmp_path_factory) -> dict:
    return make_inputs(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory, tiny_inputs) -> Path:
    """The embedded base built by build_base_model from the fixture db and pairs."""
    base = tmp_path_factory.mktemp("models") / "base"
    build_base_model(base, inputs={"db": tiny_inputs["db"], "train": tiny_inputs["train"]}, model=TINY_MODEL)
    return base


def perturbed_adapter(tiny_base, out, lora):
    """A saved LoRA adapter whose lora_B weights are random: a fresh adapter (lora_B = 0) leaves the
    outputs unchanged, this one changes them, so a test can tell whether it was loaded."""
    import torch

    from commerce_grpo.modeling import attach_lora, load_model

    model, _ = load_model(tiny_base, model=TINY_MODEL, trainable=True)
    peft_model = attach_lora(model, lora=lora, model=TINY_MODEL, seed=0)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.5)
    peft_model.save_pretrained(out)
    return out
