"""Brazilian Portuguese formatting of numbers, periods and labels, and prompt normalisation."""
import re
import unicodedata

MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
          "outubro", "novembro", "dezembro")

CATEGORY_LABELS = {
    "cama_mesa_banho": "cama, mesa e banho", "beleza_saude": "beleza e saúde",
    "esporte_lazer": "esporte e lazer", "moveis_decoracao": "móveis e decoração",
    "informatica_acessorios": "informática e acessórios", "utilidades_domesticas": "utilidades domésticas",
    "relogios_presentes": "relógios e presentes", "telefonia": "telefonia",
    "ferramentas_jardim": "ferramentas de jardim", "automotivo": "automotivo", "brinquedos": "brinquedos",
    "cool_stuff": "cool stuff", "perfumaria": "perfumaria", "bebes": "bebês", "eletronicos": "eletrônicos",
    "papelaria": "papelaria", "fashion_bolsas_e_acessorios": "bolsas e acessórios",
    "pet_shop": "pet shop", "moveis_escritorio": "móveis de escritório",
    "consoles_games": "consoles e games", "malas_acessorios": "malas e acessórios",
    "construcao_ferramentas_construcao": "ferramentas de construção",
    "eletrodomesticos": "eletrodomésticos", "instrumentos_musicais": "instrumentos musicais",
    "eletroportateis": "eletroportáteis", "casa_construcao": "casa e construção",
    "livros_interesse_geral": "livros de interesse geral", "alimentos": "alimentos",
    "moveis_sala": "móveis de sala", "casa_conforto": "casa e conforto", "bebidas": "bebidas",
    "audio": "áudio", "market_place": "marketplace",
    "construcao_ferramentas_iluminacao": "iluminação", "climatizacao": "climatização",
    "alimentos_bebidas": "alimentos e bebidas", "livros_tecnicos": "livros técnicos",
    "fashion_calcados": "calçados", "eletrodomesticos_2": "eletrodomésticos (linha branca)",
    "pcs": "computadores", "artes": "artes", "artigos_de_natal": "artigos de Natal",
}


def fmt_int(value) -> str:
    return f"{int(round(value)):,}".replace(",", ".")


def fmt_dec(value, digits: int = 2) -> str:
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_money(value) -> str:
    return f"R$ {fmt_dec(value, 2)}"


def fmt_pct(value, digits: int = 1) -> str:
    """``value`` is already a percentage (12.3 → "12,3%")."""
    return f"{fmt_dec(value, digits)}%"


def category_label(name: str | None) -> str:
    if name is None:
        return "sem categoria"
    return CATEGORY_LABELS.get(name, name.replace("_", " "))


def normalize_text(text: str) -> str:
    """Lower-case, accent-free, punctuation-free, single-spaced: the key for prompt overlap checks."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


PAYMENT_LABELS = {"credit_card": "cartão de crédito", "boleto": "boleto", "voucher": "voucher",
                  "debit_card": "cartão de débito"}


def month_name(month: str) -> str:
    """"2018-03" → "março de 2018"."""
    return f"{MONTHS[int(month[5:7]) - 1]} de {month[:4]}"
