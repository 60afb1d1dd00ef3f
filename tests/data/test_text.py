"""Portuguese text: formatting helpers, the stratified stream, and review comments that agree
with the order they review."""
import re

import duckdb

from commerce_grpo.data.ptbr import fmt_dec, fmt_int, fmt_money, fmt_pct, month_name, normalize_text
from commerce_grpo.data.reviews import score_distribution_on_time
from commerce_grpo.tasklib.candidates import Candidate, interleave


def test_ptbr_formatting():
    assert fmt_int(1234567) == "1.234.567"
    assert fmt_dec(1234.5) == "1.234,50"
    assert fmt_money(0.5) == "R$ 0,50"
    assert fmt_pct(12.34) == "12,3%"
    assert month_name("2018-03") == "março de 2018"


def test_normalize_text_ignores_case_accents_and_punctuation():
    assert normalize_text("Não  RECOMENDO!!\nPéssimo...") == normalize_text("nao recomendo pessimo")


def test_interleave_takes_turns_and_skips_empty_items():
    strata = {"a": [1, 2, 3], "b": [None, None, 10], "c": [20]}
    stream = interleave(strata, lambda s, x: None if x is None else Candidate(user=f"{s}{x}", reference={}, source={}))
    assert [c.user for c in stream] == ["a1", "b10", "c20", "a2", "a3"]


def test_on_time_scores_complete_the_olist_mix():
    dist = score_distribution_on_time(0.08, 0.03)
    assert abs(sum(dist.values()) - 1) < 1e-9 and dist[5] > 0.6 and dist[1] < 0.08


def test_comments_quote_the_real_delay(default_db):
    """A comment that says how late the order was quotes the order's own days_late (few do: about
    one late complaint in twenty counts the days in real reviews)."""
    with duckdb.connect(str(default_db), read_only=True) as con:
        rows = con.execute("""
            SELECT r.review_comment_message, e.days_late FROM order_reviews r JOIN orders_enriched e USING (order_id)
            JOIN review_facts f ON f.review_id = r.review_id WHERE f.delivery_issue AND r.review_comment_message IS NOT NULL""").fetchall()
    quoted = [(int(m.group(1) or m.group(2)), late) for text, late in rows
              if (m := re.search(r"atrasou (\d+) dias?\b|(\d+) dias? (de atraso|depois do prazo|da data prevista|além do prazo)",
                                 text))]
    assert len(quoted) >= 3
    assert all(days == late for days, late in quoted)
