"""commerce.db's tables (Olist's names, columns and explicit types) and the ``orders_enriched`` view.

Both sources (Olist CSVs and the synthetic generator) create exactly these tables, so every
later stage sees one schema. Column names keep Olist's spelling, ``product_name_lenght``
included, so SQL written against the public dataset runs here unchanged.
"""

# table → (Olist CSV file, [(column, DuckDB type), ...])
OLIST_TABLES = {
    "customers": ("olist_customers_dataset.csv", [
        ("customer_id", "VARCHAR"),
        ("customer_unique_id", "VARCHAR"),
        ("customer_zip_code_prefix", "VARCHAR"),
        ("customer_city", "VARCHAR"),
        ("customer_state", "VARCHAR"),
    ]),
    "geolocation": ("olist_geolocation_dataset.csv", [
        ("geolocation_zip_code_prefix", "VARCHAR"),
        ("geolocation_lat", "DOUBLE"),
        ("geolocation_lng", "DOUBLE"),
        ("geolocation_city", "VARCHAR"),
        ("geolocation_state", "VARCHAR"),
    ]),
    "order_items": ("olist_order_items_dataset.csv", [
        ("order_id", "VARCHAR"),
        ("order_item_id", "INTEGER"),
        ("product_id", "VARCHAR"),
        ("seller_id", "VARCHAR"),
        ("shipping_limit_date", "TIMESTAMP"),
        ("price", "DECIMAL(10,2)"),
        ("freight_value", "DECIMAL(10,2)"),
    ]),
    "order_payments": ("olist_order_payments_dataset.csv", [
        ("order_id", "VARCHAR"),
        ("payment_sequential", "INTEGER"),
        ("payment_type", "VARCHAR"),
        ("payment_installments", "INTEGER"),
        ("payment_value", "DECIMAL(10,2)"),
    ]),
    "order_reviews": ("olist_order_reviews_dataset.csv", [
        ("review_id", "VARCHAR"),
        ("order_id", "VARCHAR"),
        ("review_score", "INTEGER"),
        ("review_comment_title", "VARCHAR"),
        ("review_comment_message", "VARCHAR"),
        ("review_creation_date", "TIMESTAMP"),
        ("review_answer_timestamp", "TIMESTAMP"),
    ]),
    "orders": ("olist_orders_dataset.csv", [
        ("order_id", "VARCHAR"),
        ("customer_id", "VARCHAR"),
        ("order_status", "VARCHAR"),
        ("order_purchase_timestamp", "TIMESTAMP"),
        ("order_approved_at", "TIMESTAMP"),
        ("order_delivered_carrier_date", "TIMESTAMP"),
        ("order_delivered_customer_date", "TIMESTAMP"),
        ("order_estimated_delivery_date", "TIMESTAMP"),
    ]),
    "products": ("olist_products_dataset.csv", [
        ("product_id", "VARCHAR"),
        ("product_category_name", "VARCHAR"),
        ("product_name_lenght", "INTEGER"),
        ("product_description_lenght", "INTEGER"),
        ("product_photos_qty", "INTEGER"),
        ("product_weight_g", "INTEGER"),
        ("product_length_cm", "INTEGER"),
        ("product_height_cm", "INTEGER"),
        ("product_width_cm", "INTEGER"),
    ]),
    "sellers": ("olist_sellers_dataset.csv", [
        ("seller_id", "VARCHAR"),
        ("seller_zip_code_prefix", "VARCHAR"),
        ("seller_city", "VARCHAR"),
        ("seller_state", "VARCHAR"),
    ]),
    "category_translation": ("product_category_name_translation.csv", [
        ("product_category_name", "VARCHAR"),
        ("product_category_name_english", "VARCHAR"),
    ]),
}

# The facts behind each review: drawn by the synthetic generator (they shape its text), derived
# from score and text by keyword heuristics in Olist mode. Extraction gold labels come from here.
REVIEW_FACTS = [
    ("review_id", "VARCHAR"),
    ("order_id", "VARCHAR"),
    ("delivery_issue", "BOOLEAN"),
    ("product_quality_issue", "BOOLEAN"),
    ("wrong_or_missing_item", "BOOLEAN"),
    ("seller_service_issue", "BOOLEAN"),
    ("price_issue", "BOOLEAN"),
    ("complaint_category", "VARCHAR"),
    ("would_recommend", "BOOLEAN"),
    ("churn_risk", "DOUBLE"),
    ("origin", "VARCHAR"),
]

# One row per order. Payments and items are aggregated in their own CTEs before the join, so an
# order with three items and two payments is not counted six times (a classic Olist mistake).
# Olist has a few orders with several reviews: the latest one stands for the order.
ORDERS_ENRICHED = """
CREATE OR REPLACE VIEW orders_enriched AS
WITH pay AS (
    SELECT order_id,
           SUM(payment_value) AS total_paid,
           arg_max(payment_type, (payment_value, payment_sequential)) AS payment_type,
           MAX(payment_installments) AS payment_installments,
           COUNT(*) AS payment_count
    FROM order_payments GROUP BY order_id
), items AS (
    SELECT oi.order_id,
           COUNT(*) AS item_count,
           SUM(oi.price) AS items_value,
           SUM(oi.freight_value) AS freight_value,
           arg_min(p.product_category_name, oi.order_item_id) AS product_category,
           arg_min(oi.product_id, oi.order_item_id) AS product_id,
           arg_min(oi.seller_id, oi.order_item_id) AS seller_id
    FROM order_items oi LEFT JOIN products p USING (product_id)
    GROUP BY oi.order_id
), rev AS (
    SELECT order_id,
           arg_max(review_id, (review_creation_date, review_answer_timestamp, review_id)) AS review_id,
           arg_max(review_score, (review_creation_date, review_answer_timestamp, review_id)) AS review_score,
           arg_max(review_comment_message, (review_creation_date, review_answer_timestamp, review_id))
               AS review_comment_message
    FROM order_reviews GROUP BY order_id
)
SELECT o.order_id,
       o.customer_id,
       c.customer_unique_id,
       c.customer_state,
       c.customer_city,
       o.order_status,
       items.product_category,
       t.product_category_name_english AS product_category_english,
       items.product_id,
       items.seller_id,
       s.seller_state,
       COALESCE(items.item_count, 0) AS item_count,
       items.items_value,
       items.freight_value,
       pay.total_paid,
       pay.payment_type,
       pay.payment_installments,
       o.order_purchase_timestamp AS purchase_timestamp,
       CAST(o.order_purchase_timestamp AS DATE) AS purchase_date,
       o.order_delivered_customer_date AS delivered_date,
       o.order_estimated_delivery_date AS estimated_delivery_date,
       date_diff('day', o.order_purchase_timestamp, o.order_delivered_customer_date) AS delivery_days,
       -- days between the estimate and the delivery: positive = late, negative = early
       date_diff('day', CAST(o.order_estimated_delivery_date AS DATE),
                 CAST(o.order_delivered_customer_date AS DATE)) AS days_late,
       rev.review_id,
       rev.review_score,
       rev.review_comment_message
FROM orders o
LEFT JOIN customers c USING (customer_id)
LEFT JOIN items USING (order_id)
LEFT JOIN pay USING (order_id)
LEFT JOIN rev USING (order_id)
LEFT JOIN sellers s ON s.seller_id = items.seller_id
LEFT JOIN category_translation t ON t.product_category_name = items.product_category
"""


def create_tables(con) -> None:
    """Create the nine Olist tables and ``review_facts``, empty, with their explicit types."""
    for table, (_, columns) in OLIST_TABLES.items():
        con.execute(f"CREATE TABLE {table} ({_column_list(columns)})")
    con.execute(f"CREATE TABLE review_facts ({_column_list(REVIEW_FACTS)})")


def create_views(con) -> None:
    con.execute(ORDERS_ENRICHED)


def _column_list(columns) -> str:
    return ", ".join(f"{name} {dtype}" for name, dtype in columns)
