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
    "voce e chat", "cliente chat", "seu chat", "reclamao", "reclamona", "nao e problema nosso", "paciencia ai",
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
    # as people write pushes
    "bora", "deixa", "da uma", "de uma", "conta", "conta com a gente", "fala com", "fale com", "chama", "fecha",
    "feche", "complet", "termin", "passa", "passe", "vem", "venha", "volta", "pega", "pegue", "leva", "leve",
    "manda", "mande", "diz", "diga", "comenta", "comente", "escreve", "escreva", "que tal",
)
# Push (correctness preset): doing an intent takes a word of its subject *and* one of its act
# ("atraso" alone states a delay, "desculpa" alone apologises for nothing); a question mark is an
# act too ("Curtiu seu pedido? Conta pra gente"). Written the way people write pushes ("foi mal
# pela espera", "resenha", "fechar a compra", "tá sumido").
PUSH_INTENT_SUBJECT_STEMS = {
    "delay_apology": ("atras", "demor", "pela espera", "a espera", "da espera", "sua espera", "esperar", "prazo", "chegou depois", "chegou tarde", "veio depois",
                      "mais tempo", "tempo a mais"),
    "review_request": ("avali", "opini", "nota", "estrel", "resenha", "feedback", "comentari", "coment", "review",
                       "depoiment", "o que achou", "o que voce achou", "que achou", "como foi", "experiencia",
                       "curtiu", "gostou", "impress"),
    "reengagement": ("saudade", "sumid", "sumiu", "sua falta", "faz tempo", "quanto tempo", "cade voce", "volt",
                     "de volta", "retorn", "reencontr", "aparec", "novidade"),
    "cart_reminder": ("carrinho", "esquec", "deixou", "ficou pra tras", "ficou para tras", "te esperando",
                      "esperando por voce", "esperando voce", "sacola", "separamos", "guardamos"),
}
PUSH_INTENT_ACT_STEMS = {
    "delay_apology": ("desculp", "perdao", "perdoa", "perdoe", "foi mal", "sentimos muito", "sinto muito", "sente muito",
                      "sentimos pelo", "lamentamos", "lamento", "lamenta", "pisamos na bola", "mil perdoes"),
    "review_request": ("avalie", "avaliar", "avalia", "conta", "conte", "diga", "diz", "deixe", "deixa", "de sua",
                       "da sua", "de uma", "da uma", "compartilh", "comenta", "comente", "escreva", "escreve",
                       "manda", "mande", "que tal", "queremos saber", "adorariamos"),
    "reengagement": ("volt", "retorn", "aparec", "vem", "venha", "bora", "passa", "passe", "confira", "aproveit",
                     "use", "usa", "resgat", "que tal", "de uma olhada", "da uma olhada", "cupom", "desconto", "off"),
    "cart_reminder": ("finaliz", "conclu", "fecha", "feche", "complet", "termin", "garant", "compre", "comprar",
                      "leve", "levar", "volte", "aproveit", "que tal", "ainda", "continua", "lembr", "nao perca",
                      "pegue", "corre"),
}
# Offers a push may only make when its prompt makes them (a concept's words, folded).
OFFER_CONCEPTS = {
    "discount": ("desconto", "off", "cupom", "voucher", "codigo promocional", "abatimento", "preco especial",
                 "mais barato", "promo", "liquida"),
    "free_shipping": ("frete gratis", "frete gratuito", "entrega gratis", "entrega gratuita", "frete zero",
                      "sem frete", "frete free", "gratis", "de graca", "por nossa conta"),
    "gift": ("brinde", "presente gratis", "mimo", "sorteio", "premio", "premios", "concorra", "concorrer"),
    "price_drop": ("baixou", "baixou de preco", "preco caiu", "preco menor", "caiu de preco", "mais em conta"),
    "cashback": ("cashback", "dinheiro de volta", "pontos em dobro", "ganhe pontos", "acumule pontos"),
    "refund": ("reembolso", "reembolsar", "reembolsamos", "estorno", "estornar", "estornamos", "devolvemos o valor",
               "vale compra", "vale-compra", "credito na loja"),
    "installments": ("sem juros", "parcela", "parcelado", "parcelamento"),
}
# Deadlines, stock, dates, delivery promises and excuses a push invents (no prompt gives them).
PUSH_INVENTED_CLAIMS = (
    "so hoje", "somente hoje", "apenas hoje", "ate hoje", "hoje so", "ate amanha", "amanha", "ate o fim",
    "ate domingo", "ate segunda", "ate sexta", "ate meia-noite", "ate meia noite", "segunda-feira", "terca-feira",
    "quarta-feira", "quinta-feira", "sexta-feira", "sabado", "domingo", "fim de semana", "final de semana",
    "esta semana", "nesta semana", "ultimas unidades", "ultimas pecas", "ultimo dia", "ultimas horas",
    "estoque limitado", "estoque acabando", "estoque baixo", "poucas unidades", "restam", "por tempo limitado",
    "tempo limitado", "relampago", "black friday", "expira em", "expira hoje", "valido ate", "valida ate", "vence em",
    "vence hoje", "natal", "dia das maes", "dia dos pais", "chega hoje", "chegara hoje", "entrega hoje",
    "entregue hoje", "hoje mesmo", "entrega expressa", "frete expresso", "entrega rapida",
    "greve", "chuva", "chuvas", "enchente", "alta demanda", "feriado", "pandemia", "culpa da transportadora",
    "culpa dos correios", "problema na transportadora", "problema com a transportadora", "problemas logisticos",
)
# Hedges: a push that is not sure of its own facts ("se houve algum atraso").
HEDGE_STEMS = (
    "talvez", "possivelmente", "provavelmente", "pode ser que", "nao sabemos se", "nao temos certeza",
    "se e que", "ou nao", "se for o caso", "se aplicavel", "eventual", "eventuais", "acho que", "parece que",
)
# Brazilian states: two-letter code → name (folded), so "BA" and "Bahia" name the same fact.
STATE_NAMES = {
    "AC": "acre", "AL": "alagoas", "AP": "amapa", "AM": "amazonas", "BA": "bahia", "CE": "ceara",
    "DF": "distrito federal", "ES": "espirito santo", "GO": "goias", "MA": "maranhao", "MT": "mato grosso",
    "MS": "mato grosso do sul", "MG": "minas gerais", "PA": "para", "PB": "paraiba", "PR": "parana",
    "PE": "pernambuco", "PI": "piaui", "RJ": "rio de janeiro", "RN": "rio grande do norte",
    "RS": "rio grande do sul", "RO": "rondonia", "RR": "roraima", "SC": "santa catarina", "SP": "sao paulo",
    "SE": "sergipe", "TO": "tocantins",
}
