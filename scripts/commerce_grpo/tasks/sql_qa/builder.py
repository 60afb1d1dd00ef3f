"""SQL Q&A: a PT-BR business question → gold DuckDB SQL, its result and a short explanation.

Templates span filters, joins, group-bys, date ranges, top-k and ratios. Each parameter
combination (template × values) is used at most once across all splits, so eval questions are
not rephrasings of training questions. Every gold query runs at build time against commerce.db;
its columns and rows are the reference the reward compares the model's query result with.
"""
import datetime
import decimal
import itertools
from dataclasses import dataclass

from commerce_grpo.data import marginals
from commerce_grpo.data.ptbr import PAYMENT_LABELS, category_label, fmt_dec, fmt_int, fmt_money, fmt_pct, month_name
from commerce_grpo.tasklib.candidates import Candidate, interleave

KS = (3, 5, 10)
THRESHOLDS = (3.5, 3.8, 4.0, 4.2)
MIN_ROWS = 10  # a state/category/month needs this many orders to be asked about
LIST_LIMIT = 5


@dataclass(frozen=True)
class SqlTemplate:
    name: str
    axes: tuple[str, ...]      # parameter axes, crossed into the template's grid
    questions: tuple[str, ...]
    sql: str
    explanation: str           # {v0}, {v1}...: first row's values; {lista}: the rows
    formats: tuple[str, ...]   # one per result column: int | dec | money | pct | str
    # The result columns every phrasing of the question asks for (None: all); the others are
    # context (a top-k list's values, a count beside an average) an answer may leave out.
    asked: tuple[int, ...] | None = None


T = SqlTemplate
TEMPLATES = [
    T("pedidos_estado_ano", ("state", "year"), (
        "Quantos pedidos foram feitos por clientes de {estado} em {ano}?",
        "Qual o número de pedidos de clientes do estado {uf} no ano de {ano}?",
        "Em {ano}, quantas compras vieram de clientes de {estado} ({uf})?"),
      "SELECT COUNT(*) AS pedidos\nFROM orders o\nJOIN customers c USING (customer_id)\n"
      "WHERE c.customer_state = '{uf}'\n  AND year(o.order_purchase_timestamp) = {ano}",
      "Clientes de {estado} fizeram {v0} pedidos em {ano}.", ("int",)),
    T("faturamento_categoria_ano", ("category", "year"), (
        "Quanto a categoria {categoria} faturou em itens vendidos em {ano}?",
        "Qual foi a receita de produtos da categoria {cat} no ano de {ano}, sem contar o frete?"),
      "SELECT ROUND(SUM(oi.price), 2) AS faturamento\nFROM order_items oi\nJOIN products p USING (product_id)\n"
      "JOIN orders o USING (order_id)\nWHERE p.product_category_name = '{cat}'\n"
      "  AND year(o.order_purchase_timestamp) = {ano}",
      "A categoria {categoria} faturou {v0} em itens em {ano} (sem frete).", ("money",)),
    T("nota_media_categoria", ("category",), (
        "Qual a nota média das avaliações de pedidos da categoria {categoria}?",
        "Como os clientes avaliam a categoria {cat}? Quero a nota média e o número de avaliações."),
      "SELECT ROUND(AVG(review_score), 2) AS nota_media, COUNT(review_score) AS avaliacoes\n"
      "FROM orders_enriched\nWHERE product_category = '{cat}'",
      "A nota média dos pedidos de {categoria} é {v0}, em {v1} avaliações.", ("dec", "int"), asked=(0,)),
    T("top_categorias_estado", ("state", "k"), (
        "Quais são as {k} categorias com maior faturamento entre clientes de {estado}?",
        "Liste o top {k} de categorias por valor pago em pedidos de clientes do estado {uf}."),
      "SELECT product_category, ROUND(SUM(total_paid), 2) AS faturamento\nFROM orders_enriched\n"
      "WHERE customer_state = '{uf}' AND product_category IS NOT NULL\nGROUP BY product_category\n"
      "ORDER BY faturamento DESC, product_category\nLIMIT {k}",
      "As {k} categorias com maior faturamento em {estado} são: {lista}.", ("str", "money"), asked=(0,)),
    T("atraso_estado", ("state",), (
        "Qual a porcentagem de pedidos entregues com atraso para clientes de {estado}?",
        "Que fração das entregas em {uf} chegou depois da data prevista?"),
      "SELECT ROUND(100.0 * AVG(CASE WHEN days_late > 0 THEN 1 ELSE 0 END), 2) AS pct_atraso\n"
      "FROM orders_enriched\nWHERE customer_state = '{uf}'\n  AND order_status = 'delivered'\n"
      "  AND delivered_date IS NOT NULL",
      "{v0} dos pedidos entregues em {estado} chegaram depois da data prevista.", ("pct",)),
    T("prazo_medio_estado_ano", ("state", "year"), (
        "Em média, quantos dias uma entrega levou para clientes de {estado} em {ano}?",
        "Qual o tempo médio de entrega, em dias, dos pedidos de {uf} comprados em {ano}?"),
      "SELECT ROUND(AVG(delivery_days), 1) AS dias_medios\nFROM orders_enriched\n"
      "WHERE customer_state = '{uf}'\n  AND year(purchase_date) = {ano}\n  AND delivery_days IS NOT NULL",
      "Em {ano}, as entregas para {estado} levaram em média {v0} dias.", ("dec",)),
    T("pedidos_por_mes_periodo", ("month_range",), (
        "Quantos pedidos foram feitos em cada mês {periodo}?",
        "Mostre a evolução mensal do número de pedidos {periodo}."),
      "SELECT strftime(order_purchase_timestamp, '%Y-%m') AS mes, COUNT(*) AS pedidos\nFROM orders\n"
      "WHERE order_purchase_timestamp >= DATE '{ini}'\n  AND order_purchase_timestamp < DATE '{fim}'\n"
      "GROUP BY mes\nORDER BY mes",
      "Pedidos por mês {periodo}: {lista}.", ("str", "int")),
    T("participacao_pagamento_ano", ("year",), (
        "Qual a participação de cada forma de pagamento nos pagamentos de pedidos feitos em {ano}?",
        "Em {ano}, como os pagamentos se dividiram entre cartão, boleto, voucher e débito?"),
      "SELECT pay.payment_type, COUNT(*) AS pagamentos,\n"
      "       ROUND(100.0 * COUNT(*) / SUM(COUNT(*)) OVER (), 2) AS pct\nFROM order_payments pay\n"
      "JOIN orders o USING (order_id)\nWHERE year(o.order_purchase_timestamp) = {ano}\n"
      "GROUP BY pay.payment_type\nORDER BY pagamentos DESC, pay.payment_type",
      "Participação nos pagamentos de {ano}: {lista}.", ("str", "int", "pct"), asked=(0, 2)),
    T("ticket_medio_pagamento_ano", ("payment", "year"), (
        "Qual o ticket médio dos pedidos pagos com {pagamento} em {ano}?",
        "Quanto, em média, valeu um pedido cuja forma de pagamento principal foi {pagamento} em {ano}?"),
      "SELECT ROUND(AVG(total_paid), 2) AS ticket_medio\nFROM orders_enriched\n"
      "WHERE payment_type = '{tipo}'\n  AND year(purchase_date) = {ano}",
      "O ticket médio dos pedidos pagos com {pagamento} em {ano} foi {v0}.", ("money",)),
    T("top_vendedores_estado", ("seller_state", "k"), (
        "Quais os {k} vendedores de {estado_vendedor} com maior receita em itens?",
        "Liste os {k} sellers do estado {uf_vendedor} que mais faturaram."),
      "SELECT oi.seller_id, ROUND(SUM(oi.price), 2) AS receita\nFROM order_items oi\n"
      "JOIN sellers s USING (seller_id)\nWHERE s.seller_state = '{uf_vendedor}'\nGROUP BY oi.seller_id\n"
      "ORDER BY receita DESC, oi.seller_id\nLIMIT {k}",
      "Os vendedores de {estado_vendedor} com maior receita em itens: {lista}.", ("str", "money"), asked=(0,)),
    T("notas_baixas_categoria", ("category",), (
        "Qual a proporção de avaliações com nota 1 ou 2 na categoria {categoria}?",
        "Que percentual dos pedidos de {cat} recebeu nota baixa (1 ou 2)?"),
      "SELECT ROUND(100.0 * AVG(CASE WHEN review_score <= 2 THEN 1 ELSE 0 END), 2) AS pct_notas_baixas\n"
      "FROM orders_enriched\nWHERE product_category = '{cat}'\n  AND review_score IS NOT NULL",
      "{v0} das avaliações de {categoria} têm nota 1 ou 2.", ("pct",)),
    T("nota_atraso_regiao_ano", ("region", "year"), (
        "Compare a nota média dos pedidos entregues com atraso e no prazo na região {regiao} em {ano}.",
        "Na região {regiao}, em {ano}, atrasar a entrega muda a nota média da avaliação?"),
      "SELECT CASE WHEN days_late > 0 THEN 'com atraso' ELSE 'no prazo' END AS entrega,\n"
      "       ROUND(AVG(review_score), 2) AS nota_media, COUNT(*) AS pedidos\nFROM orders_enriched\n"
      "WHERE order_status = 'delivered' AND delivered_date IS NOT NULL AND review_score IS NOT NULL\n"
      "  AND customer_state IN ({ufs_regiao})\n  AND year(purchase_date) = {ano}\nGROUP BY entrega\n"
      "ORDER BY entrega",
      "Nota média na região {regiao} em {ano}: {lista}.", ("str", "dec", "int"), asked=(0, 1)),
    T("top_cidades_estado", ("state", "k"), (
        "Quais as {k} cidades de {estado} com mais pedidos?",
        "Liste as {k} cidades do estado {uf} que mais compraram, com o número de pedidos."),
      "SELECT customer_city, COUNT(*) AS pedidos\nFROM orders_enriched\nWHERE customer_state = '{uf}'\n"
      "GROUP BY customer_city\nORDER BY pedidos DESC, customer_city\nLIMIT {k}",
      "As cidades de {estado} com mais pedidos: {lista}.", ("str", "int"), asked=(0,)),
    T("parcelas_categoria", ("category",), (
        "Em quantas parcelas, em média, são pagos no cartão de crédito os pedidos de {categoria}?",
        "Qual o número médio de parcelas dos pagamentos com cartão de crédito na categoria {cat}?"),
      "SELECT ROUND(AVG(pay.payment_installments), 2) AS parcelas_medias\nFROM order_payments pay\n"
      "JOIN orders_enriched o USING (order_id)\nWHERE pay.payment_type = 'credit_card'\n"
      "  AND o.product_category = '{cat}'",
      "Pagamentos com cartão de crédito em {categoria} são parcelados em média em {v0} vezes.", ("dec",)),
    T("frete_sobre_itens_estado", ("state",), (
        "Quanto o frete representa, em percentual, do valor dos itens comprados por clientes de {estado}?",
        "Qual a razão entre frete e valor dos produtos nos pedidos de {uf}?"),
      "SELECT ROUND(100.0 * SUM(oi.freight_value) / SUM(oi.price), 2) AS pct_frete\nFROM order_items oi\n"
      "JOIN orders o USING (order_id)\nJOIN customers c USING (customer_id)\nWHERE c.customer_state = '{uf}'",
      "Para clientes de {estado}, o frete equivale a {v0} do valor dos itens.", ("pct",)),
    T("clientes_recorrentes_estado", ("state",), (
        "Quantos clientes de {estado} fizeram mais de um pedido?",
        "Qual o número de clientes recorrentes (2 ou mais pedidos) no estado {uf}?"),
      "SELECT COUNT(*) AS clientes_recorrentes\nFROM (\n    SELECT c.customer_unique_id\n"
      "    FROM customers c\n    JOIN orders o USING (customer_id)\n    WHERE c.customer_state = '{uf}'\n"
      "    GROUP BY c.customer_unique_id\n    HAVING COUNT(DISTINCT o.order_id) > 1\n) AS recorrentes",
      "{v0} clientes de {estado} fizeram mais de um pedido.", ("int",)),
    T("pedidos_status_trimestre", ("status", "quarter"), (
        "Quantos pedidos com status {status_nome} foram feitos no {periodo}?",
        "No {periodo}, quantos pedidos ficaram com status '{status}'?"),
      "SELECT COUNT(*) AS pedidos\nFROM orders\nWHERE order_status = '{status}'\n"
      "  AND order_purchase_timestamp >= DATE '{ini}'\n  AND order_purchase_timestamp < DATE '{fim}'",
      "No {periodo}, {v0} pedidos ficaram com status {status_nome}.", ("int",)),
    T("participacao_categoria_trimestre", ("category", "quarter"), (
        "Qual a participação da categoria {categoria} no faturamento em itens do {periodo}?",
        "Que percentual da receita de produtos do {periodo} veio da categoria {cat}?"),
      "SELECT ROUND(100.0 * SUM(CASE WHEN p.product_category_name = '{cat}' THEN oi.price ELSE 0 END)\n"
      "             / SUM(oi.price), 2) AS pct_faturamento\nFROM order_items oi\n"
      "JOIN products p USING (product_id)\nJOIN orders o USING (order_id)\n"
      "WHERE o.order_purchase_timestamp >= DATE '{ini}'\n  AND o.order_purchase_timestamp < DATE '{fim}'",
      "No {periodo}, {categoria} respondeu por {v0} do faturamento em itens.", ("pct",)),
    T("comentarios_nota_ano", ("score", "year"), (
        "Quantas avaliações com nota {nota} criadas em {ano} têm comentário escrito?",
        "Em {ano}, quantos clientes deram nota {nota} e deixaram um comentário?"),
      "SELECT COUNT(*) AS avaliacoes_com_comentario\nFROM order_reviews\nWHERE review_score = {nota}\n"
      "  AND review_comment_message IS NOT NULL\n  AND year(review_creation_date) = {ano}",
      "Em {ano}, {v0} avaliações com nota {nota} vieram com comentário.", ("int",)),
    T("top_produtos_categoria", ("category", "k"), (
        "Quais os {k} produtos mais vendidos, em unidades, da categoria {categoria}?",
        "Liste os {k} product_id de {cat} com mais itens vendidos."),
      "SELECT oi.product_id, COUNT(*) AS unidades\nFROM order_items oi\nJOIN products p USING (product_id)\n"
      "WHERE p.product_category_name = '{cat}'\nGROUP BY oi.product_id\n"
      "ORDER BY unidades DESC, oi.product_id\nLIMIT {k}",
      "Os produtos mais vendidos de {categoria}: {lista}.", ("str", "int"), asked=(0,)),
    T("preco_medio_categoria_estado", ("category", "state"), (
        "Qual o preço médio dos itens de {categoria} comprados por clientes de {estado}?",
        "Quanto custa em média um item da categoria {cat} vendido para o estado {uf}?"),
      "SELECT ROUND(AVG(oi.price), 2) AS preco_medio\nFROM order_items oi\nJOIN products p USING (product_id)\n"
      "JOIN orders o USING (order_id)\nJOIN customers c USING (customer_id)\n"
      "WHERE p.product_category_name = '{cat}'\n  AND c.customer_state = '{uf}'",
      "O preço médio de um item de {categoria} vendido para {estado} é {v0}.", ("money",)),
    T("dia_semana_estado", ("state",), (
        "Em qual dia da semana os clientes de {estado} fazem mais pedidos?",
        "Qual o dia da semana de pico de compras no estado {uf}?"),
      "SELECT CASE isodow(o.order_purchase_timestamp)\n"
      "         WHEN 1 THEN 'segunda-feira' WHEN 2 THEN 'terça-feira' WHEN 3 THEN 'quarta-feira'\n"
      "         WHEN 4 THEN 'quinta-feira' WHEN 5 THEN 'sexta-feira' WHEN 6 THEN 'sábado'\n"
      "         ELSE 'domingo' END AS dia_semana,\n       COUNT(*) AS pedidos\nFROM orders o\n"
      "JOIN customers c USING (customer_id)\nWHERE c.customer_state = '{uf}'\nGROUP BY dia_semana\n"
      "ORDER BY pedidos DESC, dia_semana\nLIMIT 1",
      "Clientes de {estado} compram mais no dia {v0}, com {v1} pedidos.", ("str", "int"), asked=(0,)),
    T("no_prazo_estado_mes", ("state", "month"), (
        "Quantos pedidos de clientes de {estado} feitos em {mes_nome} foram entregues dentro do prazo?",
        "Em {mes_nome}, quantas compras do estado {uf} chegaram até a data prevista?"),
      "SELECT COUNT(*) AS pedidos_no_prazo\nFROM orders_enriched\nWHERE customer_state = '{uf}'\n"
      "  AND strftime(purchase_date, '%Y-%m') = '{mes}'\n  AND order_status = 'delivered'\n"
      "  AND days_late <= 0",
      "Em {mes_nome}, {v0} pedidos de {estado} foram entregues dentro do prazo.", ("int",)),
    T("cancelamento_mes", ("month",), (
        "Qual foi a taxa de pedidos cancelados ou indisponíveis em {mes_nome}?",
        "Que percentual dos pedidos de {mes_nome} terminou cancelado ou indisponível?"),
      "SELECT ROUND(100.0 * AVG(CASE WHEN order_status IN ('canceled', 'unavailable') THEN 1 ELSE 0 END), 2)\n"
      "       AS pct_cancelados\nFROM orders\nWHERE strftime(order_purchase_timestamp, '%Y-%m') = '{mes}'",
      "Em {mes_nome}, {v0} dos pedidos foram cancelados ou ficaram indisponíveis.", ("pct",)),
    T("categorias_nota_abaixo", ("year", "threshold"), (
        "Quais categorias tiveram nota média abaixo de {limiar} em {ano} (com pelo menos 10 pedidos)?",
        "Em {ano}, liste as categorias com 10+ pedidos e nota média menor que {limiar}, da pior para a melhor."),
      "SELECT product_category, ROUND(AVG(review_score), 2) AS nota_media, COUNT(*) AS pedidos\n"
      "FROM orders_enriched\nWHERE year(purchase_date) = {ano}\n  AND product_category IS NOT NULL\n"
      "  AND review_score IS NOT NULL\nGROUP BY product_category\n"
      "HAVING COUNT(*) >= 10 AND AVG(review_score) < {limiar}\nORDER BY nota_media, product_category",
      "Categorias com nota média abaixo de {limiar} em {ano}: {lista}.", ("str", "dec", "int"), asked=(0,)),
    T("fluxo_vendedor_cliente", ("seller_state", "state"), (
        "Quantos pedidos de vendedores de {estado_vendedor} foram para clientes de {estado}?",
        "Qual o número de pedidos vendidos por sellers de {uf_vendedor} e entregues a clientes de {uf}?"),
      "SELECT COUNT(DISTINCT oi.order_id) AS pedidos\nFROM order_items oi\nJOIN sellers s USING (seller_id)\n"
      "JOIN orders o USING (order_id)\nJOIN customers c USING (customer_id)\n"
      "WHERE s.seller_state = '{uf_vendedor}'\n  AND c.customer_state = '{uf}'",
      "Vendedores de {estado_vendedor} enviaram {v0} pedidos para os clientes de {estado}.", ("int",)),
]
TEMPLATES_BY_NAME = {template.name: template for template in TEMPLATES}
STATUS_NAMES = {"delivered": "entregue", "shipped": "enviado", "canceled": "cancelado",
                "unavailable": "indisponível", "invoiced": "faturado", "processing": "em processamento"}


def candidates(con, rng):
    axes = parameter_axes(con)
    strata = {}
    for index in rng.permutation(len(TEMPLATES)):
        template = TEMPLATES[index]
        grid = [dict(itertools.chain.from_iterable(d.items() for d in combo))
                for combo in itertools.product(*(axes[a] for a in template.axes))]
        strata[template.name] = [(template, grid[i]) for i in rng.permutation(len(grid))]
    return interleave(strata, lambda _, item: _candidate(con, rng, *item))


def parameter_axes(con) -> dict[str, list[dict]]:
    """The values each template axis takes, from what commerce.db actually holds."""
    def values(sql):
        return [row[0] for row in con.execute(sql).fetchall()]

    states = values(f"SELECT customer_state FROM orders_enriched GROUP BY 1 HAVING COUNT(*) >= {MIN_ROWS} "
                    "ORDER BY COUNT(*) DESC, 1")
    categories = values(f"SELECT product_category FROM orders_enriched WHERE product_category IS NOT NULL "
                        f"GROUP BY 1 HAVING COUNT(*) >= {MIN_ROWS} ORDER BY COUNT(*) DESC, 1")
    years = values("SELECT year(purchase_date) FROM orders_enriched GROUP BY 1 HAVING COUNT(*) >= 50 ORDER BY 1")
    months = values(f"SELECT strftime(purchase_date, '%Y-%m') FROM orders_enriched GROUP BY 1 "
                    f"HAVING COUNT(*) >= {3 * MIN_ROWS} ORDER BY 1")
    quarters = values("SELECT year(purchase_date) * 10 + quarter(purchase_date) FROM orders_enriched "
                      "GROUP BY 1 HAVING COUNT(*) >= 50 ORDER BY 1")
    seller_states = values("SELECT seller_state FROM sellers GROUP BY 1 HAVING COUNT(*) >= 3 ORDER BY COUNT(*) DESC, 1")
    payments = values("SELECT payment_type FROM order_payments GROUP BY 1 ORDER BY COUNT(*) DESC, 1")
    statuses = values("SELECT order_status FROM orders GROUP BY 1 ORDER BY COUNT(*) DESC, 1")
    month_set = set(months)
    ranges = [(start, length) for length in (3, 4, 6) for start in months
              if all(_add_months(start, i) in month_set for i in range(length))]
    return {
        "state": [{"uf": s, "estado": marginals.STATE_NAMES.get(s, s)} for s in states],
        "seller_state": [{"uf_vendedor": s, "estado_vendedor": marginals.STATE_NAMES.get(s, s)}
                         for s in seller_states],
        "region": [{"regiao": name, "ufs_regiao": ", ".join(f"'{s}'" for s in ufs)}
                   for name, ufs in marginals.REGIONS.items()],
        "category": [{"cat": c, "categoria": category_label(c)} for c in categories],
        "year": [{"ano": y} for y in years],
        "month": [{"mes": m, "mes_nome": month_name(m)} for m in months],
        "quarter": [{"ini": _quarter_start(q), "fim": _quarter_start(q + 1 if q % 10 < 4 else q + 7),
                     "periodo": f"{q % 10}º trimestre de {q // 10}"} for q in quarters],
        "month_range": [{"ini": f"{start}-01", "fim": f"{_add_months(start, length)}-01",
                         "periodo": f"de {month_name(start)} a {month_name(_add_months(start, length - 1))}"}
                        for start, length in ranges],
        "payment": [{"tipo": p, "pagamento": PAYMENT_LABELS.get(p, p)} for p in payments],
        "status": [{"status": s, "status_nome": STATUS_NAMES.get(s, s)} for s in statuses if s in STATUS_NAMES],
        "score": [{"nota": s} for s in (1, 2, 3, 4, 5)],
        "k": [{"k": k} for k in KS],
        "threshold": [{"limiar": t} for t in THRESHOLDS],
    }


def run_gold(con, sql: str) -> tuple[list[str], list[list]]:
    """Execute a gold query; columns and JSON-safe rows."""
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return columns, [[json_safe(v) for v in row] for row in cursor.fetchall()]


def json_safe(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _candidate(con, rng, template: SqlTemplate, params: dict) -> Candidate | None:
    sql = template.sql.format(**params)
    columns, rows = run_gold(con, sql)
    if not rows or rows[0][0] is None or (len(rows) == 1 and rows[0][0] == 0 and template.formats[0] == "int"):
        return None  # an empty answer teaches nothing
    question = template.questions[int(rng.integers(len(template.questions)))].format(**params)
    return Candidate(
        user=question,
        reference={"sql": sql, "columns": columns, "rows": rows,
                   "explanation": _explain(template, params, rows)},
        source={"template": template.name},
        meta={"template": f"sql_qa/{template.name}",
              **({"state": params["uf"]} if "uf" in params else {}),
              **({"category": params["cat"]} if "cat" in params else {})},
    )


def _explain(template: SqlTemplate, params: dict, rows: list[list]) -> str:
    first = {f"v{i}": _fmt(v, f) for i, (v, f) in enumerate(zip(rows[0], template.formats))}
    # Each listed row: its label and the value asked for (the last column unless the question asks
    # for an earlier one: the average grade beside its count of orders).
    value = template.asked[-1] if template.asked and len(template.asked) > 1 else -1
    shown = [f"{_fmt(r[0], template.formats[0])} ({_fmt(r[value], template.formats[value])})" for r in rows[:LIST_LIMIT]]
    lista = "; ".join(shown) + (f"; e mais {len(rows) - LIST_LIMIT}" if len(rows) > LIST_LIMIT else "")
    return template.explanation.format(**params, **first, lista=lista)


def _fmt(value, kind: str) -> str:
    if value is None:
        return "sem dados"
    return {"int": fmt_int, "dec": fmt_dec, "money": fmt_money, "pct": fmt_pct}.get(kind, str)(value)


def _add_months(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7]) - 1 + n
    return f"{year + mon // 12}-{mon % 12 + 1:02d}"


def _quarter_start(code: int) -> str:
    return f"{code // 10}-{3 * (code % 10 - 1) + 1:02d}-01"
