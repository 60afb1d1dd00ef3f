"""Olist mode: the nine CSVs import into the same tables and view as synthetic mode."""
import csv
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from commerce_grpo.data.db import build_commerce_db
from commerce_grpo.data.labeller import label_review
from commerce_grpo.data.pairs import build_pairs, read_stats
from commerce_grpo.data.schema import OLIST_TABLES
from data.data_fixtures import SMALL_TASKS, columns_of, pair_outputs, per_task

ROOT = Path(__file__).resolve().parents[2]
LABELLER = yaml.safe_load((ROOT / "config/config.yaml").read_text(encoding="utf-8"))["data"]["labeller"]


@pytest.fixture(scope="module")
def olist_db(olist_dir, tmp_path_factory):
    db = tmp_path_factory.mktemp("olist_db") / "commerce.db"
    build_commerce_db(db, source="olist", olist_dir=olist_dir, orders=0, seed=0, labeller=LABELLER)
    return db


def test_fixture_builds_same_tables_and_view_as_synthetic(olist_db, small_db):
    assert columns_of(olist_db) == columns_of(small_db)
    with duckdb.connect(str(olist_db), read_only=True) as con:
        views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    assert views == [("orders_enriched",)]


def test_fixture_round_trips_every_row(olist_db, small_db):
    with duckdb.connect(str(olist_db), read_only=True) as olist, duckdb.connect(str(small_db), read_only=True) as synth:
        for table in OLIST_TABLES:
            assert olist.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == synth.execute(
                f"SELECT COUNT(*) FROM {table}").fetchone(), table
        query = "SELECT order_id, total_paid, item_count, days_late, review_score FROM orders_enriched ORDER BY order_id"
        assert olist.execute(query).fetchall() == synth.execute(query).fetchall()
        # zip prefixes lost their leading zero in the CSV and get it back
        assert olist.execute("SELECT MIN(length(customer_zip_code_prefix)) FROM customers").fetchone()[0] == 5
        # multi-line quoted comments survive
        assert olist.execute("SELECT COUNT(*) FROM order_reviews WHERE review_comment_message LIKE '%\n%'").fetchone()[0] > 0


def test_review_facts_are_heuristic_and_agree_with_the_generator(olist_db, small_db):
    """The Olist-mode labeller, run on the synthetic comments, recovers the generator's facts:
    the text says what the latent facts say."""
    fields = ("delivery_issue", "product_quality_issue", "wrong_or_missing_item", "seller_service_issue",
              "price_issue", "complaint_category", "would_recommend")
    with duckdb.connect(str(olist_db), read_only=True) as con:
        con.execute(f"ATTACH '{small_db}' AS synth (READ_ONLY)")
        assert con.execute("SELECT DISTINCT origin FROM review_facts").fetchall() == [("heuristic",)]
        for field in fields:
            agreement = con.execute(f"""
                SELECT AVG(CAST(h.{field} = s.{field} AS INTEGER))
                FROM review_facts h JOIN synth.review_facts s USING (review_id, order_id)
                JOIN order_reviews r USING (review_id, order_id)
                WHERE r.review_comment_message IS NOT NULL""").fetchone()[0]
            assert agreement >= 0.98, (field, agreement)


def test_olist_labels_rest_on_the_prompt_alone(olist_db, tmp_path):
    """Every extraction label of an Olist build is what the labeller reads in the prompt's own
    score and message: nothing the model does not see (the title) feeds a label."""
    records = build_pairs(olist_db, outputs=pair_outputs(tmp_path), seed=2, scale=1.0, tasks=SMALL_TASKS)
    extraction = [r for split in records.values() for r in split if r["task"] == "extraction"]
    assert len(extraction) == sum(SMALL_TASKS["extraction"][s] for s in ("train", "validation", "eval"))
    for record in extraction:
        header, message = record["prompt"][1]["content"].split("\n", 1)
        score = record["source"]["review_score"]
        assert header == f"Avaliação do pedido (nota {score}/5):"
        read = label_review(score, message)
        ref = record["reference"]
        for field in ("delivery_issue", "product_quality_issue", "wrong_or_missing_item", "seller_service_issue",
                      "complaint_category", "would_recommend"):
            assert read[field] == ref[field], (record["id"], field, message)


def test_olist_titles_feed_no_label(olist_dir, olist_db, tmp_path):
    """Titles full of complaint words change nothing: the labels come from the message only."""
    changed = tmp_path / "olist"
    shutil.copytree(olist_dir, changed)
    path = changed / "olist_order_reviews_dataset.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["review_comment_title"] = "Atrasou, veio quebrado, faltou peça, vendedor não responde, caro"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    db = tmp_path / "commerce.db"
    build_commerce_db(db, source="olist", olist_dir=changed, orders=0, seed=0, labeller=LABELLER)
    query = "SELECT * FROM review_facts ORDER BY review_id, order_id"
    with duckdb.connect(str(db), read_only=True) as new, duckdb.connect(str(olist_db), read_only=True) as old:
        assert new.execute("SELECT COUNT(DISTINCT review_comment_title) FROM order_reviews").fetchone()[0] == 1
        assert new.execute(query).fetchall() == old.execute(query).fetchall()


def test_missing_file_is_named(olist_dir, tmp_path):
    partial = tmp_path / "olist"
    shutil.copytree(olist_dir, partial)
    (partial / "olist_sellers_dataset.csv").unlink()
    target = tmp_path / "commerce.db"
    with pytest.raises(FileNotFoundError, match="olist_sellers_dataset.csv"):
        build_commerce_db(target, source="olist", olist_dir=partial, orders=0, seed=0, labeller=LABELLER)
    assert not target.exists() and list(tmp_path.glob(".*tmp*")) == []


def test_missing_column_is_named(olist_dir, tmp_path):
    broken = tmp_path / "olist"
    shutil.copytree(olist_dir, broken)
    path = broken / "olist_products_dataset.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("product_name_lenght", "product_name_length", 1), encoding="utf-8")
    with pytest.raises(ValueError, match="olist_products_dataset.csv: missing column.*product_name_lenght"):
        build_commerce_db(tmp_path / "commerce.db", source="olist", olist_dir=broken, orders=0, seed=0, labeller=LABELLER)


def test_bad_value_names_the_file(olist_dir, tmp_path):
    broken = tmp_path / "olist"
    shutil.copytree(olist_dir, broken)
    path = broken / "olist_order_payments_dataset.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(",")
    fields[-1] = "not-a-number"
    lines[1] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="olist_order_payments_dataset.csv"):
        build_commerce_db(tmp_path / "commerce.db", source="olist", olist_dir=broken, orders=0, seed=0, labeller=LABELLER)


def test_pairs_build_from_the_olist_import(olist_db, tmp_path):
    records = build_pairs(olist_db, outputs=pair_outputs(tmp_path), seed=2, scale=1.0, tasks=SMALL_TASKS)
    assert len(records["eval"]) == sum(per_task(SMALL_TASKS, "eval").values())
    stats = read_stats(tmp_path / "stats.json")
    assert stats["source"] == "olist" and stats["database"]["review_facts_origin"] == ["heuristic"]
