"""commerce.db → clean PT-BR product listings (deterministic: one product, one text).

Olist products have no names or descriptions (only their lengths), so the title is a noun for the
category and a size word, and the description is one of three sentences written here around the
listing's own facts. The description repeats every field value on purpose: it is the evidence a
repair reads (a dropped ``## Vendedor`` section, a swapped weight, a price in US format can all
be put right from it), so every corruption has one right answer.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

from commerce_grpo.data.ptbr import category_label, fmt_dec, fmt_money

from .listing import FIELDS, Listing, valid_value

# One product per row: its main seller (most items sold, then the smallest id) and the mean
# price and freight of that seller's items. Only products whose facts are all known.
PRODUCTS = """
WITH sales AS (
    SELECT product_id, seller_id, COUNT(*) AS n, CAST(ROUND(AVG(price), 2) AS DOUBLE) AS price,
           CAST(ROUND(AVG(freight_value), 2) AS DOUBLE) AS freight
    FROM order_items GROUP BY product_id, seller_id
), main AS (
    SELECT *, row_number() OVER (PARTITION BY product_id ORDER BY n DESC, seller_id) AS rn FROM sales
)
SELECT m.product_id, m.seller_id, p.product_category_name AS category, p.product_weight_g AS weight_g,
       p.product_length_cm AS length_cm, p.product_width_cm AS width_cm, p.product_height_cm AS height_cm,
       m.price, m.freight, s.seller_city AS city, s.seller_state AS state
FROM main m JOIN products p USING (product_id) JOIN sellers s USING (seller_id)
WHERE m.rn = 1 AND p.product_category_name IS NOT NULL AND p.product_weight_g IS NOT NULL
  AND p.product_length_cm IS NOT NULL AND p.product_width_cm IS NOT NULL AND p.product_height_cm IS NOT NULL
  AND m.price IS NOT NULL AND m.freight IS NOT NULL AND s.seller_city IS NOT NULL AND s.seller_state IS NOT NULL
ORDER BY m.product_id
"""

# What a listing of the category is called (noun, grammatical gender); others: "Produto".
NOUNS = {
    "cama_mesa_banho": ("Jogo de cama", "m"), "beleza_saude": ("Kit de cuidados", "m"),
    "esporte_lazer": ("Acessório esportivo", "m"), "informatica_acessorios": ("Acessório de informática", "m"),
    "moveis_decoracao": ("Peça decorativa", "f"), "utilidades_domesticas": ("Utensílio doméstico", "m"),
    "relogios_presentes": ("Relógio", "m"), "ferramentas_jardim": ("Ferramenta de jardim", "f"),
    "telefonia": ("Capa para celular", "f"), "cool_stuff": ("Item criativo", "m"),
    "automotivo": ("Acessório automotivo", "m"), "brinquedos": ("Brinquedo educativo", "m"),
    "perfumaria": ("Perfume", "m"), "papelaria": ("Caderno", "m"), "bebes": ("Kit para bebê", "m"),
    "eletronicos": ("Aparelho eletrônico", "m"), "fashion_bolsas_e_acessorios": ("Bolsa", "f"),
    "pet_shop": ("Caminha para pet", "f"), "malas_acessorios": ("Mala de viagem", "f"),
    "moveis_escritorio": ("Cadeira de escritório", "f"), "consoles_games": ("Controle de videogame", "m"),
    "eletrodomesticos": ("Eletrodoméstico", "m"), "instrumentos_musicais": ("Instrumento musical", "m"),
    "alimentos": ("Cesta de alimentos", "f"), "bebidas": ("Kit de bebidas", "m"),
    "audio": ("Fone de ouvido", "m"), "livros_interesse_geral": ("Livro", "m"),
}
DEFAULT_NOUN = ("Produto", "m")
# Size word by package volume (cm³): under 2 L compact, under 15 L medium, else large.
SIZES = ((2_000, {"m": "compacto", "f": "compacta"}), (15_000, {"m": "médio", "f": "média"}),
         (float("inf"), {"m": "grande", "f": "grande"}))
DESCRIPTIONS = (
    "{Nome} da categoria {categoria}. A embalagem pesa {peso} e mede {dimensoes}. Sai por {valor}, "
    "com frete médio de {frete}, e é enviado por um vendedor de {cidade} ({uf}).",
    "Produto da linha {categoria}: {nome}. Com {peso} e medidas de {dimensoes}, custa {valor} "
    "(frete médio: {frete}). Despachado a partir de {cidade}, {uf}, logo após a confirmação.",
    "Você encontra aqui {nome}, da categoria {categoria}. São {peso} em uma caixa de {dimensoes}. "
    "Preço de {valor}, além do frete médio de {frete}. A loja fica em {cidade}/{uf}.",
)
_SMALL_WORDS = {"de", "da", "do", "das", "dos", "e"}


@dataclass(frozen=True)
class Product:
    """The facts of one listing, as commerce.db holds them."""

    product_id: str
    seller_id: str
    category: str
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int
    price: float
    freight: float
    city: str
    state: str


def products(con) -> list[Product]:
    cursor = con.execute(PRODUCTS)
    names = [d[0] for d in cursor.description]
    return [Product(**dict(zip(names, row))) for row in cursor.fetchall()]


def weight(grams: int) -> str:
    """850 → "850 g"; 1200 → "1,2 kg"; 27613 → "27,613 kg"."""
    grams = int(grams)
    if grams < 1000:
        return f"{grams} g"
    return f"{fmt_dec(grams / 1000, 3).rstrip('0').rstrip(',')} kg"


def city_name(city: str) -> str:
    """Olist's lower-case city as a title ("sao jose dos pinhais" → "Sao Jose dos Pinhais")."""
    words = city.strip().split()
    return " ".join(w if w in _SMALL_WORDS and i else w[:1].upper() + w[1:] for i, w in enumerate(words))


def render(product: Product) -> Listing:
    noun, gender = NOUNS.get(product.category, DEFAULT_NOUN)
    volume = product.length_cm * product.width_cm * product.height_cm
    size = next(words[gender] for limit, words in SIZES if volume < limit)
    title = f"{noun} {size}"
    facts = {
        "categoria": category_label(product.category),
        "peso": weight(product.weight_g),
        "dimensoes": f"{int(product.length_cm)} x {int(product.width_cm)} x {int(product.height_cm)} cm",
        "valor": fmt_money(product.price),
        "frete": fmt_money(product.freight),
        "cidade": city_name(product.city),
        "uf": product.state.strip().upper(),
    }
    template = DESCRIPTIONS[zlib.crc32(product.product_id.encode()) % len(DESCRIPTIONS)]
    description = template.format(Nome=title, nome=title[:1].lower() + title[1:], **facts)
    values = {"Categoria": facts["categoria"], "Peso": facts["peso"], "Dimensões": facts["dimensoes"],
              "Valor": facts["valor"], "Frete médio": facts["frete"], "Cidade": facts["cidade"], "Estado": facts["uf"]}
    fields = {section: {k: values[k] for k in keys} for section, keys in FIELDS.items()}
    return Listing(title=title, description=description, fields=fields)


def renderable(listing: Listing) -> bool:
    """Whether every field value fits the format (Olist has cities with digits or stray marks)."""
    return all(valid_value(k, v) for section in listing.fields.values() for k, v in section.items())
