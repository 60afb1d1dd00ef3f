"""Push: customer and order context → a ≤ 120-character PT-BR notification.

Four intents take turns in the stream: delay apology (orders delivered late), review request
(orders delivered on time), re-engagement (customers inactive for 60+ days, relative to the last
purchase in the database) and cart reminder. Olist has no carts, so a cart is simulated: a
product from the category the customer last bought, at its catalogue price. The reference keeps
the intent and the facts a good notification uses.
"""
from commerce_grpo.data.ptbr import category_label, fmt_money
from commerce_grpo.tasklib.candidates import Candidate, interleave
from commerce_grpo.tasklib.prompts import PUSH_MAX_CHARS

INACTIVE_DAYS = 60
DISCOUNTS = (5, 10, 15, 20)

PHRASINGS = {
    "delay_apology": [
        "Objetivo: pedir desculpas pelo atraso na entrega.\nCliente: {cidade}/{uf}\nPedido: {categoria}\n"
        "Atraso: {dias_atraso} dias além do prazo previsto",
        "Crie um push para um cliente de {cidade} ({uf}) cujo pedido de {categoria} chegou {dias_atraso} "
        "dias depois do prazo. Peça desculpas pelo atraso.",
        "Dados do pedido: categoria {categoria}; entregue com {dias_atraso} dias de atraso; cliente em "
        "{cidade}/{uf}. Escreva a notificação de desculpas.",
    ],
    "review_request": [
        "Objetivo: pedir que o cliente avalie a compra.\nCliente: {cidade}/{uf}\nPedido: {categoria}, "
        "entregue em {entregue_em}",
        "O pedido de {categoria} de um cliente de {cidade} ({uf}) foi entregue em {entregue_em}. Escreva "
        "um push convidando o cliente a avaliar o produto.",
        "Escreva uma notificação pedindo uma avaliação. Contexto: compra de {categoria}, entregue em "
        "{entregue_em}, cliente de {cidade}/{uf}.",
    ],
    "reengagement": [
        "Objetivo: reengajar um cliente inativo.\nCliente: {cidade}/{uf}, {pedidos} pedido(s), última "
        "compra há {dias_sem_comprar} dias ({categoria})\nOferta: cupom de {desconto_pct}% de desconto",
        "Um cliente de {cidade} ({uf}) não compra há {dias_sem_comprar} dias; a última compra foi de "
        "{categoria}. Escreva um push para trazê-lo de volta oferecendo {desconto_pct}% de desconto.",
        "Cliente sumido: {dias_sem_comprar} dias sem comprar, última compra em {categoria}, mora em "
        "{cidade}/{uf}. Crie uma notificação de reengajamento com cupom de {desconto_pct}%.",
    ],
    "cart_reminder": [
        "Objetivo: lembrar o cliente do carrinho abandonado.\nCliente: {cidade}/{uf}\nCarrinho: 1 item de "
        "{categoria}, {preco}",
        "O cliente de {cidade} ({uf}) deixou um item de {categoria} de {preco} no carrinho. Escreva um "
        "lembrete curto para ele finalizar a compra.",
        "Carrinho abandonado: {categoria} por {preco}. Cliente de {cidade}/{uf}. Escreva um push que "
        "convide a concluir o pedido.",
    ],
}

ORDERS = """
SELECT order_id, customer_id, customer_unique_id, customer_city, customer_state, product_category,
       days_late, CAST(delivered_date AS DATE) AS delivered_day
FROM orders_enriched
WHERE order_status = 'delivered' AND product_category IS NOT NULL AND delivered_date IS NOT NULL
ORDER BY order_id
"""
CUSTOMERS = """
WITH ranked AS (
    SELECT *, row_number() OVER (PARTITION BY customer_unique_id ORDER BY purchase_timestamp DESC, order_id) AS rn,
           COUNT(*) OVER (PARTITION BY customer_unique_id) AS orders
    FROM orders_enriched
)
SELECT customer_unique_id, customer_id, order_id, customer_city, customer_state, product_category, orders,
       date_diff('day', purchase_date, (SELECT MAX(purchase_date) FROM orders_enriched)) AS days_since
FROM ranked
WHERE rn = 1 AND product_category IS NOT NULL AND customer_unique_id IS NOT NULL
ORDER BY customer_unique_id
"""
PRICES = """
SELECT p.product_category_name AS category, ROUND(AVG(oi.price), 2) AS price
FROM order_items oi JOIN products p USING (product_id)
WHERE p.product_category_name IS NOT NULL
GROUP BY p.product_category_name, oi.product_id
ORDER BY category, oi.product_id
"""


def candidates(con, rng):
    orders = con.execute(ORDERS).df()
    customers = con.execute(CUSTOMERS).df()
    prices = con.execute(PRICES).df().groupby("category")["price"].apply(list).to_dict()
    pools = {
        "delay_apology": (orders, orders.index[orders["days_late"] > 0]),
        "review_request": (orders, orders.index[orders["days_late"] <= 0]),
        "reengagement": (customers, customers.index[customers["days_since"] >= INACTIVE_DAYS]),
        "cart_reminder": (customers, customers.index),
    }
    strata = {intent: rng.permutation(index.to_numpy()) for intent, (_, index) in pools.items()}

    def make(intent, i):
        row = pools[intent][0].loc[i]
        return _candidate(intent, row, rng, prices)

    return interleave(strata, make)


def _candidate(intent: str, row, rng, prices: dict) -> Candidate:
    facts = {"cidade": row["customer_city"], "uf": row["customer_state"],
             "categoria": category_label(row["product_category"])}
    if intent == "delay_apology":
        facts["dias_atraso"] = int(row["days_late"])
    elif intent == "review_request":
        facts["entregue_em"] = row["delivered_day"].strftime("%d/%m/%Y")
    elif intent == "reengagement":
        facts.update(dias_sem_comprar=int(row["days_since"]), pedidos=int(row["orders"]),
                     desconto_pct=int(rng.choice(DISCOUNTS)))
    else:
        catalogue = prices[row["product_category"]]
        facts["preco"] = fmt_money(catalogue[int(rng.integers(len(catalogue)))])
    phrasing = int(rng.integers(len(PHRASINGS[intent])))
    source = {"order_id": row["order_id"]} if intent in ("delay_apology", "review_request") \
        else {"customer_id": row["customer_id"]}
    return Candidate(
        user=PHRASINGS[intent][phrasing].format(**facts),
        reference={"intent": intent, "facts": facts, "max_chars": PUSH_MAX_CHARS},
        source={**source, "template": f"{intent}/{phrasing}"},
        keys=tuple(str(row[k]) for k in ("order_id", "customer_id", "customer_unique_id")),
        meta={"intent": intent, "state": row["customer_state"], "category": row["product_category"],
              "template": f"push/{intent}"},
    )
