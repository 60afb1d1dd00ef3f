"""A small commerce.db built by the tests: Olist table and column names, the ``orders_enriched`` view.

Deterministic (no randomness), ~150 orders over 6 states and 5 categories, enough for every
gold query in the audit file and the reward tests to return non-trivial results. Independent of
the data pipeline on purpose: rewards are tested against the schema contract in docs/contracts.md.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from commerce_grpo.tasks import get as get_task

STATES = [("SP", "sao paulo"), ("RJ", "rio de janeiro"), ("MG", "belo horizonte"), ("PR", "curitiba"),
          ("BA", "salvador"), ("RS", "porto alegre")]
CATEGORIES = ["cama_mesa_banho", "beleza_saude", "esporte_lazer", "informatica_acessorios", "moveis_decoracao"]
COMMENTS = ["Chegou antes do prazo, adorei", "Produto veio quebrado", "Entrega atrasou muito",
            "Recebi o item errado", None, "Tudo certo, recomendo", "Vendedor não respondeu"]
N_ORDERS = 150

SCHEMA = """
CREATE TABLE customers (customer_id VARCHAR, customer_unique_id VARCHAR, customer_zip_code_prefix VARCHAR,
                        customer_city VARCHAR, customer_state VARCHAR);
CREATE TABLE orders (order_id VARCHAR, customer_id VARCHAR, order_status VARCHAR,
                     order_purchase_timestamp TIMESTAMP, order_approved_at TIMESTAMP,
                     order_delivered_carrier_date TIMESTAMP, order_delivered_customer_date TIMESTAMP,
                     order_estimated_delivery_date TIMESTAMP);
CREATE TABLE products (product_id VARCHAR, product_category_name VARCHAR, product_name_lenght INTEGER,
                       product_description_lenght INTEGER, product_photos_qty INTEGER, product_weight_g INTEGER,
                       product_length_cm INTEGER, product_height_cm INTEGER, product_width_cm INTEGER);
CREATE TABLE order_items (order_id VARCHAR, order_item_id INTEGER, product_id VARCHAR, seller_id VARCHAR,
                          shipping_limit_date TIMESTAMP, price DECIMAL(10,2), freight_value DECIMAL(10,2));
CREATE TABLE order_payments (order_id VARCHAR, payment_sequential INTEGER, payment_type VARCHAR,
                             payment_installments INTEGER, payment_value DECIMAL(10,2));
CREATE TABLE order_reviews (review_id VARCHAR, order_id VARCHAR, review_score INTEGER,
                            review_comment_title VARCHAR, review_comment_message VARCHAR,
                            review_creation_date TIMESTAMP, review_answer_timestamp TIMESTAMP);
CREATE VIEW orders_enriched AS
WITH items AS (
    SELECT oi.order_id, COUNT(*) AS item_count, arg_min(p.product_category_name, oi.order_item_id) AS product_category
    FROM order_items oi LEFT JOIN products p USING (product_id) GROUP BY oi.order_id
), pay AS (SELECT order_id, SUM(payment_value) AS total_paid FROM order_payments GROUP BY order_id)
SELECT o.order_id, o.customer_id, c.customer_unique_id, c.customer_state, c.customer_city,
       o.order_status, items.product_category, COALESCE(items.item_count, 0) AS item_count, pay.total_paid,
       CAST(o.order_purchase_timestamp AS DATE) AS purchase_date,
       date_diff('day', o.order_purchase_timestamp, o.order_delivered_customer_date) AS delivery_days,
       date_diff('day', CAST(o.order_estimated_delivery_date AS DATE), CAST(o.order_delivered_customer_date AS DATE)) AS days_late,
       r.review_score, r.review_comment_message
FROM orders o LEFT JOIN customers c USING (customer_id) LEFT JOIN items USING (order_id)
LEFT JOIN pay USING (order_id) LEFT JOIN order_reviews r USING (order_id);
"""


def build_commerce_db(path: Path) -> Path:
    """Write the fixture database to ``path`` (overwriting) and return the path."""
    path = Path(path)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    products = [(f"p{j:03d}", CATEGORIES[j % 5], 40, 300, 2, 500, 20, 10, 15) for j in range(20)]
    con.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", products)
    start = datetime(2018, 1, 1, 10)
    for i in range(N_ORDERS):
        state, city = STATES[(i * 7) % len(STATES)]
        customer = f"c{i:04d}"
        con.execute("INSERT INTO customers VALUES (?, ?, ?, ?, ?)", [customer, f"u{i % 120:04d}", "01000", city, state])
        bought = start + timedelta(days=(i * 3) % 180, hours=i % 11)
        delivered_after = 3 + (i * 5) % 19
        estimated_after = 10 + (i % 4) * 2
        status = "canceled" if i % 23 == 0 else "delivered"
        delivered = None if status == "canceled" else bought + timedelta(days=delivered_after)
        con.execute("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [f"o{i:04d}", customer, status, bought, bought + timedelta(hours=2),
                     None if delivered is None else bought + timedelta(days=1), delivered,
                     bought + timedelta(days=estimated_after)])
        n_items = 1 + i % 3
        total = 0
        for k in range(n_items):
            price = 20 + (i * 13 + k * 7) % 180 + 0.9
            freight = 5 + (i + k) % 20 + 0.5
            total += price + freight
            con.execute("INSERT INTO order_items VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [f"o{i:04d}", k + 1, f"p{(i + k) % 20:03d}", f"s{i % 8}", bought, price, freight])
        payments = [round(total, 2)] if i % 4 else [round(total / 2, 2), round(total - round(total / 2, 2), 2)]
        for seq, value in enumerate(payments, 1):
            con.execute("INSERT INTO order_payments VALUES (?, ?, ?, ?, ?)",
                        [f"o{i:04d}", seq, "boleto" if i % 5 == 0 else "credit_card", 1 + i % 6, value])
        if i % 10 != 9:
            late = delivered_after > estimated_after
            score = 1 + (i % 3) if late else 3 + (i % 3)
            con.execute("INSERT INTO order_reviews VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [f"r{i:04d}", f"o{i:04d}", score, None, COMMENTS[i % len(COMMENTS)],
                         bought + timedelta(days=20), bought + timedelta(days=21)])
    con.close()
    return path


def eval_records() -> list[dict]:
    """Pair records of every task as results/pairs/eval.jsonl holds them (a few per task).

    The insights and push user messages carry the words that fooled the study's classifier.
    """
    def record(i, task, user, reference, source):
        return {"id": f"{task}-{i:06d}", "task": task, "split": "eval",
                "prompt": [{"role": "system", "content": get_task(task).system_prompt}, {"role": "user", "content": user}],
                "reference": reference, "source": source}

    records = []
    extraction_golds = [
        (1, "Não chegou e ninguém responde.", "negativo", True, False, False, True, "entrega", False, 0.9),
        (5, "Perfeito, chegou rápido!", "positivo", False, False, False, False, "nenhuma", True, 0.05),
        (2, "Veio quebrado.", "negativo", False, True, False, False, "qualidade", False, 0.66),
        (3, "Faltou um item.", "neutro", False, False, True, False, "item_errado", False, 0.5),
    ]
    for i, (nota, text, sent, d, q, w, s, cat, rec, churn) in enumerate(extraction_golds):
        gold = {"sentiment": sent, "sentiment_score": nota, "delivery_issue": d, "product_quality_issue": q,
                "wrong_or_missing_item": w, "seller_service_issue": s, "complaint_category": cat,
                "would_recommend": rec, "churn_risk": churn, "summary": f"Resumo: {text}"}
        records.append(record(i, "extraction", f"Avaliação do pedido (nota {nota}/5):\n{text}", gold,
                              {"order_id": f"o{i:04d}", "review_id": f"r{i:04d}", "review_score": nota}))
    sql = "SELECT customer_state, COUNT(*) AS pedidos FROM orders_enriched GROUP BY customer_state"
    records.append(record(0, "sql_qa", "Quantos pedidos por estado? Escreva a consulta SQL.",
                          {"sql": sql, "columns": ["customer_state", "pedidos"], "rows": [], "explanation": "Pedidos por estado."},
                          {"template": "orders_by_state"}))
    records.append(record(0, "insights",
                          "Resumo: 92% dos clientes sem recompra. Proponha reengajamento e notificações push.",
                          {"facts": {"clientes_sem_recompra": 0.92}, "topic": "reengajamento"}, {"template": "retention"}))
    records.append(record(0, "push", "Cliente: Ana. Pedido atrasado. Escreva a notificação push com análise de reengajamento.",
                          {"intent": "delay_apology", "facts": {"first_name": "Ana"}, "max_chars": 120},
                          {"order_id": "o0001", "template": "delay"}))
    return records


def built_pair_records(workdir: Path, *, per_task: int = 12, orders: int = 1500, seed: int = 3) -> tuple[str, list[dict]]:
    """(commerce.db, pair records) from the pipeline's own generator and pair builders.

    The adversarial suite measures rewards on the prompts and references the pipeline really
    writes (push facts, insights facts and topics, gold SQL results), not hand-copied ones.
    """
    import itertools

    import numpy as np

    from commerce_grpo.data.db import build_commerce_db as build_synthetic_db

    db = Path(workdir) / "commerce.db"
    build_synthetic_db(db, source="synthetic", olist_dir=Path(workdir) / "no-olist", orders=orders, seed=7)
    con = duckdb.connect(str(db), read_only=True)
    records = []
    try:
        for task in ("extraction", "sql_qa", "insights", "push"):
            candidates = itertools.islice(get_task(task).candidates(con, np.random.default_rng(seed)), per_task)
            for i, cand in enumerate(candidates):
                records.append({"id": f"{task}-{i:06d}", "task": task, "split": "eval",
                                "prompt": [{"role": "system", "content": get_task(task).system_prompt},
                                           {"role": "user", "content": cand.user}],
                                "reference": json.loads(json.dumps(cand.reference, default=str)),
                                "source": json.loads(json.dumps(cand.source, default=str))})
    finally:
        con.close()
    return str(db), records
