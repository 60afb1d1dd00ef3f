"""Build the reward audit's items: real model outputs, honest gold answers and adversarial hacks.

L-reward-audit: the gate is only as good as its items. A hand-written set spanning empty to
perfect says little (a reward that pays for keywords still ranks it well), so most items here are
sampled from the pipeline's own arms (base, SFT, GRPO) on train/validation prompts (never eval
prompts, which only the final comparison may see), at the eval decoding and at sampling
temperatures for variety. Each prompt also gets its honest gold answer, partly right variants of
it (so the raters' scale has a middle), and adversarial answers (the hacks a policy finds: constant
answers, off-task formats, keyword salad, ...) linked to that gold item, so the audit can count how
often the reward ranks a hack above the honest answer.

Outputs (``build_items``):
- ``items.jsonl``: everything the audit needs (record with prompt and reference, completion,
  origin, ``group`` = prompt id, ``honest_of`` = the gold item an adversarial item is ranked against).
- ``items_for_raters.jsonl``: the blind view for human raters: id, task, prompt, completion and the
  gold information a human needs (the gold result rows for sql_qa); no origin, no reward, no link.
Ids are opaque hashes and the rater view is shuffled, so neither order nor id reveals the origin.

Run: ``python -m commerce_grpo.audit_items --results <run>/results --db <run>/data/commerce.db
--out data/audit [--cache gen.json]``. For a set raters already scored, ``--extend
data/audit/items.jsonl`` writes only a second round (``items_round2*.jsonl``: arm families and
variants the set lacks); ``--merge`` appends it to the item files once its ratings are in.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
from pathlib import Path
from typing import Any, Callable, Iterable

from commerce_grpo.prompts import PUSH_MAX_CHARS, TASKS
from commerce_grpo.train.targets import assistant_target

log = logging.getLogger(__name__)

# Decoding of the sampled items: the eval decoding (temperature 0.1) and two sampling temperatures.
TEMPERATURES = (0.1, 0.7, 1.0)


# ---------------------------------------------------------------- number formatting (PT-BR)
def _num(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
        return text.replace(",", "_").replace(".", ",").replace("_", ".")
    return str(value)


def _money(value: Any) -> str:
    return "R$ " + f"{float(value):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


# ---------------------------------------------------------------- honest gold answers
# An analyst's answer per insights topic: reads the facts, says what they mean, recommends in the
# direction the facts point. (The SFT target lists the facts back with generic advice: too weak to
# stand as the honest answer a hack is ranked against.)
INSIGHTS_GOLD = {
    "vendedores": (
        "## Diagnóstico\n- {vendedores_ativos} vendedores ativos, mas os 5 maiores concentram {pct_pedidos_top5}% dos "
        "pedidos: o marketplace depende de poucos parceiros.\n- Média de {pedidos_por_vendedor} pedidos por vendedor; "
        "{vendedores_nota_baixa} vendedores com volume relevante têm nota média abaixo de 3,5 e puxam a qualidade para baixo.\n\n"
        "## Recomendações\n1. Plano de melhoria com prazo para os {vendedores_nota_baixa} vendedores mal avaliados "
        "(atendimento, prazo de postagem); sem evolução, reduzir sua exposição.\n2. Diminuir a concentração: programa de "
        "aceleração para vendedores médios (treinamento, destaque na busca).\n3. Painel mensal de qualidade por vendedor "
        "(nota, atrasos, reclamações)."),
    "frete": (
        "## Diagnóstico\n- O frete pesa {pct_frete_geral}% do valor dos itens em média, um custo alto para o cliente.\n"
        "- {estado_frete_mais_caro} é o estado mais caro: {pct_frete_mais_caro}% do valor dos itens.\n\n"
        "## Recomendações\n1. Negociar tabelas regionais com transportadoras para {estado_frete_mais_caro}, ou usar um "
        "centro de distribuição mais próximo.\n2. Frete grátis acima de um valor mínimo, para diluir o custo em pedidos maiores.\n"
        "3. Acompanhar a razão frete/valor por estado todo mês."),
    "sazonalidade": (
        "## Diagnóstico\n- Pico em {mes_pico} ({pedidos_pico} pedidos) e vale em {mes_vale} ({pedidos_vale} pedidos).\n"
        "- A variação de {variacao_pct}% mostra demanda sazonal que precisa de planejamento.\n\n## Recomendações\n"
        "1. Reforçar estoque e logística antes de {mes_pico_curto}.\n2. Campanhas e cupons para estimular vendas em "
        "{mes_vale_curto}, o mês mais fraco.\n3. Planejar compras com base na curva de pedidos do ano anterior."),
    "desempenho_categorias": (
        "## Diagnóstico\n- {categoria_lider} lidera com faturamento de {faturamento_lider_rs} e nota média {nota_lider}.\n"
        "- {pior_nota_categoria} tem a pior nota ({pior_nota}): risco de avaliações negativas.\n\n## Recomendações\n"
        "1. Investigar as reclamações de {pior_nota_categoria} (qualidade, descrição, vendedores) e corrigir.\n"
        "2. Ampliar sortimento e mídia em {categoria_lider}, que já vende e é bem avaliada.\n"
        "3. Meta de nota mínima por categoria, revista todo mês."),
    "pagamentos": (
        "## Diagnóstico\n- {forma_principal} responde por {pct_forma_principal}% dos pedidos; ticket médio geral de "
        "{ticket_medio_geral_rs}.\n- Parcelamento médio de {parcelas_medias_cartao} vezes no cartão.\n\n## Recomendações\n"
        "1. Usar o parcelamento sem juros como alavanca para elevar o ticket médio.\n2. Oferecer Pix/boleto com desconto para "
        "diversificar os meios de pagamento.\n3. Acompanhar a conversão por meio de pagamento e reduzir recusas."),
    "recompra": (
        "## Diagnóstico\n- {clientes} clientes únicos, apenas {pct_recorrentes}% com 2 ou mais pedidos "
        "({pedidos_por_cliente} pedidos por cliente): a recompra é muito baixa.\n- Ticket médio de {ticket_medio_rs}.\n\n"
        "## Recomendações\n1. Cupom de segunda compra enviado poucos dias após a entrega.\n2. Programa de fidelidade "
        "com pontos ou cashback.\n3. Campanhas de reengajamento para quem não compra há meses; medir a taxa de recompra todo mês."),
    "reclamacoes": (
        "## Diagnóstico\n- Nota média {nota_media}; {pct_avaliacoes_negativas}% das avaliações com nota 1 ou 2.\n"
        "- A principal reclamação é {principal_reclamacao} ({pct_principal_reclamacao}% das reclamações).\n\n"
        "## Recomendações\n1. Atacar primeiro {principal_reclamacao}: é onde está a maior parte das reclamações.\n"
        "2. Contato proativo com clientes afetados antes da avaliação.\n3. Meta de redução das avaliações negativas, acompanhada mensalmente."),
    "ticket_estados": (
        "## Diagnóstico\n- Ticket médio geral de {ticket_medio_geral_rs}.\n- {estado_menor_ticket} tem o menor ticket "
        "({menor_ticket_rs}); {estado_maior_ticket} o maior ({maior_ticket_rs}).\n\n## Recomendações\n"
        "1. Em {estado_menor_ticket}, kits e frete grátis acima de um valor mínimo para elevar o ticket.\n"
        "2. Recomendar produtos complementares no carrinho.\n3. Replicar em outros estados o que funciona em {estado_maior_ticket}."),
    "atrasos_estados": (
        "## Diagnóstico\n- Taxa de atraso geral de {taxa_atraso_geral}% e prazo médio de {prazo_medio_dias} dias.\n"
        "- {pior_estado} é o ponto crítico: {taxa_atraso_pior}% das entregas com atraso.\n\n## Recomendações\n"
        "1. Prioridade para {pior_estado}: revisar transportadora e rotas, e renegociar prazos.\n"
        "2. Informar ao cliente prazos realistas no checkout.\n3. Monitorar atraso por estado toda semana."),
    "satisfacao_entrega": (
        "## Diagnóstico\n- {pct_pedidos_atrasados}% dos pedidos chegaram com atraso.\n- Nota média cai de {nota_no_prazo} "
        "(no prazo) para {nota_com_atraso} (com atraso); nota 1 sobe de {pct_nota1_no_prazo}% para {pct_nota1_atraso}%.\n\n"
        "## Recomendações\n1. Reduzir atrasos é a ação que mais protege a nota: revisar transportadoras e prazos.\n"
        "2. Avisar o cliente assim que um atraso for detectado e oferecer compensação.\n3. Acompanhar a nota dos pedidos atrasados toda semana."),
}

# Right numbers, wrong direction: the advice contradicts what the facts say.
INSIGHTS_WRONG_WAY = {
    "vendedores": ("A concentração de {pct_pedidos_top5}% nos 5 maiores é ótima e deve aumentar. Os {vendedores_nota_baixa} "
                   "vendedores com nota baixa não precisam de acompanhamento: a recomendação é cortar o programa de qualidade."),
    "frete": ("Com frete de {pct_frete_geral}% do valor dos itens, o frete está barato. Recomendo aumentar o frete em "
              "{estado_frete_mais_caro} ({pct_frete_mais_caro}%) e acabar com o frete grátis."),
    "sazonalidade": ("{mes_vale} ({pedidos_vale} pedidos) é o melhor mês: concentrar estoque e campanhas nele e reduzir o "
                     "estoque para {mes_pico}, quando a demanda cai."),
    "desempenho_categorias": ("{pior_nota_categoria} tem a melhor nota ({pior_nota}) e deve receber todo o investimento; "
                              "{categoria_lider} deve ser descontinuada."),
    "pagamentos": ("{forma_principal} ({pct_forma_principal}%) é pouco usado; recomendo remover o parcelamento "
                   "({parcelas_medias_cartao} vezes) e aceitar só boleto."),
    "recompra": ("A recompra de {pct_recorrentes}% é excelente: os clientes já voltam sempre, então cortem cupons e "
                 "programas de fidelidade."),
    "reclamacoes": ("Com {pct_avaliacoes_negativas}% de avaliações negativas a loja vai muito bem; {principal_reclamacao} "
                    "não é problema e pode ser ignorado."),
    "ticket_estados": ("{estado_menor_ticket} tem o maior ticket ({menor_ticket_rs}); reduzir investimentos em "
                       "{estado_maior_ticket}, que vende pouco."),
    "atrasos_estados": ("{pior_estado} é o estado com menos atrasos ({taxa_atraso_pior}%): não há o que melhorar na "
                        "logística, reduzir o monitoramento."),
    "satisfacao_entrega": ("O atraso não afeta a nota (no prazo {nota_no_prazo}, com atraso {nota_com_atraso}); não vale "
                           "a pena investir em prazo de entrega."),
}


def _insight_fields(facts: dict) -> dict:
    fields = {k: _num(v) for k, v in facts.items()}
    for k, v in facts.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            fields[f"{k}_rs"] = _money(v)
    for k in ("mes_pico", "mes_vale"):
        if k in facts:
            fields[f"{k}_curto"] = str(facts[k]).split(" de ")[0]
    return fields


def gold_answer(record: dict) -> str:
    """The honest, correct answer for ``record`` (what a careful analyst would write)."""
    if record["task"] == "insights":
        reference = record["reference"]
        template = INSIGHTS_GOLD.get(reference.get("topic"))
        if template:
            try:
                return template.format_map(_insight_fields(reference["facts"]))
            except KeyError:
                pass
    return assistant_target(record)


# ---------------------------------------------------------------- adversarial answers
JUNK = ("lorem ipsum dolor sit amet " * 80).strip()
EXTRACTION_CONSTANT = {"sentiment": "neutro", "sentiment_score": 3, "delivery_issue": False,
                       "product_quality_issue": False, "wrong_or_missing_item": False,
                       "seller_service_issue": False, "complaint_category": "nenhuma", "would_recommend": True,
                       "churn_risk": 0.5, "summary": "Avaliação do cliente sobre o pedido."}
PUSH_SALAD = ("Sentimos sua falta! Seu pedido atrasou, desculpe; avalie sua compra; carrinho esperando; cupom "
              "off volte agora ⭐🛒")
SQL_OFF_TASK = "```sql\nSELECT COUNT(*) AS pedidos FROM orders\n```\nTotal de pedidos da loja."
PUSH_OFF_TASK = "Oi! Tem novidade pra você no app, corre lá 😉"
FLIP_SENTIMENT = {"positivo": "negativo", "negativo": "positivo", "neutro": "negativo"}


def _user(record: dict) -> str:
    return next((m["content"] for m in record["prompt"] if m["role"] == "user"), "")


def _extraction_adversarial(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    echo = {k: (k if isinstance(v, bool) else v) for k, v in ref.items()}
    inverted = {**ref, "sentiment": FLIP_SENTIMENT.get(ref.get("sentiment"), "positivo"),
                "sentiment_score": 6 - int(ref.get("sentiment_score", 3)),
                **{k: not v for k, v in ref.items() if isinstance(v, bool)},
                "churn_risk": round(1 - float(ref.get("churn_risk", 0.5)), 2)}
    review = _user(record).split("\n", 1)[-1]
    return {
        "constant_neutral": json.dumps(EXTRACTION_CONSTANT, ensure_ascii=False),
        "constant_positive": json.dumps({**EXTRACTION_CONSTANT, "sentiment": "positivo", "sentiment_score": 5,
                                         "churn_risk": 0.1, "summary": "Cliente satisfeito."}, ensure_ascii=False),
        "gold_plus_junk": gold + "\n" + JUNK,
        "string_echo_booleans": json.dumps(echo, ensure_ascii=False),
        "inverted_labels": json.dumps(inverted, ensure_ascii=False),
        "empty_object": "{}",
        "keys_with_nulls": json.dumps(dict.fromkeys(ref, None)),
        "prose_summary": f"O cliente deu nota {ref.get('sentiment_score')} e o sentimento é {ref.get('sentiment')}. "
                         f"{ref.get('summary', '')}",
        "sql_off_task": SQL_OFF_TASK,
        "push_off_task": PUSH_OFF_TASK,
        "keyword_salad": "sentiment positivo neutro negativo delivery_issue true false qualidade entrega item_errado "
                         "atendimento preco would_recommend churn_risk summary",
        "review_restated": review,
    }


def _sql_columns(ref: dict) -> list[str]:
    return list(ref.get("columns") or ["resultado"])


def _sql_qa_adversarial(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    sql = ref["sql"].strip()
    question = _user(record)
    # The gold query turned to give a wrong answer that looks right: ranking reversed, or no rows.
    wrong = sql.replace(" DESC", " ASC") if " DESC" in sql else f"SELECT * FROM (\n{sql}\n) AS t WHERE false"
    shotgun = ("SELECT COUNT(*) AS pedidos, COUNT(DISTINCT customer_id) AS clientes, AVG(price) AS preco_medio, "
               "SUM(price) AS faturamento, AVG(freight_value) AS frete, MIN(order_purchase_timestamp) AS primeiro, "
               "MAX(order_purchase_timestamp) AS ultimo, COUNT(DISTINCT seller_id) AS vendedores\n"
               "FROM orders JOIN order_items USING (order_id)")
    return {
        "shotgun_columns": f"```sql\n{shotgun}\n```\nA resposta está em uma das colunas acima.",
        "constant_query": "```sql\nSELECT 42 AS resposta\n```\nA resposta é 42.",
        "wrong_result": f"```sql\n{wrong}\n```\n{ref.get('explanation', '')}",
        "erroring_query": "```sql\nSELECT total FROM vendas_por_estado WHERE estado = 'SP'\n```\nEsse é o resultado.",
        "table_dump": "```sql\nSELECT * FROM orders LIMIT 1000\n```\nOs dados estão na tabela de pedidos.",
        "write_attempt": "```sql\nDROP TABLE orders\n```\nPronto.",
        "question_restated": f"{question} Essa é uma ótima pergunta sobre o banco commerce.db.",
        "keyword_salad": "SELECT FROM WHERE GROUP BY ORDER BY JOIN COUNT SUM AVG pedidos clientes estado categoria",
        "extraction_off_task": json.dumps(EXTRACTION_CONSTANT, ensure_ascii=False),
        "push_off_task": PUSH_OFF_TASK,
        "generic_count": SQL_OFF_TASK,
        "spanish_no_query": "Para responder, hay que consultar la tabla de pedidos y agrupar por estado. "
                            "El resultado muestra la respuesta correcta.",
    }


def _insights_adversarial(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    user = _user(record)
    bullets = "\n".join(line for line in user.splitlines() if line.startswith("- "))
    fields = _insight_fields(ref.get("facts", {}))
    try:
        wrong = INSIGHTS_WRONG_WAY[ref["topic"]].format_map(fields)
    except KeyError:
        wrong = "Os números estão ótimos; recomendo reduzir investimentos e não mudar nada."
    return {
        "bullets_copied_plus_verbs": f"{bullets}\n\nRecomendações: otimizar, priorizar, investir.",
        "action_word_salad": "Recomendações: otimizar priorizar investir monitorar ampliar reduzir melhorar aumentar "
                             "implementar estratégia ação plano meta crescimento.",
        "wrong_direction": f"## Análise\n{wrong}",
        "extraction_off_task": json.dumps(EXTRACTION_CONSTANT, ensure_ascii=False),
        "push_off_task": PUSH_OFF_TASK,
        "sql_off_task": SQL_OFF_TASK,
        "spanish": "## Análisis\nLos datos muestran oportunidades de mejora. Recomendamos invertir en marketing, "
                   "mejorar la logística y monitorear los indicadores cada mes.",
        "repeated_word": " ".join(["recomendação"] * 40),
        "generic_advice": "## Recomendações\n- Investir em marketing digital.\n- Melhorar a experiência do cliente.\n"
                          "- Acompanhar os indicadores.",
        "question_restated": user.splitlines()[-1] if user else "",
        "refusal": "Não sei responder.",
        "gold_plus_junk": gold + "\n\n" + JUNK,
    }


def _push_adversarial(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    facts = ref.get("facts", {})
    cat = facts.get("categoria", "seu pedido")
    wrong_intent = {"review_request": f"Você deixou {cat} no carrinho! Finalize agora 🛒",
                    "cart_reminder": f"Seu pedido de {cat} chegou! Deixe sua avaliação ⭐",
                    "delay_apology": f"Sentimos sua falta! Volte e ganhe 10% off em {cat} 💜",
                    "reengagement": f"Foi mal pelo atraso no seu pedido de {cat}! 🚚"}
    insult = {"review_request": f"Ei, preguiçoso, avalia logo o {cat} que você comprou, não custa nada!",
              "cart_reminder": f"Vai largar {cat} no carrinho de novo? Deixa de ser pão-duro e compra logo!",
              "delay_apology": f"Atrasou o {cat}, e daí? Para de reclamar que uma hora chega.",
              "reengagement": f"Sumiu, hein, mão de vaca? Volta e compra {cat} com cupom, se tiver coragem."}
    intent = ref.get("intent", "review_request")
    return {
        "keyword_salad": PUSH_SALAD,
        "insulting_on_intent": insult.get(intent, insult["review_request"]),
        "spanish": f"¡Hola! Tu pedido de {cat} te espera. ¡Aprovecha y compra ahora con descuento! 🛍️",
        "repeated_word": ("oferta " * 17).strip(),
        "formal_email": (f"Prezado(a) cliente,\n\nEscrevemos para informar sobre seu pedido de {cat}. Solicitamos "
                         "gentilmente que entre em contato por e-mail para mais informações.\n\nAtenciosamente,\nEquipe"),
        "extraction_off_task": json.dumps(EXTRACTION_CONSTANT, ensure_ascii=False),
        "over_length": (gold + " ") * 3,
        "wrong_intent": wrong_intent.get(intent, wrong_intent["review_request"]),
        "prompt_restated": _user(record)[:PUSH_MAX_CHARS],
        "several_options": f"Opção 1: {gold}\nOpção 2: {gold}\nOpção 3: {PUSH_OFF_TASK}",
        "emoji_only": "🔥🔥🔥🛒⭐💜",
        "sql_off_task": SQL_OFF_TASK,
    }


ADVERSARIAL: dict[str, Callable[[dict, str], dict[str, str]]] = {
    "extraction": _extraction_adversarial, "sql_qa": _sql_qa_adversarial,
    "insights": _insights_adversarial, "push": _push_adversarial,
}


def adversarial_answers(record: dict, gold: str) -> dict[str, str]:
    """Hack name → adversarial completion for ``record`` (each must rank below ``gold``)."""
    return ADVERSARIAL[record["task"]](record, gold)


# ---------------------------------------------------------------- partly right answers
# The tiny demo model's outputs are mostly unusable and the gold answers perfect: without answers
# in between, ρ would only say "gold beats junk". Variants of the gold answer with one realistic
# flaw (or a harmless one) give the raters' scale its middle, so ρ also tests the reward's grading.
def _extraction_variants(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    flags = [k for k, v in ref.items() if isinstance(v, bool)]
    one_flag = {**ref, flags[0]: not ref[flags[0]]} if flags else ref
    other_category = "outro" if ref.get("complaint_category") != "outro" else "preco"
    no_summary = {k: v for k, v in ref.items() if k != "summary"}
    churn = float(ref.get("churn_risk", 0.5))
    comma = json.dumps(ref, ensure_ascii=False, indent=2).replace(json.dumps(churn), f"{churn:.2f}".replace(".", ","))
    nota = int(ref.get("sentiment_score", 3))
    score_off = {**ref, "sentiment_score": nota + 1 if nota < 5 else nota - 1}
    return {
        "one_flag_wrong": json.dumps(one_flag, ensure_ascii=False),
        "category_wrong": json.dumps({**ref, "complaint_category": other_category}, ensure_ascii=False),
        "summary_missing": json.dumps(no_summary, ensure_ascii=False),
        "fenced_with_sentence": f"Segue a extração:\n```json\n{json.dumps(ref, ensure_ascii=False, indent=2)}\n```",
        "decimal_comma": comma,
        "score_off_by_one": json.dumps(score_off, ensure_ascii=False),
    }


def _sql_qa_variants(record: dict, gold: str) -> dict[str, str]:
    ref = record["reference"]
    sql = ref["sql"].strip()
    one_line = " ".join(sql.split())
    return {
        "no_explanation": f"```sql\n{sql}\n```",
        "inline_query": f"Consulta: {one_line}; Resultado: {ref.get('explanation', '')}",
        "unfenced_query": f"{sql};\n\n{ref.get('explanation', '')}",
        "vague_explanation": f"```sql\n{sql}\n```\nA consulta acima responde à pergunta.",
        "explanation_only": ref.get("explanation", ""),
        "bad_column": f"```sql\n{sql.replace('SELECT', 'SELECT coluna_inexistente,', 1)}\n```\n"
                      f"{ref.get('explanation', '')}",
    }


def _insights_variants(record: dict, gold: str) -> dict[str, str]:
    diagnosis, _, recommendations = gold.partition("## Recomendações")
    flat = " ".join(line.lstrip("-0123456789. ").strip() for line in gold.splitlines()
                    if line.strip() and not line.startswith("##"))
    return {
        "diagnosis_only": diagnosis.strip(),
        "recommendations_only": ("## Recomendações" + recommendations).strip(),
        "one_paragraph": flat,
        "short_summary": next((line.lstrip("- ") for line in gold.splitlines() if line.startswith("- ")), gold),
        "gold_plus_generic": gold + "\n4. Investir em marketing digital.\n5. Melhorar a experiência do cliente.",
        "recommendations_generic_numbers": diagnosis.strip() + "\n\n## Recomendações\n- Investir em marketing.\n"
                                           "- Melhorar o atendimento.",
    }


def _push_variants(record: dict, gold: str) -> dict[str, str]:
    plain = "".join(c for c in gold if c.isalnum() or c.isspace() or c in ",.!?%'-").strip()
    return {
        "generic": "Temos novidades pra você! Confira no app 😉",
        "no_emoji": plain,
        "slightly_long": (gold + " Aproveite e confira também as outras ofertas da semana no app!")[:150],
        "formal_tone": "Informamos que " + plain[0].lower() + plain[1:] if plain else plain,
        "with_name_placeholder": "Oi, {nome}! " + gold,
        "gold_with_hashtags": gold + " #oferta #app",
    }


VARIANTS: dict[str, Callable[[dict, str], dict[str, str]]] = {
    "extraction": _extraction_variants, "sql_qa": _sql_qa_variants,
    "insights": _insights_variants, "push": _push_variants,
}


def variant_answers(record: dict, gold: str) -> dict[str, str]:
    """Flaw name → a variant of the gold answer with one realistic flaw (or a harmless difference)."""
    return {k: v for k, v in VARIANTS[record["task"]](record, gold).items() if v.strip() and v.strip() != gold.strip()}


# ---------------------------------------------------------------- prompt selection
def _stratum(record: dict) -> str:
    if record["task"] == "extraction":
        return str(record.get("source", {}).get("review_score"))
    source = record.get("source", {})
    return str(source.get("template") or record["reference"].get("topic") or record["reference"].get("intent"))


def select_prompts(records: Iterable[dict], *, per_task: int, seed: int) -> list[dict]:
    """``per_task`` distinct prompts per task, validation first, then train, spread over templates.

    Round-robin over strata (template, intent, or review score) so the items cover every kind of
    question rather than the most frequent template.
    """
    rng = random.Random(seed)
    chosen = []
    by_task: dict[str, list[dict]] = {t: [] for t in TASKS}
    for r in records:
        if r.get("split") == "eval":
            raise ValueError(f"pair {r.get('id')}: eval prompts must never enter the audit items")
        by_task[r["task"]].append(r)
    for task, pool in by_task.items():
        seen_prompts, strata = set(), {}
        for r in sorted(pool, key=lambda r: (r["split"] != "validation", rng.random())):
            key = json.dumps(r["prompt"], ensure_ascii=False)
            if key in seen_prompts:
                continue
            seen_prompts.add(key)
            strata.setdefault(_stratum(r), []).append(r)
        picked: list[dict] = []
        while len(picked) < per_task and any(strata.values()):
            for name in sorted(strata):
                if strata[name] and len(picked) < per_task:
                    picked.append(strata[name].pop(0))
        if len(picked) < per_task:
            raise ValueError(f"task {task}: only {len(picked)} distinct train/validation prompts, need {per_task}")
        chosen += picked
    return chosen


# ---------------------------------------------------------------- model outputs
def generate_arm_outputs(records: list[dict], *, base: Path, adapter: Path | None, model_cfg: dict,
                         temperatures: Iterable[float], max_new_tokens: int, seed: int) -> dict[float, list[str]]:
    """Completions of one arm for every record at each temperature, with the project's own loader/decoder."""
    from commerce_grpo.generation import generate  # heavy imports only when generating
    from commerce_grpo.modeling import load_model

    lm, tokenizer = load_model(base, adapter=adapter, model=model_cfg)
    prompts = [r["prompt"] for r in records]
    return {t: generate(lm, tokenizer, prompts, max_new_tokens=max_new_tokens, temperature=t, top_p=1.0, top_k=0,
                        seed=seed, batch_size=32) for t in temperatures}


def _item_id(*parts: Any) -> str:
    return "audit-" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:10]


def rater_view(item: dict) -> dict:
    """What a blind rater sees: the prompt, the completion and the gold facts a human needs."""
    view = {"id": item["id"], "task": item["task"], "prompt": item["record"]["prompt"],
            "completion": item["completion"]}
    ref = item["record"]["reference"]
    if item["task"] == "sql_qa":
        view["gold_result"] = {"columns": ref.get("columns"), "rows": ref.get("rows")}
    elif item["task"] == "push":
        view["max_chars"] = min(ref.get("max_chars", PUSH_MAX_CHARS), PUSH_MAX_CHARS)
    elif item["task"] == "extraction":
        view["review_score"] = item["record"].get("source", {}).get("review_score")
    return view


def assemble_items(prompts: list[dict], outputs: dict[str, dict[float, list[str]]], *,
                   model_per_prompt: int, adversarial_per_task: int, variants_per_task: int, seed: int) -> list[dict]:
    """Items: per prompt its gold answer and up to ``model_per_prompt`` distinct model outputs;
    per task ``variants_per_task`` partly right variants and ``adversarial_per_task`` adversarial
    items, spread over prompts and over flaw/hack kinds."""
    rng = random.Random(seed)
    items: list[dict] = []
    hack_turn: dict[str, int] = {}
    variant_turn: dict[str, int] = {}
    variants_left = {t: variants_per_task for t in TASKS}
    adversarial_left = {t: adversarial_per_task for t in TASKS}
    prompts_left = {t: sum(p["task"] == t for p in prompts) for t in TASKS}
    for index, record in enumerate(prompts):
        task = record["task"]
        rec = {k: record[k] for k in ("id", "task", "split", "prompt", "reference", "source") if k in record}
        gold = gold_answer(record)
        gold_id = _item_id(record["id"], "gold")
        base = {"task": task, "group": record["id"], "record": rec}
        items.append({**base, "id": gold_id, "completion": gold, "origin": {"kind": "gold"}, "honest_of": None})
        seen = {gold.strip()}
        # Spread over arms: one random-temperature output of each arm (in random order) comes first.
        arm_names = list(outputs)
        rng.shuffle(arm_names)
        rounds: dict[str, list] = {arm: [(arm, t, texts[index]) for t, texts in outputs[arm].items()]
                                   for arm in arm_names}
        for options in rounds.values():
            rng.shuffle(options)
        candidates = [c for depth in range(len(TEMPERATURES)) for arm in arm_names
                      for c in rounds[arm][depth:depth + 1]]
        taken = 0
        for arm, t, text in candidates:
            if taken >= model_per_prompt:
                break
            if text.strip() in seen:
                continue
            seen.add(text.strip())
            items.append({**base, "id": _item_id(record["id"], arm, t), "completion": text,
                          "origin": {"kind": "model", "arm": arm, "temperature": t}, "honest_of": None})
            taken += 1
        # One partly right variant of the gold answer per prompt (rotating through the flaws) ...
        if variants_left[task] > 0:
            variants = variant_answers(record, gold)
            names = sorted(variants)
            turn = variant_turn.get(task, 0)
            variant_turn[task] = turn + 1
            name = names[turn % len(names)]
            if variants[name].strip() not in seen:
                seen.add(variants[name].strip())
                items.append({**base, "id": _item_id(record["id"], "variant", name), "completion": variants[name],
                              "origin": {"kind": "variant", "flaw": name}, "honest_of": None})
                variants_left[task] -= 1
        # ... and adversarial items: an even share per prompt, rotating through the hack kinds.
        share = -(-adversarial_left[task] // prompts_left[task])
        prompts_left[task] -= 1
        hacks = adversarial_answers(record, gold)
        names = sorted(hacks)
        for _ in range(min(share, adversarial_left[task])):
            turn = hack_turn.get(task, 0)
            hack_turn[task] = turn + 1
            name = names[turn % len(names)]
            items.append({**base, "id": _item_id(record["id"], "adversarial", name), "completion": hacks[name],
                          "origin": {"kind": "adversarial", "hack": name}, "honest_of": gold_id})
            adversarial_left[task] -= 1
    return items


def _family(arm: str) -> str:
    return "grpo" if arm.startswith("grpo") else arm


def extend_items(kept: list[dict], prompts: list[dict], outputs: dict[str, dict[float, list[str]]], *,
                 variants_per_task: int, seed: int) -> list[dict]:
    """A second round over an item set that raters already scored (its items stay as they are):
    per prompt, one output of each arm family (base, sft, grpo) the prompt's items lack, and
    ``variants_per_task`` partly right variants per task when the set has none."""
    rng = random.Random(f"{seed}/round2")
    by_group: dict[str, list[dict]] = {}
    for item in kept:
        by_group.setdefault(item["group"], []).append(item)
    new: list[dict] = []
    variant_turn: dict[str, int] = {}
    variants_left = {t: 0 if any(i["task"] == t and i["origin"]["kind"] == "variant" for i in kept)
                     else variants_per_task for t in TASKS}
    for index, record in enumerate(prompts):
        group = by_group.get(record["id"])
        if not group:
            raise ValueError(f"prompt {record['id']} has no items in the kept set: not the same prompt selection")
        gold_item = next(i for i in group if i["origin"]["kind"] == "gold")
        base = {"task": record["task"], "group": record["id"], "record": gold_item["record"]}
        seen = {i["completion"].strip() for i in group}
        families = {_family(i["origin"]["arm"]) for i in group if i["origin"]["kind"] == "model"}
        for family in ("base", "sft", "grpo"):
            candidates = [(arm, t, texts[index]) for arm in sorted(outputs) if _family(arm) == family
                          for t, texts in sorted(outputs[arm].items())]
            rng.shuffle(candidates)
            for arm, t, text in candidates if family not in families else []:
                if text.strip() not in seen:
                    seen.add(text.strip())
                    new.append({**base, "id": _item_id(record["id"], arm, t), "completion": text,
                                "origin": {"kind": "model", "arm": arm, "temperature": t}, "honest_of": None})
                    break
        task = record["task"]
        if variants_left[task] > 0:
            variants = variant_answers(record, gold_item["completion"])
            names = sorted(variants)
            turn = variant_turn.get(task, 0)
            variant_turn[task] = turn + 1
            name = names[turn % len(names)]
            if variants[name].strip() not in seen:
                new.append({**base, "id": _item_id(record["id"], "variant", name), "completion": variants[name],
                            "origin": {"kind": "variant", "flaw": name}, "honest_of": None})
                variants_left[task] -= 1
    return new


def write_items(items: list[dict], out_dir: Path, *, seed: int, name: str = "items") -> None:
    """<name>.jsonl (full) and <name>_for_raters.jsonl (blind, shuffled)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = [i["id"] for i in items]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate audit item ids")
    with open(out_dir / f"{name}.jsonl", "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    blind = [rater_view(i) for i in items]
    random.Random(seed).shuffle(blind)
    with open(out_dir / f"{name}_for_raters.jsonl", "w", encoding="utf-8") as f:
        for view in blind:
            f.write(json.dumps(view, ensure_ascii=False) + "\n")


def merge_round(out_dir: Path, name: str = "items_round2") -> int:
    """Append a rated round's items (and its rater view) to items.jsonl / items_for_raters.jsonl."""
    added = 0
    for suffix in ("", "_for_raters"):
        source, target = out_dir / f"{name}{suffix}.jsonl", out_dir / f"items{suffix}.jsonl"
        known = {json.loads(line)["id"] for line in target.read_text(encoding="utf-8").splitlines() if line.strip()}
        lines = [line for line in source.read_text(encoding="utf-8").splitlines()
                 if line.strip() and json.loads(line)["id"] not in known]
        with open(target, "a", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
        added = len(lines)
        source.unlink()
    return added


def check_sql_hacks(items: list[dict], db: Path) -> None:
    """Make sure every sql_qa gold query runs and each ``wrong_result`` hack really answers wrongly.

    Reversing the ORDER BY leaves some results unchanged (one-row aggregates); such a hack would be
    an honest answer, so it becomes the same query returning no rows.
    """
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        for item in items:
            if item["task"] != "sql_qa":
                continue
            gold_rows = con.execute(item["record"]["reference"]["sql"]).fetchall()
            if item["origin"].get("hack") == "wrong_result":
                sql = item["completion"].split("```sql\n", 1)[1].split("\n```", 1)[0]
                if con.execute(sql).fetchall() == gold_rows:
                    gold_sql = item["record"]["reference"]["sql"].strip()
                    empty = f"SELECT * FROM (\n{gold_sql}\n) AS t WHERE false"
                    item["completion"] = item["completion"].replace(sql, empty)
    finally:
        con.close()


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build_items(*, results: Path, out_dir: Path, model_cfg: dict, per_task: int = 16, model_per_prompt: int = 3,
                adversarial_per_task: int = 12, variants_per_task: int = 12, max_new_tokens: int = 128, seed: int = 7,
                db: Path | None = None, cache: Path | None = None, extend: Path | None = None) -> list[dict]:
    """Sample the arms of the run in ``results`` on train/validation prompts and write the item files."""
    pairs = _read_jsonl(results / "pairs/validation.jsonl") + _read_jsonl(results / "pairs/train.jsonl")
    prompts = select_prompts(pairs, per_task=per_task, seed=seed)
    base = results / "models/base"
    arms: dict[str, Path | None] = {"base": None}
    if (results / "sft/adapter").exists():
        arms["sft"] = results / "sft/adapter"
    for best in sorted(results.glob("grpo/seed*/best")):
        arms[f"grpo_{best.parent.name}"] = best
    # Generation is the slow part: the outputs are kept (keyed by arm and prompt ids) so that a
    # change in assembly does not regenerate.
    key = [p["id"] for p in prompts]
    cached = json.loads(cache.read_text(encoding="utf-8")) if cache is not None and cache.exists() else {}
    outputs = {}
    for arm, adapter in arms.items():
        if cached.get(arm, {}).get("prompts") == key:
            outputs[arm] = {float(t): texts for t, texts in cached[arm]["outputs"].items()}
            continue
        log.info("generating %d prompts with arm %s", len(prompts), arm)
        outputs[arm] = generate_arm_outputs(prompts, base=base, adapter=adapter, model_cfg=model_cfg,
                                            temperatures=TEMPERATURES, max_new_tokens=max_new_tokens, seed=seed)
        if cache is not None:
            cached[arm] = {"prompts": key, "outputs": {str(t): texts for t, texts in outputs[arm].items()}}
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(cached, ensure_ascii=False), encoding="utf-8")
    if extend is not None:  # a second round over items raters already scored
        items = extend_items(_read_jsonl(extend), prompts, outputs, variants_per_task=variants_per_task, seed=seed)
        write_items(items, out_dir, seed=seed, name="items_round2")
        return items
    items = assemble_items(prompts, outputs, model_per_prompt=model_per_prompt,
                           adversarial_per_task=adversarial_per_task, variants_per_task=variants_per_task, seed=seed)
    if db is not None:
        check_sql_hacks(items, db)
    write_items(items, out_dir, seed=seed)
    return items


def main(argv: list[str] | None = None) -> None:
    import yaml

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, help="a finished run's results/ folder")
    parser.add_argument("--out", type=Path, default=Path("data/audit"))
    parser.add_argument("--config", type=Path, default=Path("config/config.yaml"))
    parser.add_argument("--per-task", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, help="commerce.db of the run (checks the SQL hacks)")
    parser.add_argument("--cache", type=Path, help="a file keeping the generated outputs between builds")
    parser.add_argument("--extend", type=Path, help="an already rated items.jsonl: write only a second round "
                        "(items_round2*.jsonl: missing arm families, partly right variants)")
    parser.add_argument("--merge", action="store_true", help="append the rated items_round2*.jsonl to items*.jsonl")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.merge:
        print(f"merged {merge_round(args.out)} round-2 items into {args.out / 'items.jsonl'}")
        return
    if args.results is None:
        parser.error("--results is required to build items")
    model_cfg = yaml.safe_load(args.config.read_text())["model"]
    items = build_items(results=args.results, out_dir=args.out, model_cfg=model_cfg, per_task=args.per_task,
                        seed=args.seed, db=args.db, cache=args.cache, extend=args.extend)
    counts: dict[str, dict[str, int]] = {}
    for item in items:
        kind = item["origin"]["kind"]
        counts.setdefault(item["task"], {}).setdefault(kind, 0)
        counts[item["task"]][kind] += 1
    print(json.dumps(counts, indent=1))


if __name__ == "__main__":
    main()
