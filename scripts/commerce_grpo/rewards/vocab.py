"""Portuguese word lists the rewards count, in one place so the audit can read them.

Stems are matched at a word start, case- and accent-insensitively (``text.fold``), so
"recomendamos", "Recomendação" and "recomendacao" all hit ``recomend``.
"""
from __future__ import annotations

import re
import unicodedata

# The study's V4.2.1 hotfix (study preset): SQL domain coherence uses 30 PT-BR business words (was 10).
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


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Lower case without accents: the form every word list above is written in.

    NFKD splits "ç" into "c" + a combining mark; one regex pass drops the marks (C speed: a
    per-character Python loop made folding most of the insights reward's cost).
    """
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return _COMBINING.sub("", unicodedata.normalize("NFKD", lowered))


def stem_pattern(stems) -> re.Pattern:
    """One regex matching any stem at a word start (multi-word stems allowed)."""
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True)) + ")")


def word_pattern(words) -> re.Pattern:
    """One regex matching any whole word (or phrase) of the list."""
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?!\w)")


def distinct_hits(pattern: re.Pattern, folded: str) -> int:
    """How many different list entries occur in the folded text."""
    return len(set(pattern.findall(folded)))

# --- Correctness preset (L-reward-spec): language, fluency, tone and direction checks. ---
# Function words of Portuguese prose (folded). A keyword salad has almost none of them.
PORTUGUESE_FUNCTION_WORDS = frozenset((
    "a", "o", "as", "os", "e", "de", "do", "da", "dos", "das", "em", "no", "na", "nos", "nas", "um", "uma",
    "uns", "umas", "para", "pra", "pro", "com", "que", "se", "por", "pelo", "pela", "pelos", "pelas", "ao",
    "aos", "seu", "sua", "seus", "suas", "voce", "voces", "te", "lhe", "nao", "ja", "mais", "muito", "muita",
    "mas", "ou", "como", "quando", "onde", "ate", "sem", "sobre", "entre", "isso", "isto", "esse", "essa",
    "este", "esta", "estao", "esses", "essas", "ele", "ela", "eles", "elas", "nosso", "nossa", "nossos",
    "nossas", "tem", "ha", "foi", "ser", "sao", "e", "ainda", "tambem", "so", "bem", "aqui", "agora", "ja",
    "cada", "qual", "quais", "mesmo", "depois", "antes", "eu", "me", "meu", "minha", "vamos", "vai",
))
# Words and forms only Portuguese has (folded): evidence for PT-BR against Spanish or English.
PORTUGUESE_ONLY_WORDS = frozenset((
    "voce", "voces", "seu", "sua", "seus", "suas", "nao", "ja", "um", "uma", "uns", "umas", "do", "da",
    "dos", "das", "na", "nas", "em", "ao", "aos", "pra", "pro", "com", "obrigado", "obrigada", "ola", "oi",
    "tambem", "muito", "muita", "muitos", "muitas", "ainda", "isso", "isto", "esse", "essa", "ele", "eles",
    "elas", "sao", "estao", "nosso", "nossa", "nossos", "nossas", "loja", "volte", "chegou", "chega",
    "entregue", "desculpa", "desculpe", "desculpas", "atrasou", "carrinho", "e", "os", "as", "mais", "pelo",
    "pela", "ate", "tem", "temos", "sem", "so", "lhe", "quando", "onde", "entao", "bem", "vem", "hoje",
    "amanha", "agora", "produto", "produtos", "frete", "cupom", "avalie", "avaliacao", "compre", "aproveite",
    "voltar", "saudade", "estamos", "nossa", "fique", "garanta", "confira", "finalize", "recomendamos",
))
# Words and forms only Spanish or English have (folded).
FOREIGN_ONLY_WORDS = frozenset((
    # Spanish
    "el", "los", "las", "y", "del", "con", "su", "sus", "es", "al", "lo", "pero", "muy", "hay", "hasta",
    "yo", "usted", "ustedes", "gracias", "hola", "hoy", "ahora", "tambien", "mucho", "mucha",
    "muchos", "muchas", "nuestro", "nuestra", "nuestros", "nuestras", "tienda", "envio", "descuento",
    "carrito", "retraso", "retrasado", "donde", "cuando", "vuelve", "vuelva", "extranamos", "quieres",
    "tienes", "tenemos", "nosotros", "ella", "ellos", "ellas", "esto", "eso", "productos", "producto",
    "aprovecha", "ya", "aun", "llega", "llego", "camino", "disculpa", "disculpas", "lamentamos",
    # English
    "the", "your", "you", "and", "is", "are", "order", "thanks", "thank", "sorry", "please", "we", "our",
    "with", "for", "now", "back", "cart", "late", "today",  # not "off", "delivery": PT-BR marketing uses them
))
# Rude or insulting words (folded): an insulting notification is worse than none.
INSULT_STEMS = (
    "idiot", "burr", "otari", "imbecil", "estupid", "lerd", "pao-dur", "pao dur", "mao de vaca", "mao-de-vaca",
    "vergonh", "ridicul", "trouxa", "palhac", "babaca", "problema seu", "culpa sua", "se vira", "cala a boca",
    "ninguem liga", "tanto faz", "azar o seu", "azar seu", "caloteir", "mesquinh", "preguicos",
    "e dai", "para de reclamar", "pare de reclamar", "parar de reclamar", "uma hora chega", "nao enche",
    "chato", "chata", "reclamao", "reclamona", "nao e problema nosso", "se quiser", "paciencia ai",
)
# Direction of advice (insights): a problem metric should go down, a goal metric up.
PROBLEM_METRICS = ("atras", "frete", "reclama", "cancel", "devolu", "churn", "custo", "nota baixa",
                   "notas baixas", "avaliacoes negativas", "avaliacao negativa", "insatisf", "prazo de entrega")
GOAL_METRICS = ("nota media", "satisfa", "ticket", "recompra", "reten", "fideli", "venda", "faturamento",
                "receita", "conversa", "recorren", "avaliacoes positivas")
INCREASE_STEMS = ("aument", "elev", "ampli", "subir", "suba", "maximiz", "dobr", "encarec")
DECREASE_STEMS = ("reduz", "diminu", "cort", "baix", "minimiz", "elimin", "barate", "zerar")
NEGATIONS = ("nao", "nunca", "evitar", "evite", "sem")
# Tables of commerce.db a query over the data names (a literal-only SELECT reads none).
COMMERCE_TABLES = (
    "orders", "orders_enriched", "customers", "order_items", "order_payments", "order_reviews", "products",
    "sellers", "review_facts", "geolocation", "product_category_name_translation",
)
# Verbs of business advice beyond the study's list (correctness preset: recommendations).
ADVICE_STEMS = ACTION_STEMS + (
    "reforc", "planej", "replic", "estimul", "elev", "adot", "pilot", "divulg", "incentiv", "premi",
    "descredenci", "capacit", "padroniz", "comunic", "avis", "envi", "medir", "segment", "personaliz",
    "fideliz", "integr", "contrat", "concentr", "diversific", "renov", "campanha", "programa de", "cupom",
)
# Headers that open a recommendations section: its list items are recommendations.
ADVICE_HEADERS = ("recomend", "acao", "acoes", "plano", "sugest", "proximos passos", "o que fazer", "estrateg")
# Imperatives that ask the customer to act (the study's list plus the intents' own actions).
ACTION_REQUEST_STEMS = CALL_TO_ACTION_STEMS + (
    "finaliz", "conclua", "concluir", "avalie", "avaliar", "conte", "deixe", "volte", "voltar", "use",
    "compre", "comprar", "resgat", "aproveite", "clica", "toca", "entre", "acompanhe", "responda", "de uma olhada",
)
