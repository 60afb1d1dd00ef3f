"""commerce.db: schema, the orders_enriched view, atomic writes, and Olist's marginals."""
import duckdb
import pytest

from commerce_grpo.data import db as db_module
from commerce_grpo.data import marginals
from commerce_grpo.data.db import build_commerce_db
from commerce_grpo.data.schema import OLIST_TABLES, REVIEW_FACTS
from data.data_fixtures import columns_of


def test_tables_have_olist_columns_and_types(small_db):
    found = columns_of(small_db)
    for table, (_, columns) in OLIST_TABLES.items():
        assert [(c, t) for tab, c, t in found if tab == table] == columns
    assert [(c, t) for tab, c, t in found if tab == "review_facts"] == REVIEW_FACTS
    assert ("products", "product_name_lenght", "INTEGER") in found


def test_orders_enriched_is_one_row_per_order_without_double_counting(small_db):
    with duckdb.connect(str(small_db), read_only=True) as con:
        rows, orders = con.execute("SELECT COUNT(*), COUNT(DISTINCT order_id) FROM orders_enriched").fetchone()
        assert rows == orders == con.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
        # An order with several items and several payments must still total its payments once.
        mismatches = con.execute("""
            SELECT COUNT(*) FROM orders_enriched e
            JOIN (SELECT order_id, SUM(payment_value) AS paid FROM order_payments GROUP BY 1) p USING (order_id)
            WHERE e.total_paid <> p.paid""").fetchone()[0]
        assert mismatches == 0
        # Payments cover items plus freight, to the cent.
        assert con.execute("""
            SELECT COUNT(*) FROM orders_enriched WHERE abs(total_paid - items_value - freight_value) > 0.011
        """).fetchone()[0] == 0
        late = con.execute("SELECT COUNT(*) FROM orders_enriched WHERE days_late > 0").fetchone()[0]
        assert late > 0


def test_same_seed_same_content_other_seed_differs(tmp_path):
    def content(seed, name):
        path = tmp_path / name
        build_commerce_db(path, source="synthetic", olist_dir="-", orders=300, seed=seed)
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("SELECT * FROM orders_enriched ORDER BY order_id").fetchall()
    assert content(1, "a.db") == content(1, "b.db")
    assert content(1, "a.db") != content(2, "c.db")


def test_failed_build_leaves_nothing_behind(tmp_path, monkeypatch):
    def explode(orders, seed):
        raise RuntimeError("generator failed")
    monkeypatch.setattr(db_module.synthetic, "generate", explode)
    target = tmp_path / "data" / "commerce.db"
    with pytest.raises(RuntimeError, match="generator failed"):
        build_commerce_db(target, source="synthetic", olist_dir="-", orders=300, seed=1)
    assert list(target.parent.iterdir()) == []


def test_unresolved_source_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="'auto'"):
        build_commerce_db(tmp_path / "x.db", source="auto", olist_dir="-", orders=300, seed=1)


@pytest.fixture(scope="module")
def olist_scale_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("big") / "commerce.db"
    build_commerce_db(db, source="synthetic", olist_dir="-", orders=100_000, seed=7)
    return db


def test_marginals_at_olist_scale_within_two_points(olist_scale_db):
    with duckdb.connect(str(olist_scale_db), read_only=True) as con:
        def share(sql):
            return dict(con.execute(f"SELECT k, 100.0 * COUNT(*) / SUM(COUNT(*)) OVER () FROM ({sql}) GROUP BY k").fetchall())
        scores = share("SELECT review_score AS k FROM order_reviews")
        for score, target in marginals.REVIEW_SCORES.items():
            assert abs(scores[score] - 100 * target) <= 2, (score, scores[score])
        comments = share("SELECT review_comment_message IS NOT NULL AS k FROM order_reviews")
        assert abs(comments[True] - 41) <= 2
        states = share("SELECT customer_state AS k FROM customers")
        assert abs(states["SP"] - 42) <= 2
        assert set(states) == set(marginals.CUSTOMER_STATES)
        payments = share("SELECT payment_type AS k FROM order_payments")
        assert set(payments) == {"credit_card", "boleto", "voucher", "debit_card"}
        assert abs(payments["credit_card"] - 73.9) <= 2 and abs(payments["boleto"] - 19.0) <= 2
        assert con.execute("SELECT MAX(payment_installments) FROM order_payments").fetchone()[0] >= 10
        first, last = con.execute("SELECT MIN(purchase_date), MAX(purchase_date) FROM orders_enriched").fetchone()
        assert str(first) >= "2016-09-01" and str(last) <= "2018-10-31"
        categories = {r[0] for r in con.execute("SELECT DISTINCT product_category_name FROM products").fetchall()}
        assert {"cama_mesa_banho", "beleza_saude", "esporte_lazer"} <= categories
        multi = con.execute("""
            SELECT COUNT(*) FROM orders_enriched
            WHERE item_count > 1 AND order_id IN (SELECT order_id FROM order_payments GROUP BY 1 HAVING COUNT(*) > 1)
        """).fetchone()[0]
        assert multi > 100  # orders the view's pre-aggregation protects from double counting
        late_score, on_time_score = con.execute("""
            SELECT AVG(review_score) FILTER (WHERE days_late > 0), AVG(review_score) FILTER (WHERE days_late <= 0)
            FROM orders_enriched WHERE order_status = 'delivered'""").fetchone()
        assert late_score < on_time_score - 1.0  # delivery delays drive low scores
