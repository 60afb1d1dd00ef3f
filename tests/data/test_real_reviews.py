"""The real-review figures: how they are measured and reweighted, and the committed file's shape.

The Olist files are never needed here: the measurement runs on Olist-format CSVs exported from a
synthetic database (the ``olist_dir`` fixture) and on a few rows written for the test.
"""
import csv
import json

import numpy as np
import pandas as pd
import pytest

from commerce_grpo.data import real_reviews
from commerce_grpo.data.real_reviews import delivery_groups, measure, reference_mix
from commerce_grpo.data.schema import OLIST_TABLES
from commerce_grpo.data.text_stats import REAL_STATS, SHARES, comment_stats, real_stats


def test_reference_mix_is_olists_commented_reviews():
    mix = reference_mix()
    assert abs(sum(mix.values()) - 1) < 1e-3 and len(mix) == 15
    by_score = {s: sum(v for k, v in mix.items() if k.endswith(f"/{s}")) for s in range(1, 6)}
    assert by_score[5] > 0.4 and 0.15 < by_score[1] < 0.3  # five stars dominate, as in full Olist
    assert sum(v for k, v in mix.items() if k.startswith("undelivered")) < 0.1


def test_measure_an_olist_folder(olist_dir, tmp_path):
    figures = measure(olist_dir)
    assert figures["figures"]["n"] == figures["raw"]["n"] > 500
    assert set(figures["figures"]) == set(comment_stats(["ok, chegou"]))
    assert all(set(SHARES) <= set(band) for band in figures["by_band"].values())
    out = tmp_path / "stats.json"
    assert real_reviews.main([str(olist_dir), "--out", str(out)]) == 0
    assert real_stats(out)["figures"] == json.loads(json.dumps(figures["figures"]))


def test_reweighting_moves_figures_to_the_reference_mix(tmp_path):
    """Written rows: every one-star comment of an undelivered order says "cancelaram", every
    five-star comment of an on-time order does not. The raw share follows the file's mix; the
    reweighted share is the reference mix's weight of that stratum."""
    rows, orders = [], []
    for i in range(40):
        undelivered = i < 30  # three in four rows, far more than Olist's 3 %
        orders.append({"order_id": f"o{i}", "order_status": "canceled" if undelivered else "delivered",
                       "order_delivered_customer_date": "" if undelivered else "2018-01-05 10:00:00",
                       "order_estimated_delivery_date": "2018-01-10 00:00:00"})
        rows.append({"order_id": f"o{i}", "review_score": "1" if undelivered else "5",
                     "review_comment_message": "cancelaram meu pedido" if undelivered else "chegou antes, adorei"})
    _write(tmp_path, "order_reviews", rows)
    _write(tmp_path, "orders", orders)
    figures = measure(tmp_path)
    assert figures["raw"]["share_cancel"] == 0.75
    mix = reference_mix()
    expected = mix["undelivered/1"] / (mix["undelivered/1"] + mix["on_time/5"])
    assert figures["figures"]["share_cancel"] == pytest.approx(expected, abs=1e-3)
    assert set(figures["strata_without_comments"]) == set(mix) - {"undelivered/1", "on_time/5"}


def test_delivery_groups_follow_the_generator():
    orders = pd.DataFrame({"order_id": ["a", "b", "c", "d"], "order_status": ["delivered", "delivered", "shipped", "delivered"],
                           "order_delivered_customer_date": ["2018-01-11 09:00:00", "2018-01-10 23:00:00", "", ""],
                           "order_estimated_delivery_date": ["2018-01-10 00:00:00"] * 4})
    assert list(delivery_groups(orders)) == ["late", "on_time", "undelivered", "undelivered"]


def test_committed_figures_hold_numbers_only():
    """data/real_review_stats.json keeps figures, never a comment (the Olist text is CC BY-NC-SA)."""
    data = json.loads(REAL_STATS.read_text(encoding="utf-8"))
    strings = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            strings.append(value)
    walk(data)
    assert strings == [data["source"], *data["strata_without_comments"]]
    assert all(isinstance(v, (int, float, bool)) for v in data["figures"].values())
    assert np.isclose(sum(data["reference_mix"].values()), 1, atol=1e-3)


def test_missing_file_names_the_command(tmp_path):
    with pytest.raises(ValueError, match="python -m commerce_grpo.data.real_reviews"):
        real_stats(tmp_path / "none.json")
    with pytest.raises(FileNotFoundError, match="olist_order_reviews_dataset.csv"):
        measure(tmp_path)


def _write(folder, table, rows):
    filename, columns = OLIST_TABLES[table]
    with (folder / filename).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[name for name, _ in columns], restval="")
        writer.writeheader()
        writer.writerows(rows)
