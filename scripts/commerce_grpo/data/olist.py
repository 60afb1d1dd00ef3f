"""Import the public Olist CSVs (data/raw/olist/) into commerce.db, and derive review facts.

Every column is read as text and cast explicitly to the schema's type, so a malformed value
fails with the file named instead of being guessed. Olist has no labels for the extraction
fields: ``review_facts`` is derived from each review's score and keyword heuristics on its text
(documented in the README; the synthetic generator knows its facts instead).
"""
import csv
import logging
from pathlib import Path

import duckdb

from .reviews import CHURN_BASE
from .schema import OLIST_TABLES

log = logging.getLogger(__name__)

# Keyword heuristics on the lower-cased, accent-free comment (title + message).
DELIVERY_PATTERN = (r"atras|demor|nao (chegou|recebi|foi entregue|entreg)|ainda nao (chegou|recebi)"
                    r"|extravi|passou do prazo|nada de entreg|rastreio|transportadora|correios")
QUALITY_PATTERN = (r"defeit|quebr|falsific|fragil|mal acabad|nao funciona|parou de funcionar"
                   r"|riscad|descasc|qualidade (ruim|pessima|baixa|inferior)|material (fraco|ruim)")
WRONG_ITEM_PATTERN = (r"errad|faltou|faltando|faltam|incomplet|veio (outro|so um|so uma|diferente)"
                      r"|cor diferente|tamanho diferente|modelo diferente|nao veio")
SELLER_PATTERN = (r"vendedor|atendimento|nao respond|sem resposta|ninguem (resolve|respond)"
                  r"|reclama|troca|cancelament|lojista")
PRICE_PATTERN = r"caro|preco (alto|abusivo)|nao compensa|frete (caro|alto)|mais barato"
NOT_RECOMMEND_PATTERN = r"nao (recomendo|indico|comprem)|nunca mais"
RECOMMEND_PATTERN = r"recomendo|indico|comprarei novamente|voltarei a comprar|vale a pena"


def import_olist(con: duckdb.DuckDBPyConnection, olist_dir: str | Path) -> None:
    """Load the nine Olist CSVs into the (already created) tables, then fill review_facts."""
    olist_dir = Path(olist_dir)
    for table, (filename, columns) in OLIST_TABLES.items():
        path = olist_dir / filename
        if not path.is_file():
            raise FileNotFoundError(f"Olist CSV missing: {path} (needed for table {table!r})")
        header = read_header(path)
        missing = [name for name, _ in columns if name not in header]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)} (found: {', '.join(header)})")
        select = ", ".join(_cast(name, dtype) for name, dtype in columns)
        try:
            con.execute(
                f"INSERT INTO {table} SELECT {select} FROM read_csv(?, header = true, all_varchar = true, "
                "names = ?, quote = '\"', escape = '\"')", [str(path), header])
        except duckdb.Error as error:
            raise ValueError(f"{path}: cannot load into table {table!r}: {error}") from error
        rows = con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        log.info("olist: %s ← %s (%d rows)", table, filename, rows)
    derive_review_facts(con)


def read_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise ValueError(f"{path}: empty file, expected a CSV header")
    return [name.strip() for name in header]


def _cast(name: str, dtype: str) -> str:
    value = f"NULLIF(TRIM({name}), '')"
    if name.endswith("zip_code_prefix"):
        return f"lpad({value}, 5, '0') AS {name}"
    if dtype == "VARCHAR":
        return f"NULLIF({name}, '') AS {name}"
    if dtype == "INTEGER":
        # Olist writes some integer columns as floats ("40.0") once pandas has touched them.
        return f"CAST(CAST({value} AS DOUBLE) AS INTEGER) AS {name}"
    return f"CAST({value} AS {dtype}) AS {name}"


def derive_review_facts(con: duckdb.DuckDBPyConnection) -> None:
    """review_facts from score + keyword heuristics (Olist mode only)."""
    churn_base = " ".join(f"WHEN {score} THEN {base}" for score, base in CHURN_BASE.items())
    con.execute(f"""
        INSERT INTO review_facts
        WITH r AS (
            SELECT review_id, order_id, review_score AS s,
                   lower(strip_accents(COALESCE(review_comment_title, '') || ' '
                                       || COALESCE(review_comment_message, ''))) AS t
            FROM order_reviews
        ), flags AS (
            SELECT *,
                   s <= 4 AND regexp_matches(t, '{DELIVERY_PATTERN}') AS delivery_issue,
                   s <= 3 AND regexp_matches(t, '{QUALITY_PATTERN}') AS product_quality_issue,
                   s <= 3 AND regexp_matches(t, '{WRONG_ITEM_PATTERN}') AS wrong_or_missing_item,
                   s <= 3 AND regexp_matches(t, '{SELLER_PATTERN}') AS seller_service_issue,
                   s <= 4 AND regexp_matches(t, '{PRICE_PATTERN}') AS price_issue,
                   CASE WHEN regexp_matches(t, '{NOT_RECOMMEND_PATTERN}') THEN false
                        WHEN regexp_matches(t, '{RECOMMEND_PATTERN}') THEN true
                        ELSE s >= 4 END AS would_recommend
            FROM r
        )
        SELECT review_id, order_id, delivery_issue, product_quality_issue, wrong_or_missing_item,
               seller_service_issue, price_issue,
               CASE WHEN delivery_issue THEN 'entrega'
                    WHEN wrong_or_missing_item THEN 'item_errado'
                    WHEN product_quality_issue THEN 'qualidade'
                    WHEN seller_service_issue THEN 'atendimento'
                    WHEN price_issue THEN 'preco'
                    WHEN s <= 3 AND length(trim(t)) > 0 THEN 'outro'
                    ELSE 'nenhuma' END AS complaint_category,
               would_recommend,
               ROUND(LEAST(0.98, GREATEST(0.02, (CASE s {churn_base} ELSE 0.5 END)
                   + 0.1 * CAST(NOT would_recommend AS INTEGER)
                   + 0.05 * (CAST(delivery_issue AS INTEGER) + CAST(product_quality_issue AS INTEGER)
                             + CAST(wrong_or_missing_item AS INTEGER) + CAST(seller_service_issue AS INTEGER)
                             + CAST(price_issue AS INTEGER)))), 2) AS churn_risk,
               'heuristic' AS origin
        FROM flags
    """)
