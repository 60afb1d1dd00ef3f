"""Portuguese word lists the rewards count, in one place so the audit can read them.

Stems are matched at a word start, case- and accent-insensitively (``text.fold``), so
"recomendamos", "Recomendação" and "recomendacao" all hit ``recomend``.
"""
from __future__ import annotations

import re
import unicodedata

# Seed 003 V4.2.1 hotfix: SQL domain coherence uses 30 PT-BR business words (was 10).
SQL_DOMAIN_WORDS = (
    "pedido", "cliente", "venda", "vendedor", "produto", "categoria", "estado", "cidade",
    "entrega", "atraso", "prazo", "frete", "pagamento", "parcela", "receita", "faturamento",
    "ticket", "media", "total", "quantidade", "avaliacao", "nota", "review", "mes", "periodo",
    "crescimento", "percentual", "taxa", "valor", "preco",
)
SQL_KEYWORDS = (
    "select", "from", "where", "group by", "order by", "join", "having", "count", "sum", "avg",
    "limit", "with", "as", "on", "distinct", "case", "round", "min", "max",
)
ACTION_STEMS = (
    "recomend", "sugir", "sugest", "implement", "prioriz", "invest", "reduz", "aument", "melhor",
    "otimiz", "revis", "criar", "crie", "lanc", "monitor", "ajust", "ofere", "negoci", "foc",
    "expand", "acompanh", "treina", "automat", "renegoci", "testar", "teste", "ampli", "corrig",
)
INSIGHTS_DOMAIN_STEMS = (
    "client", "produto", "pedido", "venda", "entrega", "categori", "avalia", "frete", "receita",
    "faturamento", "ticket", "vendedor", "estado", "regi", "nota", "recompra", "churn", "reten",
)
# Words a Portuguese push is very likely to contain (accent-folded).
PORTUGUESE_WORDS = (
    "voce", "seu", "sua", "seus", "suas", "pedido", "para", "com", "nao", "ja", "que", "esta",
    "aqui", "agora", "pra", "te", "de", "do", "da", "no", "na", "um", "uma", "obrigado",
    "obrigada", "ola", "oi", "compra", "comprar", "entrega", "hoje", "conosco", "temos", "nossa",
    "nosso", "loja", "em", "por", "mais", "muito", "chegou", "ainda",
)
PUSH_INTENT_STEMS = {
    "delay_apology": ("atras", "desculp", "perdao", "prazo", "a caminho", "chegando", "demora", "lament"),
    "review_request": ("avali", "opini", "nota", "estrela", "conta pra gente", "conte", "o que achou", "feedback"),
    "reengagement": ("saudade", "volt", "novidade", "faz tempo", "sentimos", "esperando", "reencontr", "de volta"),
    "cart_reminder": ("carrinho", "esquec", "finaliz", "ainda da tempo", "concluir", "deixou"),
}
CALL_TO_ACTION_STEMS = (
    "confira", "aproveit", "toque", "clique", "veja", "garant", "acesse", "descubra", "vem", "corre", "conta pra",
)
FORMAL_STEMS = (
    "prezad", "atenciosamente", "cordialmente", "venho por meio", "caro cliente", "cara cliente",
    "estimad", "sr.", "sra.", "vossa", "respeitosamente", "informamos que",
)


def fold(text: str) -> str:
    """Lower case without accents: the form every word list above is written in."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem_pattern(stems) -> re.Pattern:
    """One regex matching any stem at a word start (multi-word stems allowed)."""
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True)) + ")")


def word_pattern(words) -> re.Pattern:
    """One regex matching any whole word (or phrase) of the list."""
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?!\w)")


def distinct_hits(pattern: re.Pattern, folded: str) -> int:
    """How many different list entries occur in the folded text."""
    return len(set(pattern.findall(folded)))
