"""Insights: a data summary computed from commerce.db → a structured strategic analysis.

Each prompt crosses a topic (category performance, delivery delays, payments, complaints...)
with a period (month, quarter, semester, year) and a scope (Brazil, a region, a category). The
summary's numbers are computed from ``orders_enriched`` (and ``review_facts`` for complaints);
the reference keeps the facts a good answer should use. Topics take turns in the stream.
"""
import numpy as np
import pandas as pd

from commerce_grpo.data import marginals
from commerce_grpo.data.ptbr import PAYMENT_LABELS, category_label, fmt_dec, fmt_int, fmt_money, fmt_pct, month_name
from commerce_grpo.tasklib.candidates import Candidate, interleave

MIN_ORDERS = 40
TOP = 6
COMPLAINT_LABELS = {"entrega": "entrega (atrasos e extravios)", "qualidade": "qualidade do produto",
                    "item_errado": "item errado ou faltando", "atendimento": "atendimento do vendedor",
                    "preco": "preço", "outro": "outros motivos"}

FRAME = """
SELECT o.order_id, o.customer_unique_id, o.customer_state, o.product_category, o.seller_id,
       o.order_status, o.purchase_date, o.total_paid, o.items_value, o.freight_value, o.payment_type,
       o.payment_installments, o.delivery_days, o.days_late, o.review_score, f.complaint_category
FROM orders_enriched o
LEFT JOIN review_facts f USING (review_id, order_id)
ORDER BY o.order_id
"""

ASKS = {
    "desempenho_categorias": [
        "Analise o desempenho das categorias e recomende onde investir e o que corrigir.",
        "Quais categorias merecem mais investimento e quais precisam de atenção? Traga recomendações práticas.",
        "Com base nesses números, monte um diagnóstico das categorias e um plano de ação.",
    ],
    "atrasos_estados": [
        "Analise os atrasos de entrega por estado e proponha ações para reduzi-los.",
        "Onde a logística está falhando? Sugira prioridades e ações concretas.",
        "Faça um diagnóstico das entregas e recomende melhorias para os estados mais críticos.",
    ],
    "satisfacao_entrega": [
        "Explique como o atraso afeta a satisfação e recomende ações para proteger a nota da loja.",
        "O que esses dados dizem sobre entrega e satisfação? Proponha medidas.",
        "Analise a relação entre prazo e avaliação e sugira um plano de melhoria.",
    ],
    "pagamentos": [
        "Analise o mix de pagamentos e recomende ações comerciais.",
        "Que oportunidades esses dados de pagamento mostram? Sugira iniciativas concretas.",
        "Faça uma análise das formas de pagamento e proponha melhorias na conversão.",
    ],
    "sazonalidade": [
        "Analise a sazonalidade das vendas e recomende como planejar estoque e campanhas.",
        "Quais padrões de demanda aparecem? Sugira ações para os meses fracos e fortes.",
        "Interprete a evolução mensal e proponha um calendário de ações.",
    ],
    "reclamacoes": [
        "Analise as reclamações e recomende prioridades para reduzir avaliações negativas.",
        "Quais problemas mais incomodam os clientes? Proponha um plano de ação.",
        "Faça um diagnóstico das reclamações e sugira medidas concretas por motivo.",
    ],
    "frete": [
        "Analise o peso do frete e recomende ações para torná-lo mais competitivo.",
        "O frete está atrapalhando as vendas? Sugira estratégias por estado.",
        "Interprete os custos de frete e proponha iniciativas para reduzi-los.",
    ],
    "recompra": [
        "Analise a fidelização dos clientes e recomende ações de retenção.",
        "Os clientes estão voltando a comprar? Proponha estratégias de recompra.",
        "Faça um diagnóstico da recorrência e sugira um plano de fidelização.",
    ],
    "ticket_estados": [
        "Analise o ticket médio por estado e recomende ações para aumentá-lo.",
        "Onde o ticket médio está baixo e o que fazer? Traga recomendações.",
        "Interprete as diferenças de ticket entre estados e proponha iniciativas regionais.",
    ],
    "vendedores": [
        "Analise a base de vendedores e recomende ações para melhorar a qualidade do marketplace.",
        "Há concentração ou problemas de qualidade entre os vendedores? Sugira medidas.",
        "Faça um diagnóstico dos vendedores e proponha um plano de gestão de sellers.",
    ],
}
# Scope kinds each topic makes sense for (a category scope has no category ranking).
SCOPES = {"desempenho_categorias": ("brasil", "regiao"), "atrasos_estados": ("brasil", "regiao"),
          "frete": ("brasil", "regiao", "categoria"), "ticket_estados": ("brasil", "regiao")}
ALL_SCOPES = ("brasil", "regiao", "categoria")


def candidates(con, rng):
    frame = con.execute(FRAME).df()
    # numpy object columns group several times faster than pandas' Arrow-backed strings here.
    strings = frame.select_dtypes(include=["string", "str"]).columns
    frame[strings] = frame[strings].astype(object)
    frame["month"] = pd.to_datetime(frame["purchase_date"]).dt.strftime("%Y-%m")
    month_rows = {m: np.flatnonzero(frame["month"].to_numpy() == m) for m in frame["month"].unique()}
    windows = _windows(month_rows)
    scopes = _scopes(frame)
    strata = {}
    for topic in rng.permutation(list(ASKS)):
        kinds = SCOPES.get(topic, ALL_SCOPES)
        combos = [(w, s) for w in windows for s in scopes if s[0] in kinds
                  and (topic != "sazonalidade" or w[1] >= 3)]
        strata[str(topic)] = [combos[i] for i in rng.permutation(len(combos))]
    return interleave(strata, lambda topic, combo: _candidate(frame, rng, topic, *combo))


def _windows(month_rows: dict[str, np.ndarray]) -> list[tuple[str, int, np.ndarray]]:
    """(label, number of months, frame rows) for every month, quarter, semester and year present."""
    present = sorted(month_rows)
    groups = [(month_name(m), [m]) for m in present]
    for year in sorted({m[:4] for m in present}):
        in_year = [m for m in present if m[:4] == year]
        for q in range(1, 5):
            groups.append((f"{q}º trimestre de {year}", [m for m in in_year if (int(m[5:]) - 1) // 3 + 1 == q]))
        for s in (1, 2):
            groups.append((f"{s}º semestre de {year}", [m for m in in_year if (int(m[5:]) - 1) // 6 + 1 == s]))
        groups.append((f"ano de {year}", in_year))
    return [(label, len(ms), np.sort(np.concatenate([month_rows[m] for m in ms])))
            for label, ms in groups if ms]


def _scopes(frame: pd.DataFrame) -> list[tuple[str, str, str, object]]:
    """(kind, key, label, row mask) for Brazil, each region and the ten biggest categories."""
    scopes = [("brasil", "brasil", "Brasil", np.ones(len(frame), dtype=bool))]
    for region, states in marginals.REGIONS.items():
        scopes.append(("regiao", region, f"região {region}", frame["customer_state"].isin(states).to_numpy()))
    top = frame["product_category"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
    for cat in top.index[:10]:
        scopes.append(("categoria", cat, f"categoria {category_label(cat)}",
                       (frame["product_category"] == cat).to_numpy()))
    return scopes


def _candidate(frame, rng, topic: str, window, scope) -> Candidate | None:
    window_label, _, rows = window
    kind, scope_key, scope_label, mask = scope
    rows = rows[mask[rows]]
    if rows.size < MIN_ORDERS:
        return None
    sub = frame.iloc[rows]
    if len(sub) < MIN_ORDERS:
        return None
    built = TOPICS[topic](sub)
    if built is None:
        return None
    lines, facts = built
    ask = ASKS[topic][int(rng.integers(len(ASKS[topic])))]
    user = (f"Resumo de dados — {scope_label}, {window_label} ({fmt_int(len(sub))} pedidos):\n"
            + "\n".join(f"- {line}" for line in lines) + f"\n\n{ask}")
    meta = {"template": f"insights/{topic}", "scope": scope_key}
    if kind == "categoria":
        meta["category"] = scope_key
    return Candidate(user=user, reference={"facts": facts, "topic": topic},
                     source={"template": topic}, meta=meta)


def _pct(part, whole) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _desempenho_categorias(sub):
    g = sub.dropna(subset=["product_category"]).groupby("product_category").agg(
        pedidos=("order_id", "size"), faturamento=("total_paid", "sum"), nota=("review_score", "mean"))
    g = g.sort_index().sort_values("faturamento", ascending=False, kind="stable").head(5)
    if len(g) < 3:
        return None
    lines = [f"{category_label(c)}: {fmt_int(r.pedidos)} pedidos, faturamento {fmt_money(r.faturamento)}, "
             f"nota média {fmt_dec(r.nota)}" for c, r in g.iterrows()]
    worst = g["nota"].idxmin()
    return lines, {"categoria_lider": category_label(g.index[0]),
                   "faturamento_lider": round(float(g["faturamento"].iloc[0]), 2),
                   "nota_lider": round(float(g["nota"].iloc[0]), 2),
                   "pior_nota_categoria": category_label(worst), "pior_nota": round(float(g.loc[worst, "nota"]), 2)}


def _delivered(sub):
    return sub[(sub["order_status"] == "delivered") & sub["days_late"].notna()]


def _atrasos_estados(sub):
    d = _delivered(sub)
    late = d.assign(late=d["days_late"] > 0)
    g = late.groupby("customer_state").agg(pedidos=("order_id", "size"), atraso=("late", "mean"),
                                           prazo=("delivery_days", "mean"))
    g["atraso"] = (100 * g["atraso"]).round(1)
    g = g[g["pedidos"] >= 5].sort_index().sort_values("pedidos", ascending=False, kind="stable").head(TOP)
    if len(g) < 2:
        return None
    lines = [f"{uf}: {fmt_int(r.pedidos)} entregas, {fmt_pct(r.atraso)} com atraso, "
             f"prazo médio {fmt_dec(r.prazo, 1)} dias"
             for uf, r in g.iterrows()]
    worst = g["atraso"].idxmax()
    return lines, {"taxa_atraso_geral": _pct((d["days_late"] > 0).sum(), len(d)),
                   "prazo_medio_dias": round(float(d["delivery_days"].mean()), 1),
                   "pior_estado": worst, "taxa_atraso_pior": float(g.loc[worst, "atraso"])}


def _satisfacao_entrega(sub):
    d = _delivered(sub).dropna(subset=["review_score"])
    late, on_time = d[d["days_late"] > 0], d[d["days_late"] <= 0]
    if len(late) < 3 or len(on_time) < 10:
        return None
    facts = {"pct_pedidos_atrasados": _pct(len(late), len(d)),
             "nota_no_prazo": round(float(on_time["review_score"].mean()), 2),
             "nota_com_atraso": round(float(late["review_score"].mean()), 2),
             "pct_nota1_atraso": _pct((late["review_score"] == 1).sum(), len(late)),
             "pct_nota1_no_prazo": _pct((on_time["review_score"] == 1).sum(), len(on_time))}
    lines = [f"Pedidos entregues no prazo: {fmt_int(len(on_time))}, nota média {fmt_dec(facts['nota_no_prazo'])}, "
             f"{fmt_pct(facts['pct_nota1_no_prazo'])} com nota 1",
             f"Pedidos entregues com atraso: {fmt_int(len(late))} ({fmt_pct(facts['pct_pedidos_atrasados'])}), "
             f"nota média {fmt_dec(facts['nota_com_atraso'])}, {fmt_pct(facts['pct_nota1_atraso'])} com nota 1"]
    return lines, facts


def _pagamentos(sub):
    p = sub.dropna(subset=["payment_type"])
    g = p.groupby("payment_type").agg(pedidos=("order_id", "size"), ticket=("total_paid", "mean"))
    g = g.sort_index().sort_values("pedidos", ascending=False, kind="stable")
    if len(g) < 2:
        return None
    lines = [f"{PAYMENT_LABELS.get(t, t)}: {fmt_pct(_pct(r.pedidos, len(p)))} dos pedidos, "
             f"ticket médio {fmt_money(r.ticket)}"
             for t, r in g.iterrows()]
    credit = p[p["payment_type"] == "credit_card"]["payment_installments"]
    facts = {"forma_principal": PAYMENT_LABELS.get(g.index[0], g.index[0]),
             "pct_forma_principal": _pct(g["pedidos"].iloc[0], len(p)),
             "ticket_medio_geral": round(float(p["total_paid"].mean()), 2)}
    if len(credit):
        facts["parcelas_medias_cartao"] = round(float(credit.mean()), 1)
        lines.append(f"Parcelas médias no cartão de crédito: {fmt_dec(facts['parcelas_medias_cartao'], 1)}")
    return lines, facts


def _sazonalidade(sub):
    g = sub.groupby("month").agg(pedidos=("order_id", "size"), faturamento=("total_paid", "sum")).sort_index()
    if len(g) < 3:
        return None
    lines = [f"{month_name(m)}: {fmt_int(r.pedidos)} pedidos, faturamento {fmt_money(r.faturamento)}"
             for m, r in g.iterrows()]
    peak, low = g["pedidos"].idxmax(), g["pedidos"].idxmin()
    return lines, {"mes_pico": month_name(peak), "pedidos_pico": int(g.loc[peak, "pedidos"]),
                   "mes_vale": month_name(low), "pedidos_vale": int(g.loc[low, "pedidos"]),
                   "variacao_pct": _pct(g["pedidos"].iloc[-1] - g["pedidos"].iloc[0], g["pedidos"].iloc[0])}


def _reclamacoes(sub):
    reviewed = sub.dropna(subset=["review_score"])
    complaints = reviewed[reviewed["complaint_category"].notna() & (reviewed["complaint_category"] != "nenhuma")]
    if len(complaints) < 5:
        return None
    share = complaints["complaint_category"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
    lines = [f"Nota média: {fmt_dec(reviewed['review_score'].mean())}; "
             f"{fmt_pct(_pct((reviewed['review_score'] <= 2).sum(), len(reviewed)))} das avaliações com nota 1 ou 2"]
    lines += [f"{COMPLAINT_LABELS.get(c, c)}: {fmt_pct(_pct(n, len(complaints)))} das reclamações"
              for c, n in share.items()]
    return lines, {"nota_media": round(float(reviewed["review_score"].mean()), 2),
                   "pct_avaliacoes_negativas": _pct((reviewed["review_score"] <= 2).sum(), len(reviewed)),
                   "principal_reclamacao": COMPLAINT_LABELS.get(share.index[0], share.index[0]),
                   "pct_principal_reclamacao": _pct(share.iloc[0], len(complaints))}


def _frete(sub):
    s = sub.dropna(subset=["items_value", "freight_value"])
    g = s.groupby("customer_state").agg(pedidos=("order_id", "size"), frete=("freight_value", "sum"),
                                        itens=("items_value", "sum"))
    g = g[g["pedidos"] >= 5].sort_index().sort_values("pedidos", ascending=False, kind="stable").head(TOP)
    if len(g) < 2:
        return None
    g["pct"] = [_pct(f, i) for f, i in zip(g["frete"], g["itens"])]
    lines = [f"{uf}: frete = {fmt_pct(r.pct)} do valor dos itens, frete médio {fmt_money(r.frete / r.pedidos)}"
             for uf, r in g.iterrows()]
    worst = g["pct"].idxmax()
    return lines, {"pct_frete_geral": _pct(s["freight_value"].sum(), s["items_value"].sum()),
                   "estado_frete_mais_caro": worst, "pct_frete_mais_caro": float(g.loc[worst, "pct"])}


def _recompra(sub):
    per_customer = sub.groupby("customer_unique_id")["order_id"].size()
    if len(per_customer) < MIN_ORDERS:
        return None
    repeat = per_customer[per_customer > 1]
    facts = {"clientes": int(len(per_customer)), "pct_recorrentes": _pct(len(repeat), len(per_customer)),
             "pedidos_por_cliente": round(float(per_customer.mean()), 2),
             "ticket_medio": round(float(sub["total_paid"].mean()), 2)}
    lines = [f"Clientes únicos: {fmt_int(facts['clientes'])}",
             f"Clientes com 2 ou mais pedidos: {fmt_int(len(repeat))} ({fmt_pct(facts['pct_recorrentes'])})",
             f"Pedidos por cliente: {fmt_dec(facts['pedidos_por_cliente'])}",
             f"Ticket médio: {fmt_money(facts['ticket_medio'])}"]
    return lines, facts


def _ticket_estados(sub):
    g = sub.dropna(subset=["total_paid"]).groupby("customer_state").agg(
        pedidos=("order_id", "size"), ticket=("total_paid", "mean"))
    g = g[g["pedidos"] >= 5].sort_index().sort_values("pedidos", ascending=False, kind="stable").head(TOP)
    if len(g) < 2:
        return None
    lines = [f"{uf}: {fmt_int(r.pedidos)} pedidos, ticket médio {fmt_money(r.ticket)}" for uf, r in g.iterrows()]
    high, low = g["ticket"].idxmax(), g["ticket"].idxmin()
    return lines, {"ticket_medio_geral": round(float(sub["total_paid"].mean()), 2),
                   "estado_maior_ticket": high, "maior_ticket": round(float(g.loc[high, "ticket"]), 2),
                   "estado_menor_ticket": low, "menor_ticket": round(float(g.loc[low, "ticket"]), 2)}


def _vendedores(sub):
    g = sub.dropna(subset=["seller_id"]).groupby("seller_id").agg(pedidos=("order_id", "size"),
                                                                  nota=("review_score", "mean"))
    if len(g) < 5:
        return None
    top5 = g["pedidos"].sort_values(ascending=False, kind="stable").head(5).sum()
    low = g[(g["pedidos"] >= 3) & (g["nota"] < 3.5)]
    facts = {"vendedores_ativos": int(len(g)), "pct_pedidos_top5": _pct(top5, g["pedidos"].sum()),
             "vendedores_nota_baixa": int(len(low)),
             "pedidos_por_vendedor": round(float(g["pedidos"].mean()), 1)}
    lines = [f"Vendedores ativos: {fmt_int(facts['vendedores_ativos'])}",
             f"Os 5 maiores concentram {fmt_pct(facts['pct_pedidos_top5'])} dos pedidos",
             f"Pedidos por vendedor: {fmt_dec(facts['pedidos_por_vendedor'], 1)}",
             f"Vendedores com 3+ pedidos e nota média abaixo de 3,5: {fmt_int(facts['vendedores_nota_baixa'])}"]
    return lines, facts


TOPICS = {
    "desempenho_categorias": _desempenho_categorias, "atrasos_estados": _atrasos_estados,
    "satisfacao_entrega": _satisfacao_entrega, "pagamentos": _pagamentos, "sazonalidade": _sazonalidade,
    "reclamacoes": _reclamacoes, "frete": _frete, "recompra": _recompra, "ticket_estados": _ticket_estados,
    "vendedores": _vendedores,
}
