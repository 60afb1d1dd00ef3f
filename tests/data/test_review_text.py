"""Synthetic review text: real reviews' statistics, labels the comment alone supports, determinism."""
import duckdb
import numpy as np
import pytest

from commerce_grpo.data import synthetic
from commerce_grpo.data.labeller import LABEL_FIELDS, label_review
from commerce_grpo.data.text_stats import REAL_OLIST, comment_stats

# Figures of the comparison table that must be within 1.5x of the real Olist ones.
RATIO_FIGURES = ("chars_mean", "chars_median", "chars_p95", "share_le3_words", "share_line_break")


@pytest.fixture(scope="module")
def default_reviews(default_db):
    """(score, message, title, facts) of every review of the default 5,000-order db."""
    with duckdb.connect(str(default_db), read_only=True) as con:
        return con.execute(f"""
            SELECT r.review_score, r.review_comment_message, r.review_comment_title,
                   {', '.join('f.' + f for f in LABEL_FIELDS)}
            FROM order_reviews r JOIN review_facts f USING (review_id, order_id)
            ORDER BY r.review_id""").fetchall()


def test_text_statistics_match_real_reviews(default_reviews):
    stats = comment_stats([row[1] for row in default_reviews])
    for key in RATIO_FIGURES:
        ratio = stats[key] / REAL_OLIST[key]
        assert 1 / 1.5 <= ratio <= 1.5, (key, stats[key], REAL_OLIST[key])
    assert stats["types_per_20k_tokens"] >= 2000 and not stats["types_per_20k_extrapolated"]
    assert stats["share_duplicated"] <= 0.02
    assert 0.01 <= stats["share_all_caps"] <= 0.06 and 0.08 <= stats["share_all_lower"] <= 0.2
    assert stats["chars_max"] <= 210


def test_new_topics_slang_and_letter_style_occur(default_reviews):
    texts = [row[1] for row in default_reviews if row[1]]
    lowered = " ".join(texts).lower()
    for word in ("aguardando", "estoque", "estorno", "resposta", "retorno", "correios", "empresa",
                 "cancel", "duas vezes", "agência", "duas entregas"):
        assert word in lowered, word
    for slang in (" vc ", " pq ", " tbm ", " hj ", " ñ ", "kkk", " top", " q "):
        assert slang in f" {lowered} ", slang
    assert sum(t.startswith(("Olá", "Prezados", "Boa tarde", "Bom dia", "Meus caros", "Oi")) for t in texts) >= 20
    assert sum("Att" in t or "Atenciosamente" in t for t in texts) >= 10
    per_1k = lowered.split().count("mto") / len(lowered.split()) * 1000
    assert per_1k < 1.0, per_1k  # real reviews: 0.05 per 1k tokens


def test_every_label_rests_on_the_comment_alone(default_reviews):
    """The extraction prompt shows score and message; a reader of those alone (the Olist-mode
    labeller) recovers the generator's latent facts, so no label rests on the title or on
    anything else the model cannot see."""
    rows = [row for row in default_reviews if row[1] and len(row[1].strip()) >= 3]
    wrong = {field: 0 for field in LABEL_FIELDS}
    for score, message, _title, *facts in rows:
        predicted = label_review(score, message)
        for field, fact in zip(LABEL_FIELDS, facts):
            wrong[field] += predicted[field] != fact
    accuracy = {field: 1 - n / len(rows) for field, n in wrong.items()}
    assert min(accuracy.values()) >= 0.99, accuracy


def test_generator_is_deterministic_per_seed():
    first, again, other = (synthetic.generate(600, seed)["order_reviews"] for seed in (4, 4, 5))
    assert first["review_comment_message"].equals(again["review_comment_message"])
    assert not first["review_comment_message"].equals(other["review_comment_message"])


def test_short_reviews_state_at_most_one_fact(default_reviews):
    """A comment of <= 3 words cannot say two complaints: the generator only writes one when the
    review has a single fact and the recommendation the score implies."""
    for score, message, _title, *facts in default_reviews:
        if message and len(message.split()) <= 3:
            labels = dict(zip(LABEL_FIELDS, facts))
            assert sum(labels[f] for f in LABEL_FIELDS[:5]) <= 1, message
            assert labels["would_recommend"] == (score >= 4), message
